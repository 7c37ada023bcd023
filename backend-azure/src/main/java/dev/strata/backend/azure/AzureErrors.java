package dev.strata.backend.azure;

import com.azure.storage.blob.models.BlobStorageException;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.RemoteStorageException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * Classifies Azure SDK failures once. The caller's cancellation and deadline win over what the SDK reported.
 *
 * <ul>
 *   <li>404 NotFound; 409 BlobAlreadyExists and 412 are AlreadyExists for "only if absent" puts, 412 is
 *       PreconditionFailed otherwise.</li>
 *   <li>408, 429, 500, 503 (ServerBusy), 504 and other 5xx: Transient, with Retry-After when sent.</li>
 *   <li>Other 4xx: Permanent.</li>
 *   <li>A refused connection or unknown host: Transient. A blocking read that timed out: Timeout. Any other I/O
 *       failure: Timeout (the request may have been applied).</li>
 * </ul>
 */
final class AzureErrors {
    private AzureErrors() {}

    static RemoteStorageException classify(String operation, String key, Throwable e, CallContext context, boolean conditionalPut) {
        if (e instanceof RemoteStorageException classified) {
            return classified;
        }
        if (context.cancellation().isCancelled()) {
            return new RemoteStorageException.Cancelled(operation, key, e);
        }
        if (context.deadline().isExpired()) {
            return new RemoteStorageException.Timeout(operation, key, "deadline passed", e);
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            switch (cause) {
                case RemoteStorageException classified -> {
                    return classified;
                }
                case BlobStorageException blob -> {
                    return service(operation, key, blob, conditionalPut);
                }
                case TimeoutException timeout -> {
                    return new RemoteStorageException.Timeout(operation, key, String.valueOf(e.getMessage()), e);
                }
                case ConnectException refused -> {
                    return new RemoteStorageException.Transient(operation, key, "no connection: " + refused, null, e);
                }
                case UnknownHostException unknown -> {
                    return new RemoteStorageException.Transient(operation, key, "no connection: " + unknown, null, e);
                }
                default -> {
                    // look further down the chain
                }
            }
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof IOException) {
                return new RemoteStorageException.Timeout(operation, key, "I/O failed, the request may have been applied: " + cause, e);
            }
        }
        return new RemoteStorageException.Permanent(operation, key, e.toString(), e);
    }

    private static RemoteStorageException service(String operation, String key, BlobStorageException e, boolean conditionalPut) {
        int status = e.getStatusCode();
        String code = e.getErrorCode() == null ? "" : e.getErrorCode().toString();
        String message = status + " " + code;
        if (status == 404 && !"ContainerNotFound".equals(code)) {
            return new RemoteStorageException.NotFound(operation, key, e);
        }
        if (conditionalPut && (status == 412 || status == 409 && "BlobAlreadyExists".equals(code))) {
            return new RemoteStorageException.AlreadyExists(operation, key, e);
        }
        if (status == 412) {
            return new RemoteStorageException.PreconditionFailed(operation, key, message, e);
        }
        if (status == 408 || status == 429 || status >= 500) {
            return new RemoteStorageException.Transient(operation, key, message, retryAfter(e), e);
        }
        return new RemoteStorageException.Permanent(operation, key, message + ": " + e.getServiceMessage(), e);
    }

    private static Duration retryAfter(BlobStorageException e) {
        String value = e.getResponse() == null ? null : e.getResponse().getHeaderValue("Retry-After");
        if (value == null) {
            return null;
        }
        try {
            long seconds = Long.parseLong(value.strip());
            return seconds < 0 ? null : Duration.ofSeconds(seconds);
        } catch (NumberFormatException e2) {
            return null;
        }
    }
}

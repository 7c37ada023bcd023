package dev.strata.backend.s3;

import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.RemoteStorageException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Classifies SDK failures into the SPI's error classes, once. The caller's cancellation and deadline win over
 * whatever the SDK reported, because an aborted request surfaces as an arbitrary client error.
 *
 * <ul>
 *   <li>404 NotFound; 412 AlreadyExists for "only if absent" puts, PreconditionFailed otherwise.</li>
 *   <li>408, 409 (OperationAborted, ConditionalRequestConflict), 429, 500, 502, 503 (SlowDown), 504 and the
 *       RequestTimeout / Throttling codes: Transient, with Retry-After when the service sent one.</li>
 *   <li>Other 4xx, and 501 NotImplemented (a store without the feature will not gain it on retry): Permanent
 *       (credentials, bad request, missing bucket).</li>
 *   <li>No connection (refused, unknown host): Transient, nothing was sent. Any other I/O failure after the
 *       request may have been sent, and the SDK's own timeouts: Timeout (effect unknown).</li>
 * </ul>
 */
final class S3Errors {
    private static final List<String> TRANSIENT_CODES = List.of("SlowDown", "Throttling", "ThrottlingException",
            "RequestTimeout", "RequestTimeTooSkewed", "InternalError", "ServiceUnavailable", "OperationAborted",
            "ConditionalRequestConflict");

    private S3Errors() {}

    static RemoteStorageException classify(String operation, String key, Exception e, CallContext context,
            boolean conditionalPut) {
        if (e instanceof RemoteStorageException classified) {
            return classified;
        }
        if (context.cancellation().isCancelled()) {
            return new RemoteStorageException.Cancelled(operation, key, e);
        }
        if (context.deadline().isExpired()) {
            return new RemoteStorageException.Timeout(operation, key, "deadline passed", e);
        }
        Optional<RemoteStorageException> wrapped = causeOfType(e, RemoteStorageException.class);
        if (wrapped.isPresent()) {
            return wrapped.get();
        }
        return switch (e) {
            case S3Exception s3 -> service(operation, key, s3, conditionalPut);
            case ApiCallTimeoutException timeout -> new RemoteStorageException.Timeout(operation, key, timeout.getMessage(), timeout);
            case ApiCallAttemptTimeoutException timeout -> new RemoteStorageException.Timeout(operation, key, timeout.getMessage(), timeout);
            case AbortedException aborted -> new RemoteStorageException.Cancelled(operation, key, aborted);
            case SdkClientException client -> client(operation, key, client);
            case SdkException other -> new RemoteStorageException.Permanent(operation, key, String.valueOf(other.getMessage()), other);
            case IOException io -> new RemoteStorageException.Timeout(operation, key, io.toString(), io);
            default -> new RemoteStorageException.Permanent(operation, key, e.toString(), e);
        };
    }

    private static RemoteStorageException service(String operation, String key, S3Exception e, boolean conditionalPut) {
        int status = e.statusCode();
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        String message = status + " " + (code == null ? "" : code + ": ") + e.getMessage();
        if (status == 404 && !"NoSuchBucket".equals(code)) {
            return new RemoteStorageException.NotFound(operation, key, e);
        }
        if (status == 412) {
            return conditionalPut ? new RemoteStorageException.AlreadyExists(operation, key, e)
                    : new RemoteStorageException.PreconditionFailed(operation, key, message, e);
        }
        if (status == 408 || status == 409 || status == 429 || status >= 500 && status != 501
                || TRANSIENT_CODES.contains(code)) {
            return new RemoteStorageException.Transient(operation, key, message, retryAfter(e), e);
        }
        return new RemoteStorageException.Permanent(operation, key, message, e);
    }

    private static RemoteStorageException client(String operation, String key, SdkClientException e) {
        if (causeOfType(e, ConnectException.class).isPresent() || causeOfType(e, UnknownHostException.class).isPresent()) {
            return new RemoteStorageException.Transient(operation, key, "no connection: " + e.getMessage(), null, e);
        }
        if (causeOfType(e, InterruptedIOException.class).isPresent() || causeOfType(e, IOException.class).isPresent()) {
            return new RemoteStorageException.Timeout(operation, key, "I/O failed, the request may have been applied: "
                    + e.getMessage(), e);
        }
        return new RemoteStorageException.Permanent(operation, key, String.valueOf(e.getMessage()), e);
    }

    private static Duration retryAfter(S3Exception e) {
        if (e.awsErrorDetails() == null || e.awsErrorDetails().sdkHttpResponse() == null) {
            return null;
        }
        return e.awsErrorDetails().sdkHttpResponse().firstMatchingHeader("Retry-After").flatMap(value -> {
            try {
                return Optional.of(Duration.ofSeconds(Long.parseLong(value.strip())));
            } catch (NumberFormatException notSeconds) {
                return Optional.empty();
            }
        }).filter(delay -> !delay.isNegative()).orElse(null);
    }

    private static <T extends Throwable> Optional<T> causeOfType(Throwable e, Class<T> type) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return Optional.of(type.cast(cause));
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return Optional.empty();
    }
}

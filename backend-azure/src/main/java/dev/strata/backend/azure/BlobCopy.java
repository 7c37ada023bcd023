package dev.strata.backend.azure;

import com.azure.core.util.Context;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.models.BlobBeginCopySourceRequestConditions;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.CopyStatusType;
import com.azure.storage.blob.options.BlobBeginCopyOptions;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.api.remote.RemoteStorageException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * A server-side copy of one blob onto another in the same container (Copy Blob): the service copies the bytes, none
 * pass through this process, and no size limit applies.
 *
 * <ul>
 *   <li>The source is authorised by the client's own credential (shared key and Microsoft Entra ID cover a source
 *       in the same account); a client authorised by a SAS sends that SAS with the source URL.</li>
 *   <li>The copy requires the source's ETag as it was when the copy began ({@code x-ms-source-if-match}): a source
 *       replaced in between is a {@link RemoteStorageException.Transient} failure, never a copy of another
 *       version than the one measured.</li>
 *   <li>Within one account the service usually finishes before it answers. Otherwise the copy is pending and the
 *       target's copy status is polled, with growing waits, until it succeeds, fails, or the caller's deadline or
 *       cancellation ends the wait. Starting the copy is the commit step: from then on the target's previous
 *       version is gone. A pending copy that the caller gives up on is aborted, and the target that the abort
 *       leaves (empty) is deleted, as is the target of a copy the service failed: a reader never sees a partial
 *       object. A copy that completed meanwhile (the abort finds nothing pending) is left in place.</li>
 *   <li>The Copy Blob request itself takes no per-request timeout in the SDK; the caller's deadline bounds the
 *       waiting, and cancellation interrupts the request.</li>
 * </ul>
 */
final class BlobCopy {
    private static final Duration FIRST_POLL = Duration.ofMillis(50);
    private static final Duration LONGEST_POLL = Duration.ofSeconds(1);
    private static final Duration CLEANUP_TIMEOUT = Duration.ofSeconds(30);

    private final BlobClient source;
    private final BlobClient target;
    private final Optional<String> sourceSas;
    private final String sourceKey;
    private final String targetKey;
    private final CallContext context;
    private final Function<CallContext, Duration> timeout;

    BlobCopy(BlobClient source, BlobClient target, Optional<String> sourceSas, String sourceKey, String targetKey,
            CallContext context, Function<CallContext, Duration> timeout) {
        this.source = Objects.requireNonNull(source, "source is null");
        this.target = Objects.requireNonNull(target, "target is null");
        this.sourceSas = Objects.requireNonNull(sourceSas, "sourceSas is null");
        this.sourceKey = Objects.requireNonNull(sourceKey, "sourceKey is null");
        this.targetKey = Objects.requireNonNull(targetKey, "targetKey is null");
        this.context = Objects.requireNonNull(context, "context is null");
        this.timeout = Objects.requireNonNull(timeout, "timeout is null");
    }

    /** Copies the source version whose ETag is {@code sourceEtag} (unquoted) and waits until the copy is done. */
    ObjectMetadata run(String sourceEtag) throws RemoteStorageException {
        String url = source.getBlobUrl() + sourceSas.map(sas -> "?" + (sas.startsWith("?") ? sas.substring(1) : sas)).orElse("");
        BlobBeginCopyOptions options = new BlobBeginCopyOptions(url).setSourceRequestConditions(
                new BlobBeginCopySourceRequestConditions().setIfMatch("\"" + sourceEtag + "\""));
        try {
            sdk(() -> target.beginCopy(options));
        } catch (RemoteStorageException.PreconditionFailed changed) {
            throw new RemoteStorageException.Transient("copy", sourceKey,
                    "the source was replaced before the copy began; copying again copies the new version", null, changed);
        }
        return awaitCompletion();
    }

    private ObjectMetadata awaitCompletion() throws RemoteStorageException {
        Duration wait = FIRST_POLL;
        BlobProperties last = null;
        boolean done = false;
        try {
            while (true) {
                BlobProperties properties = sdk(() -> target.getPropertiesWithResponse(null, timeout.apply(context),
                        Context.NONE).getValue());
                last = properties;
                CopyStatusType status = properties.getCopyStatus();
                if (status == null || CopyStatusType.SUCCESS.equals(status)) {
                    done = true;
                    return new ObjectMetadata(targetKey, properties.getBlobSize(), AzureStorage.unquoted(properties.getETag()),
                            AzureStorage.instant(properties.getLastModified()));
                }
                if (!CopyStatusType.PENDING.equals(status)) {
                    throw new RemoteStorageException.Transient("copy", sourceKey, "the service ended the copy as " + status
                            + ": " + properties.getCopyStatusDescription(), null, null);
                }
                Duration pause = wait;
                sdk(() -> {
                    Duration remaining = context.deadline().remaining();
                    Thread.sleep(pause.compareTo(remaining) < 0 ? pause : remaining);
                    return null;
                });
                wait = wait.multipliedBy(2).compareTo(LONGEST_POLL) < 0 ? wait.multipliedBy(2) : LONGEST_POLL;
            }
        } finally {
            if (!done && last != null) {
                abandon(last);
            }
        }
    }

    /** Best effort, with its own timeouts: aborts a pending copy and deletes the empty or failed target it leaves. */
    private void abandon(BlobProperties last) {
        try {
            if (CopyStatusType.PENDING.equals(last.getCopyStatus())) {
                target.abortCopyFromUrlWithResponse(last.getCopyId(), null, CLEANUP_TIMEOUT, Context.NONE);
            }
            target.deleteIfExistsWithResponse(null, null, CLEANUP_TIMEOUT, Context.NONE);
        } catch (RuntimeException e) {
            // the abort found no pending copy (it completed, the target is whole) or the service is unreachable
        }
    }

    private <T> T sdk(AzureCalls.Call<T> call) throws RemoteStorageException {
        return AzureCalls.run("copy", sourceKey, context, false, call);
    }
}

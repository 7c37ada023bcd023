package dev.strata.backend.s3;

import dev.strata.api.deletion.DeletionExecutor;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.DeleteResult;
import dev.strata.api.remote.RemoteStorageException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The {@code lifecycle-tag} executor: instead of deleting an object it tags it ({@code strata-expired=true} by
 * default) with the S3 client of the node's own bucket, and a bucket lifecycle rule that filters on the tag
 * expires it later. Lets an operator keep deleted objects recoverable for the rule's delay, and makes S3 pay
 * the deletion work.
 *
 * <p>Per the {@link DeletionExecutor} contract: a missing object counts as done; each key's failure is reported
 * for that key alone (the queue retries it); tagging again is harmless (it writes the same tag set). The keys of
 * one call are tagged in parallel on virtual threads, one request each. A cancellation or the caller's deadline
 * fails the whole call. PutObjectTagging replaces an object's tag set: Strata puts no other tags on its objects.
 */
final class LifecycleTagDeletionExecutor implements DeletionExecutor {
    /** Keys tagged in parallel by one call: within the default connection pool of the S3 storage. */
    static final int MAX_KEYS_PER_CALL = 32;

    private final S3Storage storage;
    private final String tagKey;
    private final String tagValue;

    LifecycleTagDeletionExecutor(S3Storage storage, String tagKey, String tagValue) {
        this.storage = Objects.requireNonNull(storage, "storage is null");
        this.tagKey = Objects.requireNonNull(tagKey, "tagKey is null");
        this.tagValue = Objects.requireNonNull(tagValue, "tagValue is null");
    }

    @Override
    public int maxKeysPerCall() {
        return MAX_KEYS_PER_CALL;
    }

    @Override
    public List<DeleteResult> delete(List<String> keys, CallContext context) throws RemoteStorageException {
        if (keys.size() > MAX_KEYS_PER_CALL) {
            throw new IllegalArgumentException("lifecycle-tag executor takes at most " + MAX_KEYS_PER_CALL
                    + " keys per call, got " + keys.size());
        }
        context.check("tag", null);
        List<DeleteResult> results = new ArrayList<>(keys.size());
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<DeleteResult>> pending = new ArrayList<>(keys.size());
            for (String key : keys) {
                pending.add(threads.submit(() -> tagOne(key, context)));
            }
            for (Future<DeleteResult> result : pending) {
                results.add(result.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RemoteStorageException.Cancelled("tag", null, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RemoteStorageException whole) {
                throw whole;
            }
            throw new IllegalStateException("tagging failed unexpectedly", e.getCause());
        }
        return results;
    }

    /** Tags one key; a missing object is done, another error is that key's, cancellation and deadline end the call. */
    private DeleteResult tagOne(String key, CallContext context) throws RemoteStorageException {
        try {
            storage.tag(key, tagKey, tagValue, context);
            return DeleteResult.deleted(key);
        } catch (RemoteStorageException.NotFound e) {
            return DeleteResult.deleted(key);
        } catch (RemoteStorageException e) {
            if (context.cancellation().isCancelled() || context.deadline().isExpired()) {
                throw e;
            }
            return DeleteResult.failed(key, e);
        }
    }

    @Override
    public String toString() {
        return "LifecycleTagDeletionExecutor[" + tagKey + "=" + tagValue + " on " + storage + "]";
    }
}

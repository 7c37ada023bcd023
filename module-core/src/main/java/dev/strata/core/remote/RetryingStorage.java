package dev.strata.core.remote;

import dev.strata.api.remote.ByteRange;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.DeleteResult;
import dev.strata.api.remote.ListPage;
import dev.strata.api.remote.ListRequest;
import dev.strata.api.remote.ObjectContent;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.api.remote.PutOptions;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.core.failpoint.FailpointException;
import dev.strata.core.failpoint.Failpoints;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * The one place where remote storage calls are retried (backends and SDKs make a single attempt).
 *
 * <ul>
 *   <li>{@link RemoteStorageException.Transient} is retried for every call, waiting as {@link RetryPolicy} says.</li>
 *   <li>{@link RemoteStorageException.Timeout} (effect unknown) is retried only for idempotent calls: list,
 *       head, get, delete, batch delete, copy and an unconditional put. A put "only if absent" that timed out
 *       is not retried, because a retry could report AlreadyExists for an object this very call wrote; the
 *       caller resolves it (for example by reading the object back).</li>
 *   <li>A Timeout caused by the caller's own deadline, and every other error class, is thrown at once.</li>
 *   <li>No wait extends past the deadline: if the next wait would, the last error is thrown instead.</li>
 *   <li>A batch delete retries only the keys whose result was a retryable error, and returns one result per key.</li>
 *   <li>A get retries opening the object; a failure while reading the returned stream is the caller's to retry.</li>
 * </ul>
 *
 * <p>Fault injection, per attempt and before the backend is called (so an injected failure never hides an effect):
 * {@value #FAILPOINT_ATTEMPT_DELAY} (use {@code sleep(ms)}: a slow response), {@value #FAILPOINT_ATTEMPT_TRANSIENT}
 * ({@code return}: the attempt fails with {@link RemoteStorageException.Transient}) and
 * {@value #FAILPOINT_ATTEMPT_TIMEOUT} ({@code return}: the attempt fails with {@link RemoteStorageException.Timeout};
 * injected only into idempotent calls, since a put "only if absent" that timed out is not retried). The same rules
 * retry them as real failures, so with enough attempts no caller sees them.
 */
public final class RetryingStorage {
    /** Failpoint evaluated before every attempt; {@code sleep(ms)} makes the attempt slow. */
    public static final String FAILPOINT_ATTEMPT_DELAY = "remote-attempt-delay";
    /** Failpoint evaluated before every attempt; {@code return} fails it as a transient error. */
    public static final String FAILPOINT_ATTEMPT_TRANSIENT = "remote-attempt-transient";
    /** Failpoint evaluated before every attempt of an idempotent call; {@code return} fails it as a timeout. */
    public static final String FAILPOINT_ATTEMPT_TIMEOUT = "remote-attempt-timeout";

    private final RemoteStorage storage;
    private final RetryPolicy policy;
    private final Sleeper sleeper;
    private final RandomGenerator random;
    private final Consumer<RetryEvent> listener;
    private final Failpoints failpoints;

    public RetryingStorage(RemoteStorage storage, RetryPolicy policy, Sleeper sleeper, RandomGenerator random,
            Consumer<RetryEvent> listener) {
        this(storage, policy, sleeper, random, listener, Failpoints.disabled());
    }

    private RetryingStorage(RemoteStorage storage, RetryPolicy policy, Sleeper sleeper, RandomGenerator random,
            Consumer<RetryEvent> listener, Failpoints failpoints) {
        this.failpoints = Objects.requireNonNull(failpoints, "failpoints is null");
        this.storage = Objects.requireNonNull(storage, "storage is null");
        this.policy = Objects.requireNonNull(policy, "policy is null");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper is null");
        this.random = Objects.requireNonNull(random, "random is null");
        this.listener = Objects.requireNonNull(listener, "listener is null");
    }

    /** Real waits, a shared random source, no listener. */
    public RetryingStorage(RemoteStorage storage, RetryPolicy policy) {
        this(storage, policy, Sleeper.REAL, new java.util.Random(), event -> {});
    }

    /** The same storage, retried the same way, evaluating the per-attempt failpoints of {@code failpoints}. */
    public RetryingStorage withFailpoints(Failpoints failpoints) {
        return new RetryingStorage(storage, policy, sleeper, random, listener, failpoints);
    }

    /** The storage underneath, for calls that must not be retried. */
    public RemoteStorage storage() {
        return storage;
    }

    public RetryPolicy policy() {
        return policy;
    }

    public ListPage list(ListRequest request, CallContext context) throws RemoteStorageException {
        return retry("list", null, true, context, () -> storage.list(request, context));
    }

    /** Every key under {@code prefix}, following continuation tokens; each page is retried on its own. */
    public List<ObjectMetadata> listAll(String prefix, CallContext context) throws RemoteStorageException {
        List<ObjectMetadata> objects = new ArrayList<>();
        ListRequest request = ListRequest.all(prefix);
        while (true) {
            ListPage page = list(request, context);
            objects.addAll(page.objects());
            if (page.isLast()) {
                return objects;
            }
            request = request.next(page);
        }
    }

    public ObjectMetadata head(String key, CallContext context) throws RemoteStorageException {
        return retry("head", key, true, context, () -> storage.head(key, context));
    }

    /** Puts the bytes {@code source} opens, opening it again for each attempt. */
    public ObjectMetadata put(String key, ContentSource source, long size, PutOptions options, CallContext context)
            throws RemoteStorageException {
        Objects.requireNonNull(source, "source is null");
        return retry("put", key, !options.ifAbsent(), context, () -> {
            try (InputStream data = source.open()) {
                return storage.put(key, data, size, options, context);
            } catch (RemoteStorageException e) {
                throw e;
            } catch (IOException e) {
                throw new RemoteStorageException.Permanent("put", key, "opening the data failed: " + e, e);
            }
        });
    }

    public ObjectContent get(String key, ByteRange range, Optional<String> ifMatchEtag, CallContext context)
            throws RemoteStorageException {
        return retry("get", key, true, context, () -> storage.get(key, range, ifMatchEtag, context));
    }

    public void delete(String key, CallContext context) throws RemoteStorageException {
        retry("delete", key, true, context, () -> {
            storage.delete(key, context);
            return null;
        });
    }

    /** Deletes every key; retries the keys that failed retryably; returns one result per key in order. */
    public List<DeleteResult> deleteBatch(List<String> keys, CallContext context) throws RemoteStorageException {
        List<DeleteResult> results = new ArrayList<>(retry("deleteBatch", null, true, context,
                () -> storage.deleteBatch(keys, context)));
        for (int attempt = 1; attempt < policy.maxAttempts(); attempt++) {
            List<Integer> again = new ArrayList<>();
            RemoteStorageException last = null;
            for (int i = 0; i < results.size(); i++) {
                Optional<RemoteStorageException> error = results.get(i).error();
                if (error.isPresent() && retryable(error.get(), true, context)) {
                    again.add(i);
                    last = error.get();
                }
            }
            if (again.isEmpty() || !waitBeforeRetry("deleteBatch", null, attempt, last, context)) {
                return results;
            }
            List<String> retryKeys = again.stream().map(keys::get).toList();
            List<DeleteResult> retried = retry("deleteBatch", null, true, context,
                    () -> storage.deleteBatch(retryKeys, context));
            for (int j = 0; j < again.size(); j++) {
                results.set(again.get(j), retried.get(j));
            }
        }
        return results;
    }

    public ObjectMetadata copy(String sourceKey, String targetKey, CallContext context) throws RemoteStorageException {
        return retry("copy", sourceKey, true, context, () -> storage.copy(sourceKey, targetKey, context));
    }

    @FunctionalInterface
    private interface Attempt<T> {
        T run() throws RemoteStorageException;
    }

    private <T> T retry(String operation, String key, boolean idempotent, CallContext context, Attempt<T> attempt)
            throws RemoteStorageException {
        for (int number = 1; ; number++) {
            try {
                injectFaults(operation, key, idempotent);
                return attempt.run();
            } catch (RemoteStorageException e) {
                if (!retryable(e, idempotent, context) || number >= policy.maxAttempts()
                        || !waitBeforeRetry(operation, key, number, e, context)) {
                    throw e;
                }
            }
        }
    }

    private void injectFaults(String operation, String key, boolean idempotent) throws RemoteStorageException {
        try {
            failpoints.hit(FAILPOINT_ATTEMPT_DELAY);
        } catch (IOException e) {
            throw new RemoteStorageException.Transient(operation, key, "failpoint " + FAILPOINT_ATTEMPT_DELAY + ": " + e.getMessage(),
                    null, e);
        }
        try {
            failpoints.hit(FAILPOINT_ATTEMPT_TRANSIENT);
        } catch (IOException e) {
            throw new RemoteStorageException.Transient(operation, key, "failpoint " + FAILPOINT_ATTEMPT_TRANSIENT, null, e);
        }
        if (idempotent) {
            try {
                failpoints.hit(FAILPOINT_ATTEMPT_TIMEOUT);
            } catch (IOException e) {
                throw new RemoteStorageException.Timeout(operation, key, "failpoint " + FAILPOINT_ATTEMPT_TIMEOUT, e);
            }
        }
    }

    private static boolean retryable(RemoteStorageException error, boolean idempotent, CallContext context) {
        return switch (error) {
            case RemoteStorageException.Transient _ -> true;
            case RemoteStorageException.Timeout _ -> idempotent && !context.deadline().isExpired();
            case RemoteStorageException.NotFound _, RemoteStorageException.AlreadyExists _,
                    RemoteStorageException.PreconditionFailed _, RemoteStorageException.Permanent _,
                    RemoteStorageException.Cancelled _ -> false;
        };
    }

    /** Waits before the next attempt; false if the wait would pass the deadline (the caller then gives up). */
    private boolean waitBeforeRetry(String operation, String key, int failedAttempt, RemoteStorageException error,
            CallContext context) throws RemoteStorageException {
        Duration requested = error instanceof RemoteStorageException.Transient transientError
                ? transientError.retryAfter().orElse(null) : null;
        Duration delay = policy.delayAfter(failedAttempt, requested, random);
        if (!context.deadline().isUnbounded() && delay.compareTo(context.deadline().remaining()) >= 0) {
            return false;
        }
        listener.accept(new RetryEvent(operation, key, failedAttempt, error, delay));
        sleeper.sleep(delay, context, operation, key);
        return true;
    }

    @Override
    public String toString() {
        return "RetryingStorage[" + storage + ", " + policy + "]";
    }
}

package dev.strata.testkit;

import dev.strata.api.remote.ByteRange;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.Cancellation;
import dev.strata.api.remote.Capability;
import dev.strata.api.remote.DeleteResult;
import dev.strata.api.remote.ListPage;
import dev.strata.api.remote.ListRequest;
import dev.strata.api.remote.ObjectContent;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.api.remote.PutOptions;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Wraps a {@link RemoteStorage} and makes its calls fail, time out or slow down according to a {@link Faults}
 * plan, drawing every random choice from one seed so that a failing test replays.
 *
 * <ul>
 *   <li>{@code failFirst}: the first N attempts of an operation after the plan was set throw
 *       {@link RemoteStorageException.Transient} (without reaching the delegate), then calls go through.</li>
 *   <li>{@code transientRate}: each attempt throws Transient with this probability, before the delegate.</li>
 *   <li>{@code timeoutRate}: each attempt throws {@link RemoteStorageException.Timeout} with this probability;
 *       half of those happen <em>after</em> the delegate ran, so the call's effect really is unknown.</li>
 *   <li>{@code slowRate}/{@code slowDelay}: the attempt waits first (cancellable, bounded by the deadline).</li>
 *   <li>{@code deleteKeyFailRate}: in a batch delete, each key fails alone with Transient with this probability
 *       (and is not deleted), as S3's per-key errors of DeleteObjects do.</li>
 * </ul>
 *
 * Counts of attempts and injected faults per operation are kept for assertions. Thread-safe.
 */
public final class FaultInjectingRemoteStorage implements RemoteStorage {

    /** The operations of {@link RemoteStorage}, for plans and counters. */
    public enum Operation { LIST, HEAD, PUT, GET, DELETE, DELETE_BATCH, COPY }

    /**
     * A fault plan.
     *
     * @param failFirst per operation, how many first attempts fail with Transient
     * @param transientRate probability of a Transient failure per attempt
     * @param timeoutRate probability of a Timeout per attempt (half before, half after the delegate)
     * @param slowRate probability that an attempt first waits {@code slowDelay}
     * @param slowDelay how long a slow attempt waits
     * @param retryAfter the delay injected Transient errors ask for, or null
     * @param deleteKeyFailRate probability that one key of a batch delete fails alone
     */
    public record Faults(Map<Operation, Integer> failFirst, double transientRate, double timeoutRate, double slowRate,
            Duration slowDelay, Duration retryAfter, double deleteKeyFailRate) {
        /** No faults. */
        public static final Faults NONE = new Faults(Map.of(), 0, 0, 0, Duration.ZERO, null, 0);

        public Faults {
            failFirst = Map.copyOf(failFirst);
            requireProbability("transientRate", transientRate);
            requireProbability("timeoutRate", timeoutRate);
            requireProbability("slowRate", slowRate);
            requireProbability("deleteKeyFailRate", deleteKeyFailRate);
            Objects.requireNonNull(slowDelay, "slowDelay is null");
        }

        public Faults withFailFirst(Operation operation, int attempts) {
            Map<Operation, Integer> changed = new EnumMap<>(Operation.class);
            changed.putAll(failFirst);
            changed.put(operation, attempts);
            return new Faults(changed, transientRate, timeoutRate, slowRate, slowDelay, retryAfter, deleteKeyFailRate);
        }

        public Faults withTransientRate(double rate) {
            return new Faults(failFirst, rate, timeoutRate, slowRate, slowDelay, retryAfter, deleteKeyFailRate);
        }

        public Faults withTimeoutRate(double rate) {
            return new Faults(failFirst, transientRate, rate, slowRate, slowDelay, retryAfter, deleteKeyFailRate);
        }

        public Faults withSlowness(double rate, Duration delay) {
            return new Faults(failFirst, transientRate, timeoutRate, rate, delay, retryAfter, deleteKeyFailRate);
        }

        public Faults withRetryAfter(Duration delay) {
            return new Faults(failFirst, transientRate, timeoutRate, slowRate, slowDelay, delay, deleteKeyFailRate);
        }

        public Faults withDeleteKeyFailRate(double rate) {
            return new Faults(failFirst, transientRate, timeoutRate, slowRate, slowDelay, retryAfter, rate);
        }

        private static void requireProbability(String name, double value) {
            if (!(value >= 0 && value <= 1)) {
                throw new IllegalArgumentException(name + " is not a probability: " + value);
            }
        }
    }

    private enum Injection { NONE, TRANSIENT, TIMEOUT_BEFORE, TIMEOUT_AFTER }

    private final RemoteStorage delegate;
    private final long seed;
    private final Random random;
    private final Map<Operation, Integer> attempts = new EnumMap<>(Operation.class);
    private final Map<Operation, Integer> injected = new EnumMap<>(Operation.class);
    private final Map<Operation, Integer> attemptsUnderPlan = new EnumMap<>(Operation.class);
    private volatile Faults faults;

    public FaultInjectingRemoteStorage(RemoteStorage delegate, Faults faults, long seed) {
        this.delegate = Objects.requireNonNull(delegate, "delegate is null");
        this.faults = Objects.requireNonNull(faults, "faults is null");
        this.seed = seed;
        this.random = new Random(seed);
    }

    /** Replaces the plan; {@code failFirst} counts from now, the counters of {@link #attempts} are kept. */
    public synchronized void setFaults(Faults newFaults) {
        this.faults = Objects.requireNonNull(newFaults, "faults is null");
        attemptsUnderPlan.clear();
    }

    public long seed() {
        return seed;
    }

    /** How many calls of {@code operation} were made, including failed ones. */
    public synchronized int attempts(Operation operation) {
        return attempts.getOrDefault(operation, 0);
    }

    /** How many faults were injected into {@code operation}; per-key batch-delete failures count as DELETE. */
    public synchronized int injected(Operation operation) {
        return injected.getOrDefault(operation, 0);
    }

    @Override
    public Set<Capability> capabilities() {
        return delegate.capabilities();
    }

    @Override
    public int maxKeysPerDelete() {
        return delegate.maxKeysPerDelete();
    }

    @Override
    public ListPage list(ListRequest request, CallContext context) throws RemoteStorageException {
        Injection injection = before(Operation.LIST, "list", null, context);
        return after(injection, "list", null, delegate.list(request, context));
    }

    @Override
    public ObjectMetadata head(String key, CallContext context) throws RemoteStorageException {
        Injection injection = before(Operation.HEAD, "head", key, context);
        return after(injection, "head", key, delegate.head(key, context));
    }

    @Override
    public ObjectMetadata put(String key, InputStream data, long size, PutOptions options, CallContext context)
            throws RemoteStorageException {
        Injection injection = before(Operation.PUT, "put", key, context);
        return after(injection, "put", key, delegate.put(key, data, size, options, context));
    }

    @Override
    public ObjectContent get(String key, ByteRange range, Optional<String> ifMatchEtag, CallContext context)
            throws RemoteStorageException {
        Injection injection = before(Operation.GET, "get", key, context);
        ObjectContent content = delegate.get(key, range, ifMatchEtag, context);
        if (injection == Injection.TIMEOUT_AFTER) {
            try {
                content.close();
            } catch (IOException e) {
                // the injected timeout is what the caller sees
            }
        }
        return after(injection, "get", key, content);
    }

    @Override
    public void delete(String key, CallContext context) throws RemoteStorageException {
        Injection injection = before(Operation.DELETE, "delete", key, context);
        delegate.delete(key, context);
        after(injection, "delete", key, key);
    }

    @Override
    public List<DeleteResult> deleteBatch(List<String> keys, CallContext context) throws RemoteStorageException {
        Injection injection = before(Operation.DELETE_BATCH, "deleteBatch", null, context);
        double keyFailRate = faults.deleteKeyFailRate();
        boolean[] failing = new boolean[keys.size()];
        List<String> passed = new ArrayList<>();
        synchronized (this) {
            for (int i = 0; i < keys.size(); i++) {
                failing[i] = keyFailRate > 0 && random.nextDouble() < keyFailRate;
                if (failing[i]) {
                    injected.merge(Operation.DELETE, 1, Integer::sum);
                } else {
                    passed.add(keys.get(i));
                }
            }
        }
        List<DeleteResult> delegated = delegate.deleteBatch(passed, context);
        List<DeleteResult> results = new ArrayList<>(keys.size());
        int next = 0;
        for (int i = 0; i < keys.size(); i++) {
            results.add(failing[i]
                    ? DeleteResult.failed(keys.get(i), new RemoteStorageException.Transient("delete", keys.get(i),
                            "injected per-key failure (seed " + seed + ")", null, null))
                    : delegated.get(next++));
        }
        return after(injection, "deleteBatch", null, List.copyOf(results));
    }

    @Override
    public ObjectMetadata copy(String sourceKey, String targetKey, CallContext context) throws RemoteStorageException {
        Injection injection = before(Operation.COPY, "copy", sourceKey, context);
        return after(injection, "copy", sourceKey, delegate.copy(sourceKey, targetKey, context));
    }

    @Override
    public <T> Optional<T> unwrap(Class<T> type) {
        return type.isInstance(this) ? Optional.of(type.cast(this)) : delegate.unwrap(type);
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return "FaultInjectingRemoteStorage[" + delegate + ", seed " + seed + ", " + faults + "]";
    }

    private Injection before(Operation operation, String name, String key, CallContext context) throws RemoteStorageException {
        Faults plan;
        Injection injection;
        boolean slow;
        synchronized (this) {
            plan = faults;
            attempts.merge(operation, 1, Integer::sum);
            int attempt = attemptsUnderPlan.merge(operation, 1, Integer::sum);
            slow = plan.slowRate() > 0 && random.nextDouble() < plan.slowRate();
            if (attempt <= plan.failFirst().getOrDefault(operation, 0)) {
                injection = Injection.TRANSIENT;
            } else if (plan.transientRate() > 0 && random.nextDouble() < plan.transientRate()) {
                injection = Injection.TRANSIENT;
            } else if (plan.timeoutRate() > 0 && random.nextDouble() < plan.timeoutRate()) {
                injection = random.nextBoolean() ? Injection.TIMEOUT_BEFORE : Injection.TIMEOUT_AFTER;
            } else {
                injection = Injection.NONE;
            }
            if (injection != Injection.NONE) {
                injected.merge(operation, 1, Integer::sum);
            }
        }
        if (slow) {
            waitFor(plan.slowDelay(), name, key, context);
        }
        return switch (injection) {
            case TRANSIENT -> throw new RemoteStorageException.Transient(name, key,
                    "injected transient failure (seed " + seed + ")", plan.retryAfter(), null);
            case TIMEOUT_BEFORE -> throw new RemoteStorageException.Timeout(name, key,
                    "injected before the call (seed " + seed + ")", null);
            case NONE, TIMEOUT_AFTER -> injection;
        };
    }

    private <T> T after(Injection injection, String name, String key, T result) throws RemoteStorageException {
        if (injection == Injection.TIMEOUT_AFTER) {
            throw new RemoteStorageException.Timeout(name, key, "injected after the call took effect (seed " + seed + ")", null);
        }
        return result;
    }

    /** Waits, returning early with the matching error when the caller cancels or the deadline passes. */
    private static void waitFor(Duration delay, String name, String key, CallContext context) throws RemoteStorageException {
        CountDownLatch cancelled = new CountDownLatch(1);
        try (Cancellation.Registration registration = context.cancellation().onCancel(cancelled::countDown)) {
            Duration wait = delay.compareTo(context.deadline().remaining()) < 0 ? delay : context.deadline().remaining();
            if (cancelled.await(wait.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new RemoteStorageException.Cancelled(name, key, null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RemoteStorageException.Cancelled(name, key, e);
        }
        context.check(name, key);
    }
}

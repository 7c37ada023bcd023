package dev.strata.core.tenant;

import dev.strata.core.metrics.NodeMetrics;
import dev.strata.core.timeline.Timeline;
import java.lang.System.Logger.Level;
import org.apache.logging.log4j.CloseableThreadContext;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Runs compaction and GC for every timeline of an engine, with a bound per kind on how many run at once, so
 * thousands of tenants share a few threads and no tenant's backlog starves the rest.
 *
 * <p>A compaction starts when a timeline has gathered {@code compaction_threshold} L0 layers; GC runs every
 * {@code gc_period}. A timeline whose compaction fails {@link #BREAKER_FAILURES} times in a row has its
 * compaction paused for {@link #BREAKER_PAUSE} (a circuit breaker, so a bad timeline does not burn the
 * shared budget in a retry loop); the pause is logged, visible in {@link #breakerOpen}, and can be lifted
 * with {@link #resetBreaker}.
 */
public final class BackgroundScheduler implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(BackgroundScheduler.class.getName());
    /** Consecutive compaction failures that pause a timeline's compaction. */
    public static final int BREAKER_FAILURES = 5;
    /** How long a tripped breaker pauses compaction. */
    public static final Duration BREAKER_PAUSE = Duration.ofMinutes(10);

    /**
     * The kinds of background work, each with its own bound: compaction and GC per timeline, heatmap uploads of
     * attached tenants and download passes of Secondary tenants per tenant.
     */
    public enum Kind {
        COMPACTION, GC, HEATMAP_UPLOAD, SECONDARY_DOWNLOAD;

        /** The kind's name in metrics. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Heatmap uploads that may run at once across all tenants. */
    static final int HEATMAP_UPLOADS = 4;
    /** Secondary download passes that may run at once (each bounds its own layer downloads). */
    static final int SECONDARY_PASSES = 2;

    /** Work of one tenant, run by {@link #startTenantWork}. */
    @FunctionalInterface
    public interface TenantWork {
        void run() throws Exception;
    }

    private final Map<Kind, Semaphore> permits;
    private final Map<Kind, AtomicLong> started = new ConcurrentHashMap<>();
    private final Map<Kind, AtomicLong> failed = new ConcurrentHashMap<>();
    private final Map<Timeline, State> states = new ConcurrentHashMap<>();
    /** Tenant work running now, by kind and tenant: one at a time per tenant and kind. */
    private final Set<Object> runningTenantWork = ConcurrentHashMap.newKeySet();
    private final ExecutorService workers;
    private final NodeMetrics metrics;
    private volatile boolean closed;

    /** Per-timeline bookkeeping. */
    private static final class State {
        final AtomicBoolean compacting = new AtomicBoolean();
        final AtomicBoolean collecting = new AtomicBoolean();
        /** When each kind of pass was first found due and could not start yet (0: not waiting). */
        final Map<Kind, Long> dueSince = new ConcurrentHashMap<>();
        final AtomicInteger consecutiveFailures = new AtomicInteger();
        volatile long breakerOpenUntil;
        volatile long lastGc = System.nanoTime();
    }

    /**
     * @param compactions compactions that may run at once across all timelines
     * @param collections GC passes that may run at once across all timelines
     */
    public BackgroundScheduler(int compactions, int collections, NodeMetrics metrics) {
        if (compactions < 1 || collections < 1) {
            throw new IllegalArgumentException("background concurrency must be at least 1 per kind, got compactions="
                    + compactions + ", collections=" + collections);
        }
        Map<Kind, Integer> bounds = Map.of(Kind.COMPACTION, compactions, Kind.GC, collections,
                Kind.HEATMAP_UPLOAD, HEATMAP_UPLOADS, Kind.SECONDARY_DOWNLOAD, SECONDARY_PASSES);
        Map<Kind, Semaphore> semaphores = new java.util.EnumMap<>(Kind.class);
        bounds.forEach((kind, bound) -> semaphores.put(kind, new Semaphore(bound)));
        this.permits = Map.copyOf(semaphores);
        for (Kind kind : Kind.values()) {
            started.put(kind, new AtomicLong());
            failed.put(kind, new AtomicLong());
        }
        this.metrics = Objects.requireNonNull(metrics, "metrics is null");
        for (Kind kind : Kind.values()) {
            int bound = bounds.get(kind);
            Semaphore available = permits.get(kind);
            metrics.registerBackgroundKind(kind.label(), () -> bound - available.availablePermits());
        }
        this.workers = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon().name("strata-maintenance-", 1).factory());
    }

    /** Looks at every timeline once and starts what is due and fits in the bounds. Called by the engine's ticker. */
    public void tick(Collection<Timeline> timelines) {
        if (closed) {
            return;
        }
        Set<Timeline> current = Set.copyOf(timelines);
        states.keySet().retainAll(current);
        long now = System.nanoTime();
        for (Timeline timeline : current) {
            if (!timeline.isActive()) {
                continue;
            }
            State state = states.computeIfAbsent(timeline, t -> new State());
            if (now >= state.breakerOpenUntil && timeline.compactionDue()) {
                start(Kind.COMPACTION, timeline, state, state.compacting, now);
            }
            if (now - state.lastGc >= timeline.settings().gcPeriod().toNanos()) {
                start(Kind.GC, timeline, state, state.collecting, now);
            }
        }
    }

    private void start(Kind kind, Timeline timeline, State state, AtomicBoolean running, long now) {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        Semaphore bound = permits.get(kind);
        if (!bound.tryAcquire()) {
            running.set(false);
            state.dueSince.putIfAbsent(kind, now);
            return;
        }
        Long due = state.dueSince.remove(kind);
        metrics.backgroundWaited(kind.label(), due == null ? 0 : now - due);
        try {
            workers.execute(() -> {
                try {
                    run(kind, timeline, state);
                } finally {
                    bound.release();
                    running.set(false);
                }
            });
        } catch (RejectedExecutionException e) {
            bound.release();
            running.set(false);
        }
    }

    private void run(Kind kind, Timeline timeline, State state) {
        started.get(kind).incrementAndGet();
        try (CloseableThreadContext.Instance ignored = timeline.logContext()) {
            switch (kind) {
                case COMPACTION -> timeline.compact();
                case GC -> {
                    state.lastGc = System.nanoTime();
                    timeline.gc();
                }
            }
            if (kind == Kind.COMPACTION) {
                state.consecutiveFailures.set(0);
            }
        } catch (Exception | Error e) {
            failed.get(kind).incrementAndGet();
            metrics.backgroundFailed();
            if (!timeline.isActive()) {
                return;
            }
            if (kind == Kind.COMPACTION && state.consecutiveFailures.incrementAndGet() >= BREAKER_FAILURES) {
                state.breakerOpenUntil = System.nanoTime() + BREAKER_PAUSE.toNanos();
                LOG.log(Level.WARNING, "compaction of tenant " + timeline.tenantId() + " timeline " + timeline.timelineId()
                        + " paused for " + BREAKER_PAUSE + " after " + BREAKER_FAILURES + " failures in a row; last: " + e);
            } else {
                LOG.log(Level.WARNING, kind + " of tenant " + timeline.tenantId() + " timeline " + timeline.timelineId()
                        + " failed: " + e);
            }
            if (e instanceof Error error && !(e instanceof AssertionError)) {
                throw error;
            }
        }
    }

    /**
     * Starts {@code work} of {@code tenant} under the bound of {@code kind}, unless the same kind of work of that
     * tenant is running or the bound is full (the caller tries again at its next tick).
     *
     * @return whether the work was started
     */
    public boolean startTenantWork(Kind kind, dev.strata.api.TenantId tenant, TenantWork work) {
        Objects.requireNonNull(work, "work is null");
        if (closed || kind == Kind.COMPACTION || kind == Kind.GC) {
            return false;
        }
        java.util.List<Object> key = java.util.List.of(kind, tenant);
        if (!runningTenantWork.add(key)) {
            return false;
        }
        Semaphore bound = permits.get(kind);
        if (!bound.tryAcquire()) {
            runningTenantWork.remove(key);
            return false;
        }
        try {
            workers.execute(() -> {
                started.get(kind).incrementAndGet();
                try (CloseableThreadContext.Instance ignored = CloseableThreadContext.put("tenant_id", tenant.hex())) {
                    work.run();
                } catch (Exception e) {
                    failed.get(kind).incrementAndGet();
                    LOG.log(Level.WARNING, kind + " of tenant " + tenant + " failed: " + e.getMessage());
                } finally {
                    bound.release();
                    runningTenantWork.remove(key);
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            bound.release();
            runningTenantWork.remove(key);
            return false;
        }
    }

    /** True while the timeline's compaction is paused by the circuit breaker. */
    public boolean breakerOpen(Timeline timeline) {
        State state = states.get(timeline);
        return state != null && System.nanoTime() < state.breakerOpenUntil;
    }

    /** Lifts a paused compaction: the next tick may start it again. */
    public void resetBreaker(Timeline timeline) {
        State state = states.get(timeline);
        if (state != null) {
            state.breakerOpenUntil = 0;
            state.consecutiveFailures.set(0);
        }
    }

    /** Passes started of a kind since start. */
    public long started(Kind kind) {
        return started.get(kind).get();
    }

    /** Passes of a kind that failed since start. */
    public long failed(Kind kind) {
        return failed.get(kind).get();
    }

    /** Timelines whose compaction is paused, for status pages. */
    public Set<Timeline> paused() {
        return states.keySet().stream().filter(this::breakerOpen).collect(Collectors.toUnmodifiableSet());
    }

    /** Stops starting work and waits for running passes to end. */
    @Override
    public void close() {
        closed = true;
        workers.shutdown();
        try {
            if (!workers.awaitTermination(60, TimeUnit.SECONDS)) {
                LOG.log(Level.WARNING, "background work still running 60 s after shutdown began");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "BackgroundScheduler[" + Objects.toString(permits) + "]";
    }
}

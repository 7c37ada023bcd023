package dev.strata.core.deletion;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/** The deletion queue's counters, registered in the node's registry. */
public final class DeletionQueueMetrics {
    private final Counter keysPushed;
    private final Counter keysDropped;
    private final Counter keysExecuted;
    private final Counter keyFailures;
    private final Counter listsUnreadable;
    private final Counter validationFailures;
    private final MetricRegistry registry;

    public DeletionQueueMetrics(MetricRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry is null");
        keysPushed = registry.counter("strata.deletion.keys.pushed");
        keysDropped = registry.counter("strata.deletion.keys.dropped");
        keysExecuted = registry.counter("strata.deletion.keys.executed");
        keyFailures = registry.counter("strata.deletion.keys.failures");
        listsUnreadable = registry.counter("strata.deletion.lists.unreadable");
        validationFailures = registry.counter("strata.deletion.validation.failures");
    }

    /** Metrics nobody reads (tests, tools). */
    public static DeletionQueueMetrics unregistered() {
        return new DeletionQueueMetrics(new MetricRegistry());
    }

    void register(LongSupplier pendingKeys, BooleanSupplier emergency) {
        registry.remove("strata.deletion.keys.pending");
        registry.remove("strata.emergency_mode");
        registry.register("strata.deletion.keys.pending", (Gauge<Long>) pendingKeys::getAsLong);
        registry.register("strata.emergency_mode", (Gauge<Integer>) () -> emergency.getAsBoolean() ? 1 : 0);
    }

    void pushed(int keys) {
        keysPushed.inc(keys);
    }

    void dropped(int keys) {
        keysDropped.inc(keys);
    }

    void executed(int keys) {
        keysExecuted.inc(keys);
    }

    void failed(int keys) {
        keyFailures.inc(keys);
    }

    void unreadableList() {
        listsUnreadable.inc();
    }

    void validationFailed() {
        validationFailures.inc();
    }

    public long droppedKeys() {
        return keysDropped.getCount();
    }

    public long executedKeys() {
        return keysExecuted.getCount();
    }

    public long unreadableLists() {
        return listsUnreadable.getCount();
    }

    public long keyFailures() {
        return keyFailures.getCount();
    }
}

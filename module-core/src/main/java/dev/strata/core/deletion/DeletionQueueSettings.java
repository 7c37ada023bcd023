package dev.strata.core.deletion;

import java.time.Duration;
import java.util.Objects;

/**
 * How the deletion queue batches and retries.
 *
 * @param maxKeysPerList   pending objects that make the front end persist a list at once
 * @param idleInterval     pending objects are persisted at the latest this long after the last push
 * @param maxRetryDelay    the longest pause between attempts to validate or execute after a failure
 * @param maintainInterval how often the executor's housekeeping runs (purging expired trash)
 */
public record DeletionQueueSettings(int maxKeysPerList, Duration idleInterval, Duration maxRetryDelay,
                                    Duration maintainInterval) {
    /** 512 objects per list, 1 s idle, retries at most 10 s apart, housekeeping hourly. */
    public static final DeletionQueueSettings DEFAULT = new DeletionQueueSettings(512, Duration.ofSeconds(1),
            Duration.ofSeconds(10), Duration.ofHours(1));

    public DeletionQueueSettings {
        Objects.requireNonNull(idleInterval, "idleInterval is null");
        Objects.requireNonNull(maxRetryDelay, "maxRetryDelay is null");
        Objects.requireNonNull(maintainInterval, "maintainInterval is null");
        if (maxKeysPerList < 1) {
            throw new IllegalArgumentException("max_keys_per_list must be at least 1, got " + maxKeysPerList);
        }
        if (idleInterval.isNegative() || maxRetryDelay.isNegative() || maintainInterval.isNegative()) {
            throw new IllegalArgumentException("deletion queue intervals must not be negative: " + this);
        }
    }
}

package dev.strata.core.deletion;

import dev.strata.api.controlplane.ControlPlane;
import java.time.Duration;
import java.util.Objects;

/**
 * How the deletion queue batches and retries; the {@code [deletion]} keys of the same names (see {@link #DEFAULT}).
 *
 * @param maxKeysPerList      {@code max_keys_per_list}: pending objects that make the front end persist a list at once
 * @param idleInterval        {@code idle_interval}: pending objects are persisted at the latest this long after the
 *                            last push
 * @param maxRetryDelay       {@code max_retry_delay}: the longest pause between attempts to validate or execute after
 *                            a failure
 * @param maintainInterval    {@code maintain_interval}: how often the executor's housekeeping runs (purging expired
 *                            trash)
 * @param validationBatchSize {@code validation_batch_size}: (tenant, generation) pairs per validate call, 1 to
 *                            {@link ControlPlane#MAX_VALIDATE_BATCH}
 * @param executorBatchSize   {@code executor_batch_size}: objects per executor call, at most; the executor's own
 *                            {@code maxKeysPerCall()} caps it further
 */
public record DeletionQueueSettings(int maxKeysPerList, Duration idleInterval, Duration maxRetryDelay,
                                    Duration maintainInterval, int validationBatchSize, int executorBatchSize) {
    /** The default objects per executor call: S3's DeleteObjects limit. */
    public static final int DEFAULT_EXECUTOR_BATCH_SIZE = 1000;

    /**
     * 512 objects per list, 1 s idle, retries at most 10 s apart, housekeeping hourly, 128 pairs per validation,
     * 1000 objects per executor call.
     */
    public static final DeletionQueueSettings DEFAULT = new DeletionQueueSettings(512, Duration.ofSeconds(1),
            Duration.ofSeconds(10), Duration.ofHours(1), ControlPlane.MAX_VALIDATE_BATCH, DEFAULT_EXECUTOR_BATCH_SIZE);

    /**
     * @throws IllegalArgumentException naming the key and the value that is out of range
     */
    public DeletionQueueSettings {
        Objects.requireNonNull(idleInterval, "idleInterval is null");
        Objects.requireNonNull(maxRetryDelay, "maxRetryDelay is null");
        Objects.requireNonNull(maintainInterval, "maintainInterval is null");
        if (maxKeysPerList < 1) {
            throw new IllegalArgumentException("max_keys_per_list = " + maxKeysPerList + " must be at least 1");
        }
        requireNotNegative("idle_interval", idleInterval);
        requireNotNegative("max_retry_delay", maxRetryDelay);
        requireNotNegative("maintain_interval", maintainInterval);
        if (validationBatchSize < 1 || validationBatchSize > ControlPlane.MAX_VALIDATE_BATCH) {
            throw new IllegalArgumentException("validation_batch_size = " + validationBatchSize + " must be between 1 and "
                    + ControlPlane.MAX_VALIDATE_BATCH);
        }
        if (executorBatchSize < 1) {
            throw new IllegalArgumentException("executor_batch_size = " + executorBatchSize + " must be at least 1");
        }
    }

    /** The given batching and retry timing, with the default validation and executor batch sizes. */
    public DeletionQueueSettings(int maxKeysPerList, Duration idleInterval, Duration maxRetryDelay, Duration maintainInterval) {
        this(maxKeysPerList, idleInterval, maxRetryDelay, maintainInterval, ControlPlane.MAX_VALIDATE_BATCH,
                DEFAULT_EXECUTOR_BATCH_SIZE);
    }

    private static void requireNotNegative(String key, Duration value) {
        if (value.isNegative()) {
            throw new IllegalArgumentException(key + " = " + value + " must not be negative");
        }
    }
}

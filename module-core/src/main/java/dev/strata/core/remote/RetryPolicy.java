package dev.strata.core.remote;

import dev.strata.api.remote.ConfigKey;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.RemoteStorageException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How remote storage calls are retried: at most {@code maxAttempts} attempts in total, waiting before attempt
 * {@code n + 1} a random time between zero and {@code min(maxDelay, baseDelay * 2^(n-1))} ("full jitter", so
 * that many nodes throttled at once do not retry in lockstep), but never less than a delay the service asked
 * for ({@link RemoteStorageException.Transient#retryAfter()}, for example with 503 SlowDown), capped at
 * {@code maxDelay}.
 *
 * @param maxAttempts attempts in total, the first included; 1 disables retries
 * @param baseDelay the upper bound of the first wait
 * @param maxDelay the upper bound of every wait
 */
public record RetryPolicy(int maxAttempts, Duration baseDelay, Duration maxDelay) {
    static final ConfigKey<Integer> MAX_ATTEMPTS = ConfigKey.integer("retry_max_attempts", 8,
            "Attempts per remote storage call, the first included; transient errors and timeouts of idempotent"
                    + " calls are retried.").validatedBy(value -> value >= 1 && value <= 100, "between 1 and 100");
    static final ConfigKey<Duration> BASE_DELAY = ConfigKey.duration("retry_base_delay", Duration.ofMillis(100),
            "Upper bound of the random wait before the first retry; doubles with every further retry.");
    static final ConfigKey<Duration> MAX_DELAY = ConfigKey.duration("retry_max_delay", Duration.ofSeconds(10),
            "Upper bound of any wait between attempts, also of a delay the service asks for.");

    /** The defaults of {@link #configKeys()}. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(8, Duration.ofMillis(100), Duration.ofSeconds(10));

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1: " + maxAttempts);
        }
        Objects.requireNonNull(baseDelay, "baseDelay is null");
        Objects.requireNonNull(maxDelay, "maxDelay is null");
        if (baseDelay.isNegative() || maxDelay.compareTo(baseDelay) < 0) {
            throw new IllegalArgumentException("need 0 <= baseDelay <= maxDelay: " + baseDelay + ", " + maxDelay);
        }
    }

    /** The keys of the {@code [remote_storage]} section that configure retries. */
    public static List<ConfigKey<?>> configKeys() {
        return List.of(MAX_ATTEMPTS, BASE_DELAY, MAX_DELAY);
    }

    /** Reads the policy from a section parsed with (at least) {@link #configKeys()}. */
    public static RetryPolicy from(ProviderConfig config) {
        return new RetryPolicy(config.get(MAX_ATTEMPTS), config.get(BASE_DELAY), config.get(MAX_DELAY));
    }

    /** Parses just the retry keys of a section; for tests and tools. */
    public static RetryPolicy parse(String section, Map<String, String> raw) {
        return from(ProviderConfig.parse(section, raw, configKeys()));
    }

    /**
     * The wait after failed attempt {@code attempt} (1-based).
     *
     * @param requested a delay the service asked for, or null
     */
    public Duration delayAfter(int attempt, Duration requested, RandomGenerator random) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt is 1-based: " + attempt);
        }
        long capNanos = maxDelay.toNanos();
        long ceiling = baseDelay.toNanos();
        for (int i = 1; i < attempt && ceiling < capNanos; i++) {
            ceiling = ceiling > capNanos / 2 ? capNanos : ceiling * 2;
        }
        ceiling = Math.min(ceiling, capNanos);
        long jittered = ceiling == 0 ? 0 : random.nextLong(ceiling + 1);
        if (requested != null) {
            jittered = Math.max(jittered, Math.min(requested.toNanos(), capNanos));
        }
        return Duration.ofNanos(jittered);
    }
}

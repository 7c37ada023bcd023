package dev.strata.core.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.remote.ConfigException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Defaults, validation and the shape of the backoff. */
final class RetryPolicyTest {

    @Test
    void defaultsArePinned() {
        assertEquals(RetryPolicy.DEFAULT, RetryPolicy.parse("remote_storage", Map.of()));
        assertEquals(new RetryPolicy(8, Duration.ofMillis(100), Duration.ofSeconds(10)), RetryPolicy.DEFAULT);
        assertEquals(new RetryPolicy(3, Duration.ofMillis(50), Duration.ofSeconds(2)), RetryPolicy.parse("remote_storage",
                Map.of("retry_max_attempts", "3", "retry_base_delay", "50ms", "retry_max_delay", "2s")));
    }

    @Test
    void invalidSettingsNameTheKey() {
        ConfigException zero = assertThrows(ConfigException.class,
                () -> RetryPolicy.parse("remote_storage", Map.of("retry_max_attempts", "0")));
        assertEquals("[remote_storage] retry_max_attempts = '0' is not between 1 and 100", zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RetryPolicy.parse("remote_storage",
                Map.of("retry_base_delay", "5s", "retry_max_delay", "1s")));
    }

    @Test
    void waitsAreFullJitterUnderADoublingCeilingAndTheCap() {
        RetryPolicy policy = new RetryPolicy(10, Duration.ofMillis(100), Duration.ofSeconds(1));
        Random random = new Random(42);
        for (int attempt = 1; attempt <= 9; attempt++) {
            long ceiling = Math.min(1000, 100L << (attempt - 1));
            Set<Long> seen = new HashSet<>();
            for (int i = 0; i < 200; i++) {
                long millis = policy.delayAfter(attempt, null, random).toMillis();
                assertTrue(millis >= 0 && millis <= ceiling, "attempt " + attempt + ": " + millis);
                seen.add(millis / Math.max(1, ceiling / 4));
            }
            assertTrue(seen.size() >= 4, "waits spread over the whole range, attempt " + attempt + ": " + seen);
        }
        assertEquals(Duration.ofMillis(700), new RetryPolicy(3, Duration.ZERO, Duration.ofSeconds(1))
                .delayAfter(1, Duration.ofMillis(700), random), "a requested delay is a floor");
        assertEquals(Duration.ZERO, new RetryPolicy(3, Duration.ZERO, Duration.ZERO).delayAfter(5, null, random));
    }
}

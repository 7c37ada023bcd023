package dev.strata.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.remote.ConfigException;
import dev.strata.api.remote.ConfigKey;
import dev.strata.api.remote.ProviderConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One duration syntax for the node's configuration and every plugin's. */
class DurationsTest {
    @Test
    void everyUnitAndIsoParseAndFormatBack() {
        assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
        assertEquals(Duration.ofSeconds(30), Durations.parse(" 30s "));
        assertEquals(Duration.ofMinutes(10), Durations.parse("10m"));
        assertEquals(Duration.ofHours(2), Durations.parse("2h"));
        assertEquals(Duration.ofDays(7), Durations.parse("7d"));
        assertEquals(Duration.ofHours(1), Durations.parse("PT1H"));
        for (String text : List.of("250ms", "30s", "10m", "2h", "7d")) {
            assertEquals(text, Durations.format(Durations.parse(text)));
        }
    }

    @Test
    void badInputIsNamedInTheError() {
        for (String text : List.of("", "soon", "5x", "ms", "1.5s", "P1Q")) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
            assertTrue(error.getMessage().contains("'" + text + "'"), error.getMessage());
        }
    }

    @Test
    void negativeAndOverlongDurationsAreRejectedByName() {
        for (String text : List.of("-5s", "PT-1H", "1844674407370955161h", "9223372036854775807d", "106752d",
                "P999999999999D")) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
            assertTrue(error.getMessage().contains("'" + text + "'"), error.getMessage());
        }
        assertEquals(Duration.ofDays(106_751), Durations.parse("106751d"));
        assertEquals(Duration.ZERO, Durations.parse("0s"));
        assertEquals(Duration.ofDays(106_751).toNanos(), Durations.parse("106751d").toNanos());
    }

    @Test
    void pluginKeysAcceptTheSameSyntaxAsTheNode() throws ConfigException {
        ConfigKey<Duration> retention = ConfigKey.duration("retention", Duration.ofDays(1), "How long.");
        ProviderConfig config = ProviderConfig.parse("deletion", Map.of("retention", "7d"), List.of(retention));
        assertEquals(Duration.ofDays(7), config.get(retention));
    }
}

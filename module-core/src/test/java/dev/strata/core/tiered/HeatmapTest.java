package dev.strata.core.tiered;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Generation;
import dev.strata.api.LayerFileName;
import dev.strata.api.TimelineId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The heatmap document: round trip, order, forward compatibility and the errors that name what is wrong. */
final class HeatmapTest {
    private static final TimelineId TIMELINE = TimelineId.parse("11111111111111111111111111111111");
    private static final String DELTA = "000000000000000000000000000000000000-FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
            + "__0000000001000000-0000000001800000";
    private static final String IMAGE = "000000000000000000000000000000000000-000000067F000032AC000000000000000000"
            + "__0000000001800000";

    private static Heatmap sample() {
        Instant now = Instant.parse("2026-11-26T01:00:00.123Z");
        return new Heatmap(Generation.of(3), now, Duration.ofSeconds(60), List.of(new Heatmap.TimelineHeatmap(TIMELINE,
                List.of(new Heatmap.HeatmapLayer(LayerFileName.parse(DELTA + "-v1-00000002"), 8_421_376, now.minusSeconds(50)),
                        new Heatmap.HeatmapLayer(LayerFileName.parse(IMAGE + "-00000003"), 9_007_199_254_740_993L,
                                now.minusSeconds(1))))));
    }

    @Test
    void roundTripsWithTheHottestLayerFirstAndExactSizes() throws Exception {
        Heatmap heatmap = sample();
        assertEquals(IMAGE, heatmap.timelines().getFirst().layers().getFirst().fileName().name().text(),
                "the most recently read layer comes first");
        Heatmap parsed = Heatmap.parse("sample", heatmap.toJson());
        assertEquals(heatmap, parsed);
        assertEquals(9_007_199_254_740_993L + 8_421_376, parsed.totalBytes(), "sizes above 2^53 are exact");
        String json = new String(heatmap.toJson(), StandardCharsets.UTF_8);
        assertTrue(json.startsWith("{\"version\":1,\"generation\":3,\"generated_at\":\"2026-11-26T01:00:00.123\""), json);
        assertTrue(json.contains("\"name\":\"" + IMAGE + "\",\"metadata\":{\"file_size\":9007199254740993,\"generation\":3}"), json);
    }

    @Test
    void unknownFieldsAreIgnored() throws Exception {
        String json = new String(sample().toJson(), StandardCharsets.UTF_8)
                .replace("{\"version\":1,", "{\"version\":1,\"future\":{\"x\":[1]},")
                .replace("\"metadata\":{", "\"cold\":false,\"metadata\":{\"shard\":\"0000\",")
                .replace("\"timeline_id\"", "\"layers_evicted\":[],\"timeline_id\"");
        assertEquals(sample(), Heatmap.parse("sample", json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void badDocumentsAreRefusedNamingTheFieldAndValue() {
        String good = new String(sample().toJson(), StandardCharsets.UTF_8);
        assertRefused("not json", "is not valid JSON");
        assertRefused("[]", "is not a JSON object");
        assertRefused(good.replace("\"version\":1", "\"version\":7"), "has version 7");
        assertRefused(good.replace("\"version\":1,", ""), "'version' is missing");
        assertRefused(good.replace("\"generated_at\":\"2026-11-26T01:00:00.123\"", "\"generated_at\":\"yesterday\""),
                "'generated_at' = 'yesterday'");
        assertRefused(good.replace("\"timeline_id\":\"11111111111111111111111111111111\"", "\"timeline_id\":\"xyz\""),
                "timeline_id 'xyz'");
        assertRefused(good.replace(IMAGE, "garbage"), "garbage");
        assertRefused(good.replace("\"file_size\":8421376", "\"file_size\":0"), "'file_size' is not a positive integer: 0");
        assertRefused(good.replace("\"generation\":3}", "\"generation\":-3}"), "metadata.generation of " + IMAGE);
    }

    private static void assertRefused(String document, String expected) {
        Heatmap.InvalidHeatmapException e = assertThrows(Heatmap.InvalidHeatmapException.class,
                () -> Heatmap.parse("tenants/t/heatmap-v1.json", document.getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("tenants/t/heatmap-v1.json") && e.getMessage().contains(expected), e.getMessage());
    }
}

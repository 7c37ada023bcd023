package dev.strata.core.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.api.Generation;
import dev.strata.api.Key;
import dev.strata.api.PageRecord;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.core.page.PageWrite;
import dev.strata.core.testing.LocalBucket;
import dev.strata.core.tiered.EvictionPolicy;
import dev.strata.core.timeline.Timeline;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tenant's {@code eviction_idle_threshold} override applies to its layers only, on a running node. */
final class TenantEvictionOverrideTest {
    @TempDir Path root;

    @Test
    void onlyTheTenantWithAShortIdleThresholdLosesItsLocalLayers() throws Exception {
        TenantId eager = TenantId.random();
        TenantId keeper = TenantId.random();
        TimelineId timeline = TimelineId.random();
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), 1)) {
            // The node keeps idle layers for a day and never evicts for disk usage.
            EngineOptions options = EngineOptions.DEFAULT.withRemote(bucket.resources()).withBackgroundCompaction(false)
                    .withEviction(new EvictionPolicy(Duration.ofMillis(100), Duration.ofDays(1), 100, 0, Duration.ZERO));
            try (LocalEngine engine = LocalEngine.open(root.resolve("node"), options)) {
                engine.createTenant(eager, Generation.of(1));
                engine.createTenant(keeper, Generation.of(1));
                Timeline eagerTimeline = write(engine, eager, timeline);
                Timeline keeperTimeline = write(engine, keeper, timeline);
                assertTrue(keeperTimeline.residence().resident() > 0);

                engine.updateOverrides(eager, overrides -> overrides.merge(
                        new ObjectMapper().createObjectNode().put("eviction_idle_threshold", "1ms")));
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (eagerTimeline.residence().resident() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertEquals(0, eagerTimeline.residence().resident(), "the override evicted the idle layers");
                assertEquals(keeperTimeline.residence().layers(), keeperTimeline.residence().resident(),
                        "the other tenant keeps the node's day-long threshold");
                assertEquals(Duration.ofMillis(1), engine.effectiveSettings(eager).values()
                        .get(TenantSetting.EVICTION_IDLE_THRESHOLD));
                assertEquals(Duration.ofDays(1), engine.effectiveSettings(keeper).values()
                        .get(TenantSetting.EVICTION_IDLE_THRESHOLD), "the node's policy shows as the effective value");
            }
        }
    }

    private static Timeline write(LocalEngine engine, TenantId tenant, TimelineId timelineId) throws Exception {
        Timeline timeline = engine.createTimeline(tenant, timelineId);
        timeline.ingest(List.of(new PageWrite(Key.ofRelationPage(1663, 5, 16384, 0, 0), new PageRecord.Image(new byte[100]))));
        timeline.checkpoint();
        timeline.remote().waitCompletion(Duration.ofSeconds(10));
        return timeline;
    }
}

package dev.strata.core.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Generation;
import dev.strata.api.Key;
import dev.strata.api.PageRecord;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.controlplane.TenantMode;
import dev.strata.core.page.PageWrite;
import dev.strata.core.testing.LocalBucket;
import dev.strata.core.timeline.Timeline;
import dev.strata.core.timeline.TimelineSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A migration source in AttachedStale (ARCHITECTURE: "no uploads, no deletions") runs no compaction or GC, so
 * it uploads nothing after its hand-over checkpoint (its writes are refused by the page API); back in
 * AttachedSingle it compacts again.
 */
final class StaleTenantTest {
    private static final TenantId TENANT = TenantId.parse("5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e");
    private static final TimelineId MAIN = TimelineId.parse("22222222222222222222222222222222");
    private static final TimelineSettings SETTINGS = TimelineSettings.DEFAULT.withCheckpointDistance(1 << 30)
            .withCompaction(2, 48 << 10, 2);

    @TempDir
    Path root;

    private LocalEngine open(LocalBucket bucket, boolean backgroundCompaction) throws IOException {
        return LocalEngine.open(root.resolve("node"), EngineOptions.DEFAULT.withTimelineSettings(SETTINGS)
                .withRemote(bucket.resources()).withBackgroundCompaction(backgroundCompaction));
    }

    @Test
    void aStaleTenantNeitherCompactsNorUploads() throws Exception {
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), 7)) {
            try (LocalEngine engine = open(bucket, false)) {
                engine.createTenant(TENANT, Generation.of(1));
                Timeline main = engine.createTimeline(TENANT, MAIN);
                for (int layer = 0; layer < 3; layer++) {
                    for (int i = 0; i < 10; i++) {
                        main.ingest(List.of(new PageWrite(Key.ofRelationPage(1663, 5, 16384, 0, i),
                                new PageRecord.Image(new byte[200]))));
                    }
                    main.checkpoint();
                }
                engine.applyLocation(TENANT, new LocationConfig(TenantMode.ATTACHED_STALE, Generation.of(1), false));
                main.remote().waitCompletion(Duration.ofSeconds(30));
            }
            List<String> before = bucket.keys(bucket.layout().timelinePrefix(TENANT, MAIN));
            try (LocalEngine engine = open(bucket, true)) {
                Timeline main = engine.timeline(TENANT, MAIN);
                assertTrue(main.layerFileNames().stream().filter(layer -> layer.name().isL0()).count() >= 3);
                // The scheduler ticks every second: three ticks with compaction due and nothing may start.
                Thread.sleep(3500);
                assertEquals(0, engine.scheduler().started(BackgroundScheduler.Kind.COMPACTION));
                assertEquals(before, bucket.keys(bucket.layout().timelinePrefix(TENANT, MAIN)),
                        "a stale source uploaded or deleted something");

                engine.applyLocation(TENANT, new LocationConfig(TenantMode.ATTACHED_SINGLE, Generation.of(1), false));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (main.layerFileNames().stream().anyMatch(layer -> layer.name().isL0())) {
                    assertTrue(System.nanoTime() < deadline, "compaction did not resume in AttachedSingle");
                    Thread.sleep(50);
                }
            }
        }
    }
}

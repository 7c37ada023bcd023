package dev.strata.core.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Key;
import dev.strata.api.PageRecord;
import dev.strata.core.io.FileIo;
import dev.strata.core.page.PageWrite;
import dev.strata.core.tenant.BackgroundScheduler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine compacts and collects garbage by itself, and pauses a timeline whose compaction keeps failing. */
class BackgroundSchedulerTest {
    @TempDir Path workdir;

    private static void makeL0Layers(Timeline timeline, int count) throws Exception {
        for (int layer = 0; layer < count; layer++) {
            for (int i = 0; i < 10; i++) {
                timeline.ingest(List.of(new PageWrite(Key.ofRelationPage(1663, 5, 16384, 0, i),
                        new PageRecord.Image(new byte[200]))));
            }
            timeline.checkpoint();
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(50);
        }
    }

    @Test
    void compactionAndGcRunWithoutBeingAsked() throws Exception {
        TimelineSettings settings = EngineFixture.SMALL.withCheckpointDistance(1 << 30).withGc(0, Duration.ZERO)
                .withGcPeriod(Duration.ofMillis(300));
        try (EngineFixture fixture = new EngineFixture(workdir, settings, FileIo.DEFAULT)) {
            Timeline main = fixture.main();
            makeL0Layers(main, 3);
            await(() -> main.layerFileNames().stream().noneMatch(l -> l.name().isL0()), "the L0 layers are compacted");
            await(() -> main.gcCutoff().equals(main.diskConsistentLsn()), "GC advanced the cutoff");
            assertTrue(fixture.engine.scheduler().started(BackgroundScheduler.Kind.COMPACTION) >= 1);
            assertTrue(fixture.engine.scheduler().started(BackgroundScheduler.Kind.GC) >= 1);
        }
    }

    @Test
    void repeatedCompactionFailuresPauseTheTimelineUntilReset() throws Exception {
        try (EngineFixture fixture = new EngineFixture(workdir, EngineFixture.SMALL.withCheckpointDistance(1 << 30),
                FileIo.DEFAULT)) {
            Timeline main = fixture.main();
            BackgroundScheduler scheduler = fixture.engine.scheduler();
            fixture.failpoints.configure("compaction-start", "return");
            makeL0Layers(main, 3);
            await(() -> scheduler.breakerOpen(main), "the circuit breaker opens");
            assertEquals(BackgroundScheduler.BREAKER_FAILURES, scheduler.failed(BackgroundScheduler.Kind.COMPACTION));
            Thread.sleep(2500);
            assertEquals(BackgroundScheduler.BREAKER_FAILURES, scheduler.failed(BackgroundScheduler.Kind.COMPACTION),
                    "no attempts while paused");
            assertTrue(main.layerFileNames().stream().allMatch(l -> l.name().isL0()));

            fixture.failpoints.clear();
            scheduler.resetBreaker(main);
            assertFalse(scheduler.breakerOpen(main));
            await(() -> main.layerFileNames().stream().noneMatch(l -> l.name().isL0()), "compaction resumes after a reset");
            assertFalse(main.isBroken());
        }
    }

    @Test
    void passesBeyondTheBoundWaitAndTheWaitAndRunningCountAreMetrics() throws Exception {
        try (EngineFixture fixture = new EngineFixture(workdir, EngineFixture.SMALL.withCheckpointDistance(1 << 30),
                FileIo.DEFAULT)) {
            // The engine's bound on compactions at once, as LocalEngine sets it; one more timeline than that
            // must wait for a permit.
            int bound = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
            fixture.failpoints.configure("compaction-start", "sleep(400)");
            List<Timeline> timelines = new java.util.ArrayList<>(List.of(fixture.main()));
            for (int i = 0; i < bound; i++) {
                timelines.add(fixture.engine.createTimeline(fixture.tenant, dev.strata.api.TimelineId.random()));
            }
            for (Timeline timeline : timelines) {
                makeL0Layers(timeline, 3);
            }
            com.codahale.metrics.MetricRegistry registry = fixture.engine.metrics().registry();
            @SuppressWarnings("unchecked")
            com.codahale.metrics.Gauge<Integer> running =
                    (com.codahale.metrics.Gauge<Integer>) registry.getGauges().get("strata.background.running.compaction");
            await(() -> running.getValue() == bound, "every compaction permit is in use");
            for (Timeline timeline : timelines) {
                await(() -> timeline.layerFileNames().stream().noneMatch(l -> l.name().isL0()), "every timeline is compacted");
            }
            com.codahale.metrics.Timer waits = registry.timer("strata.background.wait.compaction");
            assertTrue(waits.getCount() >= timelines.size(), "one wait per started compaction: " + waits.getCount());
            assertTrue(waits.getSnapshot().getMax() >= Duration.ofMillis(100).toNanos(),
                    "a compaction beyond the bound waited for a permit: max " + waits.getSnapshot().getMax() + " ns");
            java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
            fixture.engine.metrics().writePrometheusText(text);
            String scraped = text.toString(java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(scraped.contains("strata_background_running{kind=\"gc\"}"), scraped);
            assertTrue(scraped.contains("strata_background_wait_count{kind=\"compaction\"}"), scraped);
        }
    }
}

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
}

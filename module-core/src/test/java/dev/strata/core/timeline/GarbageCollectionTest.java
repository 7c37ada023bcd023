package dev.strata.core.timeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.api.TimelineId;
import dev.strata.core.io.FileIo;
import dev.strata.core.page.PageWrite;
import dev.strata.core.tenant.LocalEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GC retention: horizon, PITR window, branch points, and "only when newer images cover it". */
class GarbageCollectionTest {
    @TempDir Path workdir;

    private static final TimelineSettings AGGRESSIVE = EngineFixture.SMALL.withGc(0, Duration.ZERO);

    private static Key key(int n) {
        return Key.ofRelationPage(1663, 5, 16384, 0, n);
    }

    private static void writeRounds(Timeline timeline, PageModel model, SplittableRandom random, int rounds) throws Exception {
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < 40; i++) {
                List<PageWrite> batch = new ArrayList<>();
                for (int k = 0; k < 4; k++) {
                    byte[] bytes = new byte[200];
                    random.nextBytes(bytes);
                    PageRecord record = random.nextInt(3) == 0 ? new PageRecord.Image(bytes)
                            : new PageRecord.Overwrite(random.nextInt(100), java.util.Arrays.copyOf(bytes, 16));
                    batch.add(new PageWrite(key(random.nextInt(20)), record));
                }
                model.apply(batch, timeline.ingest(batch));
            }
            timeline.checkpoint();
            timeline.compact();
        }
    }

    @Test
    void removesCoveredLayersButKeepsBranchPointsAndTheCutoffReadable() throws Exception {
        SplittableRandom random = new SplittableRandom(11);
        try (EngineFixture fixture = new EngineFixture(workdir, AGGRESSIVE, FileIo.DEFAULT)) {
            Timeline main = fixture.main();
            PageModel model = new PageModel(LocalEngine.INITDB_LSN, Map.of());
            writeRounds(main, model, random, 3);
            Lsn branchPoint = main.lastRecordLsn();
            TimelineId childId = TimelineId.random();
            Timeline child = fixture.engine.branch(fixture.tenant, childId, fixture.main, branchPoint);
            writeRounds(main, model, random, 6);
            int layersBefore = main.layerFileNames().size();

            GcResult result = main.gc();
            assertEquals(main.diskConsistentLsn(), result.cutoff(), "horizon 0 and PITR 0: cutoff at disk consistent LSN");
            assertTrue(result.layersRemoved() > 0, "some layers are covered by newer images: " + result);
            assertEquals(layersBefore - result.layersRemoved(), main.layerFileNames().size());

            for (int k = 0; k < 20; k++) {
                assertArrayEquals(model.page(key(k), result.cutoff()), main.get(key(k), result.cutoff()), "at cutoff, key " + k);
                assertArrayEquals(model.page(key(k), main.lastRecordLsn()), main.get(key(k), main.lastRecordLsn()));
                assertArrayEquals(model.page(key(k), branchPoint), child.get(key(k), branchPoint), "branch point, key " + k);
            }
            EngineException.BadRequest below = assertThrows(EngineException.BadRequest.class,
                    () -> main.get(key(1), branchPoint));
            assertTrue(below.getMessage().contains("GC cutoff"), below.getMessage());
            assertThrows(EngineException.BadRequest.class,
                    () -> fixture.engine.branch(fixture.tenant, TimelineId.random(), fixture.main, branchPoint));

            fixture.crashAndReopen();
            Timeline reopened = fixture.main();
            assertEquals(result.cutoff(), reopened.gcCutoff(), "the cutoff was persisted");
            for (int k = 0; k < 20; k++) {
                assertArrayEquals(model.page(key(k), branchPoint), fixture.timeline(childId).get(key(k), branchPoint));
            }
            assertEquals(List.of(), fixture.unlistedLayerFiles(fixture.main));
        }
    }

    @Test
    void withoutImagesNothingIsRemoved() throws Exception {
        TimelineSettings noImages = AGGRESSIVE.withCompaction(1000, 1 << 20, 1000);
        try (EngineFixture fixture = new EngineFixture(workdir, noImages, FileIo.DEFAULT)) {
            Timeline main = fixture.main();
            PageModel model = new PageModel(LocalEngine.INITDB_LSN, Map.of());
            writeRounds(main, model, new SplittableRandom(3), 4);
            int layers = main.layerFileNames().size();
            GcResult result = main.gc();
            assertEquals(0, result.layersRemoved());
            assertEquals(layers, main.layerFileNames().size());
            for (int k = 0; k < 20; k++) {
                assertArrayEquals(model.page(key(k), result.cutoff()), main.get(key(k), result.cutoff()));
            }
        }
    }

    @Test
    void horizonAndPitrKeepHistory() throws Exception {
        TimelineSettings keepByHorizon = AGGRESSIVE.withGc(1L << 40, Duration.ZERO);
        try (EngineFixture fixture = new EngineFixture(workdir.resolve("horizon"), keepByHorizon, FileIo.DEFAULT)) {
            PageModel model = new PageModel(LocalEngine.INITDB_LSN, Map.of());
            writeRounds(fixture.main(), model, new SplittableRandom(5), 4);
            GcResult result = fixture.main().gc();
            assertEquals(0, result.layersRemoved());
            assertEquals(Lsn.INVALID, result.cutoff());
        }
        TimelineSettings keepByPitr = AGGRESSIVE.withGc(0, Duration.ofHours(1));
        try (EngineFixture fixture = new EngineFixture(workdir.resolve("pitr"), keepByPitr, FileIo.DEFAULT)) {
            PageModel model = new PageModel(LocalEngine.INITDB_LSN, Map.of());
            writeRounds(fixture.main(), model, new SplittableRandom(5), 4);
            Lsn early = Lsn.of(model.lsns().get(3));
            GcResult result = fixture.main().gc();
            assertEquals(0, result.layersRemoved(), "everything was written within the PITR window");
            assertArrayEquals(model.page(key(1), early), fixture.main().get(key(1), early));
        }
    }
}

package dev.strata.core.timeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.api.TimelineId;
import dev.strata.core.failpoint.FailpointException;
import dev.strata.core.page.PageWrite;
import dev.strata.core.tenant.LocalEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * INVARIANTS 2 and 3: for every failpoint in the flush, compaction, image and GC paths, the failed operation
 * leaves no temp file and no unlisted layer, the data stays intact, and running the operation again succeeds.
 */
class FailpointCleanupTest {
    @TempDir Path workdir;

    private static Key key(int n) {
        return Key.ofRelationPage(1663, 5, 16384, 0, n);
    }

    private static void write(Timeline timeline, PageModel model, SplittableRandom random, int batches) throws IOException {
        for (int i = 0; i < batches; i++) {
            List<PageWrite> batch = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                byte[] bytes = new byte[150];
                random.nextBytes(bytes);
                PageRecord record = random.nextBoolean() ? new PageRecord.Image(bytes)
                        : new PageRecord.Overwrite(random.nextInt(100), java.util.Arrays.copyOf(bytes, 12));
                batch.add(new PageWrite(key(random.nextInt(16)), record));
            }
            model.apply(batch, timeline.ingest(batch));
        }
    }

    private static void assertIntact(Timeline timeline, PageModel model) throws IOException {
        List<Long> lsns = model.lsns();
        for (int i = 0; i < lsns.size(); i += Math.max(1, lsns.size() / 25)) {
            Lsn lsn = Lsn.of(lsns.get(i));
            if (lsn.isBefore(timeline.gcCutoff())) {
                continue;
            }
            for (int k = 0; k < 16; k++) {
                assertArrayEquals(model.page(key(k), lsn), timeline.get(key(k), lsn), "key " + k + " at " + lsn);
            }
        }
    }

    private static void assertClean(EngineFixture fixture) throws IOException {
        assertEquals(List.of(), fixture.leftoverTempFiles(), "temp files left behind");
        assertEquals(List.of(), fixture.unlistedLayerFiles(fixture.main), "layer files the index does not list");
    }

    private interface Operation {
        void run(Timeline timeline) throws IOException;
    }

    @ParameterizedTest
    @ValueSource(strings = {"layer-write-block", "layer-before-rename", "flush-before-index", "index-before-write"})
    void failedFlushCleansUpAndRetries(String failpoint) throws Exception {
        runScenario(failpoint, Timeline::checkpoint, Preparation.NONE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"compaction-start", "compaction-after-output", "compaction-before-index", "image-after-output",
        "layer-write-block", "layer-before-rename", "index-before-write"})
    void failedCompactionCleansUpAndRetries(String failpoint) throws Exception {
        runScenario(failpoint, Timeline::compact, Preparation.L0_LAYERS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gc-before-delete", "index-before-write"})
    void failedGcCleansUpAndRetries(String failpoint) throws Exception {
        runScenario(failpoint, Timeline::gc, Preparation.IMAGES);
    }

    /** What exists before the failing operation runs. */
    private enum Preparation { NONE, L0_LAYERS, IMAGES }

    private void runScenario(String failpoint, Operation operation, Preparation preparation) throws Exception {
        SplittableRandom random = new SplittableRandom(failpoint.hashCode());
        TimelineSettings settings = EngineFixture.SMALL.withCompaction(3, 8 * 1024, 2)
                .withGc(0, java.time.Duration.ZERO).withCheckpointDistance(1 << 30);
        try (EngineFixture fixture = new EngineFixture(workdir, settings, dev.strata.core.io.FileIo.DEFAULT, false)) {
            Timeline main = fixture.main();
            PageModel model = new PageModel(LocalEngine.INITDB_LSN, Map.of());
            if (preparation != Preparation.NONE) {
                // Two generations of L0 layers with a compaction between, so the failing pass compacts L0s
                // and then finds two deltas over every key range: it writes L1s and images.
                for (int round = 0; round < 8; round++) {
                    write(main, model, random, 30);
                    main.checkpoint();
                    if (round == 3) {
                        main.compact();
                    }
                }
                if (preparation == Preparation.IMAGES) {
                    main.compact();
                    write(main, model, random, 30);
                    main.checkpoint();
                    main.compact();
                }
            }
            write(main, model, random, 30);
            List<String> layersBefore = main.layerFileNames().stream().map(Object::toString).toList();

            fixture.failpoints.configure(failpoint, "return");
            IOException failure = assertThrows(IOException.class, () -> operation.run(main));
            assertTrue(failure instanceof FailpointException || failure.getCause() instanceof FailpointException
                    || failure.getMessage().contains(failpoint), failure.toString());
            assertClean(fixture);
            assertIntact(main, model);
            if (failpoint.equals("image-after-output")) {
                // The L0 to L1 step of the pass committed before image creation failed; no image may appear.
                assertTrue(main.layerFileNames().stream().noneMatch(l -> l.name() instanceof dev.strata.api.ImageLayerName),
                        "no image layer from the failed pass");
            } else if (!failpoint.equals("gc-before-delete") && !failpoint.equals("index-before-write")) {
                assertEquals(layersBefore, main.layerFileNames().stream().map(Object::toString).toList(),
                        "a failed operation changes no layer");
            }

            fixture.failpoints.clear();
            operation.run(main);
            assertClean(fixture);
            assertIntact(main, model);
            assertFalse(main.isBroken());

            fixture.crashAndReopen();
            assertClean(fixture);
            assertIntact(fixture.main(), model);
        }
    }

    @Test
    void failedBranchCreationLeavesNothingThatLoads() throws Exception {
        try (EngineFixture fixture = new EngineFixture(workdir)) {
            Lsn commit = fixture.main().ingest(List.of(new PageWrite(key(1), new PageRecord.Image(new byte[] {1}))));
            TimelineId child = TimelineId.random();
            fixture.failpoints.configure("timeline-create-before-rename", "return");
            assertThrows(FailpointException.class, () -> fixture.engine.branch(fixture.tenant, child, fixture.main, commit));
            assertFalse(Files.exists(fixture.timelineDirectory(child)));
            assertEquals(List.of(), fixture.leftoverTempFiles());
            fixture.failpoints.clear();
            assertArrayEquals(new byte[] {1}, fixture.engine.branch(fixture.tenant, child, fixture.main, commit).get(key(1), commit));
        }
    }

    @Test
    void temporaryFilesLeftByACrashAreRemovedAtStartAndUnknownFilesStopTheLoad() throws Exception {
        try (EngineFixture fixture = new EngineFixture(workdir)) {
            fixture.main().ingest(List.of(new PageWrite(key(1), new PageRecord.Image(new byte[] {1}))));
            fixture.main().checkpoint();
            Path directory = fixture.timelineDirectory(fixture.main);
            Files.writeString(directory.resolve("something.___temp"), "partial");
            Files.writeString(directory.resolve("ephemeral-3"), "spill");
            Files.writeString(directory.resolve(fixture.main().layerFileNames().getFirst().localFileName() + ".1.temp_download"), "x");
            String orphan = "000000000000000000000000000000000000-FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF__0000000001000000-0000000001000001-v1-00000001";
            Files.writeString(directory.resolve(orphan), "never listed by the index");
            fixture.crashAndReopen();
            assertEquals(List.of(), fixture.leftoverTempFiles());
            assertFalse(Files.exists(directory.resolve(orphan)), "a layer the index does not list is deleted");

            Files.writeString(directory.resolve("notes.txt"), "operator left this");
            fixture.engine.close(false);
            IOException refused = assertThrows(IOException.class, () -> LocalEngine.open(fixture.workdir,
                    dev.strata.core.tenant.EngineOptions.DEFAULT.withTimelineSettings(EngineFixture.SMALL)));
            assertTrue(refused.getMessage().contains("notes.txt"), refused.getMessage());
            Files.delete(directory.resolve("notes.txt"));
            fixture.crashAndReopen();
        }
    }
}

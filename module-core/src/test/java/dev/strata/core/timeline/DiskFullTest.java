package dev.strata.core.timeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.core.page.PageWrite;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.testing.FaultyFileIo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk fills up while compaction writes its outputs (a fault-injecting file channel refuses writes past
 * a limit): the compaction fails with the disk's error, removes every output it wrote, leaves the data
 * readable, and succeeds once space is back.
 */
class DiskFullTest {
    @TempDir Path workdir;

    private static Key key(int n) {
        return Key.ofRelationPage(1663, 5, 16384, 0, n);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 100, 3_000, 12_000, 30_000, 60_000})
    void compactionThatRunsOutOfSpaceCleansUpAndRetries(long spaceLeft) throws Exception {
        FaultyFileIo io = new FaultyFileIo();
        TimelineSettings settings = EngineFixture.SMALL.withCheckpointDistance(1 << 30).withCompaction(3, 16 * 1024, 2);
        SplittableRandom random = new SplittableRandom(spaceLeft);
        try (EngineFixture fixture = new EngineFixture(workdir, settings, io, false)) {
            Timeline main = fixture.main();
            PageModel model = new PageModel(LocalEngine.INITDB_LSN, Map.of());
            for (int round = 0; round < 8; round++) {
                for (int i = 0; i < 25; i++) {
                    List<PageWrite> batch = new ArrayList<>();
                    for (int k = 0; k < 4; k++) {
                        byte[] page = new byte[300];
                        random.nextBytes(page);
                        batch.add(new PageWrite(key(random.nextInt(24)), new PageRecord.Image(page)));
                    }
                    model.apply(batch, main.ingest(batch));
                }
                main.checkpoint();
                if (round == 3) {
                    main.compact();
                }
            }
            List<String> before = main.layerFileNames().stream().map(Object::toString).toList();

            io.failWritesAfter(io.bytesWritten() + spaceLeft, "No space left on device");
            IOException full = assertThrows(IOException.class, main::compact);
            assertTrue(full.getMessage().contains("No space left on device"), full.toString());
            assertEquals(List.of(), fixture.leftoverTempFiles(), "spaceLeft=" + spaceLeft);
            assertEquals(List.of(), fixture.unlistedLayerFiles(fixture.main), "spaceLeft=" + spaceLeft);
            assertEquals(before, main.layerFileNames().stream().map(Object::toString).toList(),
                    "the failed pass changed no layer");
            assertEquals(1, io.openChannelCount(), "only the WAL segment stays open");
            assertIntact(main, model);

            io.heal();
            CompactionResult result = main.compact();
            assertTrue(result.l1Written() > 0 || result.imagesWritten() > 0, result.toString());
            assertFalse(main.isBroken());
            assertIntact(main, model);
            fixture.crashAndReopen();
            assertIntact(fixture.main(), model);
            assertEquals(List.of(), fixture.unlistedLayerFiles(fixture.main));
        }
    }

    private static void assertIntact(Timeline timeline, PageModel model) throws IOException {
        for (long raw : model.lsns()) {
            Lsn lsn = Lsn.of(raw);
            for (int k = 0; k < 24; k += 3) {
                assertArrayEquals(model.page(key(k), lsn), timeline.get(key(k), lsn), "key " + k + " at " + lsn);
            }
        }
    }
}

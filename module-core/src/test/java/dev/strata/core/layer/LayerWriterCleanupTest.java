package dev.strata.core.layer;

import static dev.strata.core.layer.LayerTestData.GENERATION;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.core.failpoint.FailpointException;
import dev.strata.core.failpoint.FailpointPanic;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.io.FileIo;
import dev.strata.core.page.PageEntry;
import dev.strata.core.testing.FaultyFileIo;
import dev.strata.core.testing.RandomSeed;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * INVARIANTS 1 to 3 for the writer: a failure anywhere leaves no temp file and no final file; an existing
 * file is never overwritten, an identical one is reused and a different one is a conflict.
 */
class LayerWriterCleanupTest {
    @RegisterExtension
    static final RandomSeed SEED = new RandomSeed();

    private static final Lsn LSN_START = Lsn.of(0x100L);
    private static final Lsn LSN_END = Lsn.of(0x200L);
    private static final String DISK_FULL = "No space left on device";

    @TempDir
    Path directory;

    private static List<PageEntry> entries(Random random) {
        return LayerTestData.randomDeltaEntries(random, LayerTestData.randomKeys(random, 100), LSN_START, LSN_END, 3, 50);
    }

    /** Writes {@code entries} as a delta layer through {@code io}, with small blocks so there are many. */
    private WrittenLayer write(List<PageEntry> entries, FileIo io, Failpoints failpoints) throws IOException {
        try (LayerWriter writer = LayerWriter.delta(directory, LSN_START, LSN_END, GENERATION,
                new LayerWriteOptions(1024, false), io, failpoints)) {
            for (PageEntry entry : entries) {
                writer.add(entry);
            }
            return writer.finish(LayerTestData.keyStart(entries), LayerTestData.keyEnd(entries));
        }
    }

    private void assertDirectoryEmpty() throws IOException {
        assertEquals(List.of(), LayerTestData.allFiles(directory), "no temp file and no layer file left");
    }

    @Test
    void diskFullAnywhereLeavesNothingBehind(Random random) throws IOException {
        List<PageEntry> entries = entries(random);
        FaultyFileIo counting = new FaultyFileIo();
        WrittenLayer reference = write(entries, counting, Failpoints.disabled());
        long size = reference.fileSize();
        assertEquals(size, counting.bytesWritten());
        Files.delete(reference.path());

        TreeSet<Long> limits = new TreeSet<>(List.of(0L, 1L, 1023L, size / 2, size - LayerFormat.TRAILER_BYTES, size - 1));
        while (limits.size() < 20) {
            limits.add((long) random.nextInt((int) size));
        }
        for (long limit : limits) {
            FaultyFileIo io = new FaultyFileIo().failWritesAfter(limit, DISK_FULL);
            IOException e = assertThrows(IOException.class, () -> write(entries, io, Failpoints.disabled()),
                    "writes fail after " + limit + " of " + size + " bytes");
            assertEquals(DISK_FULL, e.getMessage());
            assertDirectoryEmpty();
            io.assertAllClosed();
        }

        FaultyFileIo exactlyEnough = new FaultyFileIo().failWritesAfter(size, DISK_FULL);
        assertEquals(size, write(entries, exactlyEnough, Failpoints.disabled()).fileSize());
    }

    @Test
    void failedFsyncLeavesNothingBehind(Random random) throws IOException {
        FaultyFileIo io = new FaultyFileIo().failForce("Input/output error");
        IOException e = assertThrows(IOException.class, () -> write(entries(random), io, Failpoints.disabled()));
        assertEquals("Input/output error", e.getMessage());
        assertDirectoryEmpty();
        io.assertAllClosed();
    }

    @Test
    void aFailedWriteBackFailsTheLayerAndLeavesNothingBehind(Random random) throws IOException {
        // More than one write-back step of 8 KiB images: a write-back starts while the writer is still adding.
        List<PageEntry> images = new ArrayList<>();
        int count = (int) (2 * LayerWriter.SYNC_STEP_BYTES / 8192) + 16;
        for (int i = 0; i < count; i++) {
            byte[] page = new byte[8192];
            random.nextBytes(page);
            images.add(new PageEntry(Key.ofRelationPage(1663, 1, 1, 0, i), LSN_START, new PageRecord.Image(page)));
        }
        FaultyFileIo io = new FaultyFileIo().failForce("Input/output error");
        IOException e = assertThrows(IOException.class, () -> write(images, io, Failpoints.disabled()));
        assertTrue(e.getMessage().contains("write-back of layer file") && e.getMessage().contains("Input/output error"),
                "the write-back's failure, not the final force's: " + e.getMessage());
        assertDirectoryEmpty();
        io.assertAllClosed();

        FaultyFileIo healthy = new FaultyFileIo();
        WrittenLayer written = write(images, healthy, Failpoints.disabled());
        assertEquals(healthy.bytesWritten(), written.fileSize());
        assertTrue(written.fileSize() > 2 * LayerWriter.SYNC_STEP_BYTES, "the layer spans several write-back steps");
    }

    @Test
    void failedOpenLeavesNothingBehind(Random random) throws IOException {
        FaultyFileIo io = new FaultyFileIo().failOpen("Too many open files");
        IOException e = assertThrows(IOException.class, () -> write(entries(random), io, Failpoints.disabled()));
        assertEquals("Too many open files", e.getMessage());
        assertDirectoryEmpty();
    }

    @Test
    void failpointBeforeABlockWriteLeavesNothingBehind(Random random) throws IOException {
        Failpoints failpoints = Failpoints.create();
        failpoints.configure(LayerWriter.FAILPOINT_WRITE_BLOCK, "return");
        FailpointException e = assertThrows(FailpointException.class,
                () -> write(entries(random), FileIo.DEFAULT, failpoints));
        assertEquals(LayerWriter.FAILPOINT_WRITE_BLOCK, e.failpoint());
        assertDirectoryEmpty();
    }

    @Test
    void failpointBeforeTheRenameLeavesNothingBehind(Random random) throws IOException {
        Failpoints failpoints = Failpoints.create();
        failpoints.configure(LayerWriter.FAILPOINT_BEFORE_RENAME, "return");
        FaultyFileIo io = new FaultyFileIo();
        FailpointException e = assertThrows(FailpointException.class, () -> write(entries(random), io, failpoints));
        assertEquals(LayerWriter.FAILPOINT_BEFORE_RENAME, e.failpoint());
        assertDirectoryEmpty();
        io.assertAllClosed();
    }

    @Test
    void panicLeavesNothingBehind(Random random) throws IOException {
        Failpoints failpoints = Failpoints.create();
        failpoints.configure(LayerWriter.FAILPOINT_WRITE_BLOCK, "panic");
        assertThrows(FailpointPanic.class, () -> write(entries(random), FileIo.DEFAULT, failpoints));
        assertDirectoryEmpty();
    }

    @Test
    void writeAfterAFailureSucceeds(Random random) throws IOException {
        List<PageEntry> entries = entries(random);
        Failpoints failpoints = Failpoints.create();
        failpoints.configure(LayerWriter.FAILPOINT_BEFORE_RENAME, "1*return");
        assertThrows(FailpointException.class, () -> write(entries, FileIo.DEFAULT, failpoints));
        WrittenLayer written = write(entries, FileIo.DEFAULT, failpoints);
        assertFalse(written.reused());
        assertEquals(List.of(written.path()), LayerTestData.allFiles(directory));
    }

    @Test
    void closeBeforeFinishDeletesTheTempFile(Random random) throws IOException {
        FaultyFileIo io = new FaultyFileIo();
        LayerWriter writer = LayerWriter.delta(directory, LSN_START, LSN_END, GENERATION, new LayerWriteOptions(1024, true),
                io, Failpoints.disabled());
        for (PageEntry entry : entries(random)) {
            writer.add(entry);
        }
        assertTrue(Files.exists(writer.tempPath()));
        assertEquals(List.of(writer.tempPath()), LayerTestData.tempFiles(directory));
        writer.close();
        assertDirectoryEmpty();
        io.assertAllClosed();
        writer.close();
        assertThrows(IllegalStateException.class, () -> writer.add(new PageEntry(Key.MAX, LSN_START, new PageRecord.Init(0))));
        assertThrows(IllegalStateException.class, () -> writer.finish(Key.MIN, Key.MAX));
    }

    @Test
    void closeAfterFinishKeepsTheLayer(Random random) throws IOException {
        LayerWriter writer = LayerWriter.delta(directory, LSN_START, LSN_END, GENERATION, LayerWriteOptions.DEFAULT,
                FileIo.DEFAULT, Failpoints.disabled());
        List<PageEntry> entries = entries(random);
        for (PageEntry entry : entries) {
            writer.add(entry);
        }
        WrittenLayer written = writer.finish(Key.MIN, Key.MAX);
        writer.close();
        writer.close();
        assertEquals(List.of(written.path()), LayerTestData.allFiles(directory));
    }

    @Test
    void outOfOrderEntriesAreRejectedAndCleanedUp() throws IOException {
        Key key = Key.ofRelationPage(1663, 5, 16384, 0, 10);
        PageEntry first = new PageEntry(key, LSN_START.plus(5), new PageRecord.Init(8192));
        List<PageEntry> badSuccessors = List.of(
                new PageEntry(key, LSN_START.plus(5), new PageRecord.Append(new byte[1])),
                new PageEntry(key, LSN_START.plus(4), new PageRecord.Append(new byte[1])),
                new PageEntry(Key.ofRelationPage(1663, 5, 16384, 0, 9), LSN_START.plus(6), new PageRecord.Init(1)));
        for (PageEntry bad : badSuccessors) {
            LayerWriter writer = LayerWriter.delta(directory, LSN_START, LSN_END, GENERATION, LayerWriteOptions.DEFAULT,
                    FileIo.DEFAULT, Failpoints.disabled());
            writer.add(first);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> writer.add(bad));
            assertTrue(e.getMessage().contains(bad.key() + "@" + bad.lsn()), e.getMessage());
            assertDirectoryEmpty();
            assertThrows(IllegalStateException.class, () -> writer.add(bad), "an aborted writer stays aborted");
            writer.close();
        }
    }

    @Test
    void entriesOutsideTheLayerAreRejected() throws IOException {
        Key key = Key.ofRelationPage(1663, 5, 16384, 0, 10);
        List<PageEntry> outsideDelta = List.of(
                new PageEntry(key, LSN_START.plus(-1), new PageRecord.Init(1)),
                new PageEntry(key, LSN_END, new PageRecord.Init(1)));
        for (PageEntry bad : outsideDelta) {
            try (LayerWriter writer = LayerWriter.delta(directory, LSN_START, LSN_END, GENERATION,
                    LayerWriteOptions.DEFAULT, FileIo.DEFAULT, Failpoints.disabled())) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> writer.add(bad));
                assertTrue(e.getMessage().contains(bad.lsn().toString()), e.getMessage());
            }
            assertDirectoryEmpty();
        }
        List<PageEntry> notForImage = List.of(
                new PageEntry(key, LSN_START.plus(1), new PageRecord.Image(new byte[8])),
                new PageEntry(key, LSN_START, new PageRecord.Init(8192)));
        for (PageEntry bad : notForImage) {
            try (LayerWriter writer = LayerWriter.image(directory, LSN_START, GENERATION, LayerWriteOptions.DEFAULT,
                    FileIo.DEFAULT, Failpoints.disabled())) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> writer.add(bad));
                assertTrue(e.getMessage().contains(bad.key().toString()), e.getMessage());
            }
            assertDirectoryEmpty();
        }
    }

    @Test
    void keyRangeMustEncloseTheEntries() throws IOException {
        Key low = Key.ofRelationPage(1663, 5, 16384, 0, 10);
        Key high = Key.ofRelationPage(1663, 5, 16384, 0, 20);
        List<Key[]> badRanges = List.of(new Key[] {low.next(), Key.MAX}, new Key[] {Key.MIN, high},
                new Key[] {high, low});
        for (Key[] range : badRanges) {
            LayerWriter writer = LayerWriter.delta(directory, LSN_START, LSN_END, GENERATION, LayerWriteOptions.DEFAULT,
                    FileIo.DEFAULT, Failpoints.disabled());
            writer.add(new PageEntry(low, LSN_START, new PageRecord.Init(1)));
            writer.add(new PageEntry(high, LSN_START, new PageRecord.Init(1)));
            assertThrows(IllegalArgumentException.class, () -> writer.finish(range[0], range[1]));
            assertDirectoryEmpty();
            writer.close();
        }
    }

    @Test
    void invalidRangesFailBeforeAnyFileIsCreated() throws IOException {
        assertThrows(IllegalArgumentException.class, () -> LayerWriter.delta(directory, LSN_END, LSN_START, GENERATION,
                LayerWriteOptions.DEFAULT, FileIo.DEFAULT, Failpoints.disabled()));
        assertThrows(IllegalArgumentException.class, () -> LayerWriter.delta(directory, LSN_START, LSN_START, GENERATION,
                LayerWriteOptions.DEFAULT, FileIo.DEFAULT, Failpoints.disabled()));
        assertThrows(IllegalArgumentException.class, () -> LayerWriter.image(directory, Lsn.MAX, GENERATION,
                LayerWriteOptions.DEFAULT, FileIo.DEFAULT, Failpoints.disabled()));
        assertDirectoryEmpty();
    }

    @Test
    void existingIdenticalLayerIsReused(Random random) throws IOException {
        List<PageEntry> entries = entries(random);
        WrittenLayer first = write(entries, FileIo.DEFAULT, Failpoints.disabled());
        byte[] bytes = Files.readAllBytes(first.path());
        WrittenLayer second = write(entries, FileIo.DEFAULT, Failpoints.disabled());
        assertTrue(second.reused());
        assertEquals(first.path(), second.path());
        assertEquals(first.fileName(), second.fileName());
        assertEquals(first.fileSize(), second.fileSize());
        assertArrayEquals(bytes, Files.readAllBytes(first.path()));
        assertEquals(List.of(first.path()), LayerTestData.allFiles(directory));
    }

    @Test
    void existingDifferentLayerIsAConflictAndStaysUnchanged(Random random) throws IOException {
        List<PageEntry> entries = entries(random);
        WrittenLayer existing = write(entries, FileIo.DEFAULT, Failpoints.disabled());
        byte[] bytes = Files.readAllBytes(existing.path());
        List<PageEntry> changed = new ArrayList<>(entries);
        PageEntry last = changed.removeLast();
        changed.add(new PageEntry(last.key(), last.lsn(), new PageRecord.Append(new byte[] {42})));
        LayerConflictException e = assertThrows(LayerConflictException.class,
                () -> write(changed, FileIo.DEFAULT, Failpoints.disabled()));
        assertEquals(existing.path(), e.path());
        assertTrue(e.getMessage().contains(existing.path().toString()), e.getMessage());
        assertArrayEquals(bytes, Files.readAllBytes(existing.path()), "the existing file is never overwritten");
        assertEquals(List.of(existing.path()), LayerTestData.allFiles(directory));
    }
}

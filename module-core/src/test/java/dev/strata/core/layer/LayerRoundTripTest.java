package dev.strata.core.layer;

import static dev.strata.core.layer.LayerTestData.GENERATION;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.DeltaLayerName;
import dev.strata.api.Generation;
import dev.strata.api.ImageLayerName;
import dev.strata.api.Key;
import dev.strata.api.LayerFileName;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.io.FileIo;
import dev.strata.core.page.PageEntry;
import dev.strata.core.testing.RandomSeed;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Layers read back exactly what was written, whatever the record kinds, sizes and options. */
class LayerRoundTripTest {
    @RegisterExtension
    static final RandomSeed SEED = new RandomSeed();

    private static final Lsn LSN_START = Lsn.of(0x1000_0000L);
    private static final Lsn LSN_END = Lsn.of(0x1800_0000L);

    @TempDir
    Path directory;

    @ParameterizedTest(name = "compress={0}")
    @ValueSource(booleans = {false, true})
    void deltaRoundTrip(boolean compress, Random random) throws IOException {
        List<PageEntry> entries = LayerTestData.randomDeltaEntries(random, LayerTestData.randomKeys(random, 400),
                LSN_START, LSN_END, 6, 60);
        LayerWriteOptions options = new LayerWriteOptions(512 + random.nextInt(8192), compress);
        WrittenLayer written = LayerTestData.writeDelta(directory, entries, LSN_START, LSN_END, options);

        DeltaLayerName name = new DeltaLayerName(entries.getFirst().key(), entries.getLast().key().next(), LSN_START, LSN_END);
        assertEquals(new LayerFileName(name, GENERATION), written.fileName());
        assertEquals(directory.resolve(name.text() + "-v1-00000007"), written.path());
        assertEquals(Files.size(written.path()), written.fileSize());
        assertFalse(written.reused());
        assertEquals(List.of(written.path()), LayerTestData.allFiles(directory), "only the layer file is left");

        try (LayerFile file = LayerFile.open(written.path(), new BlockCache(1 << 20))) {
            LayerSummary summary = file.summary();
            assertEquals(new LayerSummary(LayerFormat.FORMAT_VERSION, true, name.keyStart(), name.keyEnd(), LSN_START,
                    LSN_END, entries.size(), summary.blockCount(), compress), summary);
            assertTrue(summary.blockCount() > 1, "several blocks: " + summary.blockCount());
            assertEquals(written.fileName(), file.fileName());
            assertEquals(written.fileSize(), file.fileSize());
            assertEquals(entries, LayerTestData.scanAll(file));
            assertEquals(new LayerVerification(summary.blockCount(), entries.size(), written.fileSize()), file.verify());
        }
    }

    @ParameterizedTest(name = "compress={0}")
    @ValueSource(booleans = {false, true})
    void imageRoundTrip(boolean compress, Random random) throws IOException {
        Lsn lsn = Lsn.of(0x2000_0028L);
        List<PageEntry> entries = LayerTestData.randomImageEntries(random, LayerTestData.randomKeys(random, 300), lsn, 40);
        WrittenLayer written = LayerTestData.writeImage(directory, entries, lsn, new LayerWriteOptions(16 * 1024, compress));

        ImageLayerName name = new ImageLayerName(entries.getFirst().key(), entries.getLast().key().next(), lsn);
        assertEquals(new LayerFileName(name, GENERATION), written.fileName());
        try (LayerFile file = LayerFile.open(written.path(), new BlockCache(1 << 20))) {
            assertFalse(file.summary().delta());
            assertEquals(lsn, file.summary().lsnStart());
            assertEquals(lsn.plus(1), file.summary().lsnEnd());
            assertEquals(entries, LayerTestData.scanAll(file));
            for (PageEntry entry : entries) {
                List<PageEntry> found = new ArrayList<>();
                file.collect(entry.key(), 0L, -1L, found);
                assertEquals(List.of(entry), found);
            }
            assertEquals(entries.size(), file.verify().entries());
        }
    }

    @Test
    void everyRecordKindSurvives() throws IOException {
        Key key = Key.ofRelationPage(1663, 5, 16384, 0, 7);
        List<PageRecord> records = List.of(
                new PageRecord.Image(new byte[8192]),
                new PageRecord.Image(new byte[0]),
                new PageRecord.Init(8192),
                new PageRecord.Overwrite(100, new byte[] {1, 2, 3}),
                new PageRecord.Append(new byte[] {4, 5}),
                new PageRecord.Custom("heap.insert", new byte[] {6}, false),
                new PageRecord.Custom("heap.init", new byte[0], true));
        List<PageEntry> entries = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            entries.add(new PageEntry(key, LSN_START.plus(i), records.get(i)));
        }
        WrittenLayer written = LayerTestData.writeDelta(directory, entries, LSN_START, LSN_END, LayerWriteOptions.DEFAULT);
        try (LayerFile file = LayerFile.open(written.path(), new BlockCache(1 << 20))) {
            assertEquals(entries, LayerTestData.scanAll(file));
            List<PageEntry> found = new ArrayList<>();
            file.collect(key, 0L, -1L, found);
            assertEquals(entries.reversed(), found);
        }
    }

    @Test
    void entryLargerThanTheTargetGetsABlockOfItsOwn() throws IOException {
        Key key = Key.ofRelationPage(1663, 5, 16384, 0, 0);
        PageEntry small1 = new PageEntry(key, LSN_START, new PageRecord.Append(new byte[10]));
        PageEntry small2 = new PageEntry(key, LSN_START.plus(1), new PageRecord.Append(new byte[10]));
        PageEntry large = new PageEntry(key, LSN_START.plus(2), new PageRecord.Image(new byte[PageRecord.MAX_VALUE_BYTES]));
        PageEntry small3 = new PageEntry(key.next(), LSN_START, new PageRecord.Append(new byte[10]));
        List<PageEntry> entries = List.of(small1, small2, large, small3);
        WrittenLayer written = LayerTestData.writeDelta(directory, entries, LSN_START, LSN_END,
                new LayerWriteOptions(1024, false));
        try (LayerFile file = LayerFile.open(written.path(), new BlockCache(4 << 20))) {
            assertEquals(3, file.summary().blockCount(), "[small, small], [large], [small]");
            assertEquals(entries, LayerTestData.scanAll(file));
            List<PageEntry> found = new ArrayList<>();
            file.collect(key, LSN_START.plus(2).value(), LSN_END.value(), found);
            assertEquals(List.of(large), found);
        }
    }

    @Test
    void compressionShrinksCompressiblePages() throws IOException {
        List<PageEntry> entries = new ArrayList<>();
        Key key = Key.ofRelationPage(1663, 5, 16384, 0, 0);
        for (int i = 0; i < 200; i++) {
            entries.add(new PageEntry(key, LSN_START, new PageRecord.Image(new byte[8192])));
            key = key.next();
        }
        Path plain = Files.createDirectory(directory.resolve("plain"));
        Path compressed = Files.createDirectory(directory.resolve("compressed"));
        WrittenLayer plainLayer = LayerTestData.writeImage(plain, entries, LSN_START, new LayerWriteOptions(65536, false));
        WrittenLayer compressedLayer = LayerTestData.writeImage(compressed, entries, LSN_START,
                new LayerWriteOptions(65536, true));
        assertTrue(compressedLayer.fileSize() * 20 < plainLayer.fileSize(),
                compressedLayer.fileSize() + " compressed bytes vs " + plainLayer.fileSize());
        try (LayerFile file = LayerFile.open(compressedLayer.path(), new BlockCache(1 << 20))) {
            assertTrue(file.summary().compressed());
            assertEquals(entries, LayerTestData.scanAll(file));
        }
    }

    @Test
    void incompressibleBlocksAreStoredRaw(Random random) throws IOException {
        List<PageEntry> entries = new ArrayList<>();
        Key key = Key.ofRelationPage(1663, 5, 16384, 0, 0);
        for (int i = 0; i < 50; i++) {
            byte[] noise = new byte[4096];
            random.nextBytes(noise);
            entries.add(new PageEntry(key, LSN_START, new PageRecord.Image(noise)));
            key = key.next();
        }
        Path plain = Files.createDirectory(directory.resolve("plain"));
        Path compressed = Files.createDirectory(directory.resolve("compressed"));
        // Each page is a block of its own, and deflating noise makes it larger, so every block is stored raw.
        long plainSize = LayerTestData.writeImage(plain, entries, LSN_START, new LayerWriteOptions(128, false)).fileSize();
        WrittenLayer layer = LayerTestData.writeImage(compressed, entries, LSN_START, new LayerWriteOptions(128, true));
        // Only the summary's flag differs: same size.
        assertEquals(plainSize, layer.fileSize());
        try (LayerFile file = LayerFile.open(layer.path(), new BlockCache(1 << 20))) {
            assertEquals(entries, LayerTestData.scanAll(file));
        }
    }

    @Test
    void emptyLayerIsValid() throws IOException {
        WrittenLayer written;
        try (LayerWriter writer = LayerWriter.delta(directory, LSN_START, LSN_END, Generation.NONE,
                LayerWriteOptions.DEFAULT, FileIo.DEFAULT, Failpoints.disabled())) {
            assertNull(writer.firstKey());
            assertNull(writer.lastKey());
            written = writer.finish(Key.MIN, Key.MAX);
        }
        assertEquals(new DeltaLayerName(Key.MIN, Key.MAX, LSN_START, LSN_END).text(),
                written.path().getFileName().toString(), "generation none: the bare name");
        try (LayerFile file = LayerFile.open(written.path(), new BlockCache(1 << 20))) {
            assertEquals(0, file.summary().entryCount());
            assertEquals(0, file.summary().blockCount());
            assertEquals(List.of(), LayerTestData.scanAll(file));
            List<PageEntry> found = new ArrayList<>();
            file.collect(Key.MIN, 0L, -1L, found);
            assertEquals(List.of(), found);
            assertEquals(new LayerVerification(0, 0, written.fileSize()), file.verify());
        }
    }

    @Test
    void sameEntriesGiveIdenticalBytes(Random random) throws IOException {
        List<PageEntry> entries = LayerTestData.randomDeltaEntries(random, LayerTestData.randomKeys(random, 100),
                LSN_START, LSN_END, 3, 0);
        Path first = Files.createDirectory(directory.resolve("first"));
        Path second = Files.createDirectory(directory.resolve("second"));
        LayerWriteOptions options = new LayerWriteOptions(2048, true);
        WrittenLayer one = LayerTestData.writeDelta(first, entries, LSN_START, LSN_END, options);
        WrittenLayer two = LayerTestData.writeDelta(second, entries, LSN_START, LSN_END, options);
        assertEquals(one.fileName(), two.fileName());
        assertArrayEquals(Files.readAllBytes(one.path()), Files.readAllBytes(two.path()));
    }

    @Test
    void writerReportsProgress(Random random) throws IOException {
        List<PageEntry> entries = LayerTestData.randomDeltaEntries(random, LayerTestData.randomKeys(random, 200),
                LSN_START, LSN_END, 3, 0);
        try (LayerWriter writer = LayerWriter.delta(directory, LSN_START, LSN_END, GENERATION,
                new LayerWriteOptions(1024, false), FileIo.DEFAULT, Failpoints.disabled())) {
            long previous = writer.bytesWritten();
            assertEquals(0, previous);
            for (PageEntry entry : entries) {
                writer.add(entry);
                assertTrue(writer.bytesWritten() > previous, "bytesWritten grows with every entry");
                previous = writer.bytesWritten();
            }
            assertEquals(entries.size(), writer.entryCount());
            assertEquals(entries.getFirst().key(), writer.firstKey());
            assertEquals(entries.getLast().key(), writer.lastKey());
            WrittenLayer written = writer.finish(Key.MIN, Key.MAX);
            assertTrue(written.fileSize() >= previous, written.fileSize() + " >= " + previous);
        }
    }
}

package dev.strata.core.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.DeltaLayerName;
import dev.strata.api.InvalidInputException;
import dev.strata.api.Key;
import dev.strata.api.LayerFileName;
import dev.strata.api.Lsn;
import dev.strata.core.page.PageEntry;
import dev.strata.core.testing.RandomSeed;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * INVARIANT 20: every damaged byte of a layer file is detected, by {@link LayerFile#open} (trailer, summary,
 * index) or when its block is read, and reported as a {@link CorruptLayerException} naming the file and the
 * offset of the damaged section.
 */
class LayerCorruptionTest {
    @RegisterExtension
    static final RandomSeed SEED = new RandomSeed();

    private static final Lsn LSN_START = Lsn.of(0x5000L);
    private static final Lsn LSN_END = Lsn.of(0x6000L);

    @TempDir
    Path directory;

    /** Where the sections of a layer file start, from its own trailer and index. */
    private record Sections(List<Long> blockOffsets, long indexOffset, long summaryOffset, long trailerOffset) {
        long sectionStart(long position) {
            if (position >= trailerOffset) {
                return trailerOffset;
            }
            if (position >= summaryOffset) {
                return summaryOffset;
            }
            if (position >= indexOffset) {
                return indexOffset;
            }
            long start = 0;
            for (long blockOffset : blockOffsets) {
                if (blockOffset <= position) {
                    start = blockOffset;
                }
            }
            return start;
        }
    }

    private static Sections sections(Path path) throws IOException {
        byte[] bytes = Files.readAllBytes(path);
        LayerFormat.Trailer trailer = LayerFormat.decodeTrailer(path, bytes.length,
                Arrays.copyOfRange(bytes, bytes.length - LayerFormat.TRAILER_BYTES, bytes.length));
        LayerSummary summary = LayerFormat.decodeSummary(path, trailer.summaryOffset(), Arrays.copyOfRange(bytes,
                (int) trailer.summaryOffset(), (int) trailer.summaryOffset() + trailer.summaryLength()));
        BlockIndex index = BlockIndex.decode(path, trailer.indexOffset(), Arrays.copyOfRange(bytes,
                (int) trailer.indexOffset(), (int) trailer.indexOffset() + trailer.indexLength()), summary);
        List<Long> blockOffsets = new ArrayList<>();
        for (int block = 0; block < index.blockCount(); block++) {
            blockOffsets.add(index.offset(block));
        }
        return new Sections(blockOffsets, trailer.indexOffset(), trailer.summaryOffset(),
                bytes.length - LayerFormat.TRAILER_BYTES);
    }

    private WrittenLayer smallLayer(Random random, boolean compress, int keyCount) throws IOException {
        List<PageEntry> entries = LayerTestData.randomDeltaEntries(random, LayerTestData.randomKeys(random, keyCount),
                LSN_START, LSN_END, 3, 0);
        return LayerTestData.writeDelta(directory, entries, LSN_START, LSN_END, new LayerWriteOptions(512, compress));
    }

    /** Opens and verifies a file, expecting corruption at {@code expectedOffset}. */
    private static void assertCorrupt(Path path, long expectedOffset, String context) {
        CorruptLayerException e = assertThrows(CorruptLayerException.class, () -> {
            try (LayerFile file = LayerFile.open(path, new BlockCache(1 << 20))) {
                file.verify();
            }
        }, context);
        assertEquals(path, e.path(), context);
        assertEquals(expectedOffset, e.offset(), context + ": " + e.getMessage());
        assertTrue(e.getMessage().contains(path.toString()) && e.getMessage().contains("offset " + expectedOffset),
                context + ": the message names the file and offset: " + e.getMessage());
    }

    @ParameterizedTest(name = "compress={0}")
    @ValueSource(booleans = {false, true})
    void everySingleDamagedByteIsDetected(boolean compress, Random random) throws IOException {
        WrittenLayer layer = smallLayer(random, compress, 12);
        byte[] original = Files.readAllBytes(layer.path());
        Sections sections = sections(layer.path());
        assertTrue(sections.blockOffsets().size() > 1, "several blocks");
        Path damaged = Files.createDirectory(directory.resolve("damaged")).resolve(layer.path().getFileName());
        for (int position = 0; position < original.length; position++) {
            byte[] bytes = original.clone();
            bytes[position] ^= (byte) (1 + random.nextInt(255));
            Files.write(damaged, bytes);
            assertCorrupt(damaged, sections.sectionStart(position), "byte " + position + " of " + original.length);
        }
    }

    @Test
    void damagedBlockFailsOnlyReadsThatNeedIt(Random random) throws IOException {
        List<PageEntry> entries = LayerTestData.randomDeltaEntries(random, LayerTestData.randomKeys(random, 200),
                LSN_START, LSN_END, 2, 0);
        WrittenLayer layer = LayerTestData.writeDelta(directory, entries, LSN_START, LSN_END, new LayerWriteOptions(1024, false));
        Sections sections = sections(layer.path());
        long blockOffset = sections.blockOffsets().get(1);
        byte[] bytes = Files.readAllBytes(layer.path());
        bytes[(int) blockOffset + 40] ^= 0x10;
        Files.write(layer.path(), bytes);

        try (LayerFile file = LayerFile.open(layer.path(), new BlockCache(1 << 20))) {
            List<PageEntry> inFirstBlock = new ArrayList<>();
            file.collect(entries.getFirst().key(), 0L, -1L, inFirstBlock);
            assertEquals(LayerTestData.expectedCollect(entries, entries.getFirst().key(), 0L, -1L), inFirstBlock,
                    "other blocks keep serving");

            CorruptLayerException onScan = assertThrows(CorruptLayerException.class, () -> LayerTestData.scanAll(file));
            assertEquals(blockOffset, onScan.offset());
            CorruptLayerException onVerify = assertThrows(CorruptLayerException.class, file::verify);
            assertEquals(blockOffset, onVerify.offset());
            assertTrue(onVerify.getMessage().contains("checksum"), onVerify.getMessage());
        }
    }

    @Test
    void damagedBlockFailsCollect(Random random) throws IOException {
        List<PageEntry> entries = LayerTestData.randomDeltaEntries(random, LayerTestData.randomKeys(random, 200),
                LSN_START, LSN_END, 2, 0);
        WrittenLayer layer = LayerTestData.writeDelta(directory, entries, LSN_START, LSN_END, new LayerWriteOptions(1024, true));
        Sections sections = sections(layer.path());
        int lastBlock = sections.blockOffsets().size() - 1;
        long blockOffset = sections.blockOffsets().get(lastBlock);
        byte[] bytes = Files.readAllBytes(layer.path());
        bytes[(int) sections.indexOffset() - 6] ^= 0x01;
        Files.write(layer.path(), bytes);
        try (LayerFile file = LayerFile.open(layer.path(), new BlockCache(1 << 20))) {
            Key lastKey = entries.getLast().key();
            CorruptLayerException e = assertThrows(CorruptLayerException.class,
                    () -> file.collect(lastKey, 0L, -1L, new ArrayList<>()));
            assertEquals(blockOffset, e.offset());
            assertTrue(e.getMessage().contains(layer.path().getFileName().toString()), e.getMessage());
        }
    }

    @Test
    void damagedMetadataFailsOpenAtItsOffset(Random random) throws IOException {
        WrittenLayer layer = smallLayer(random, false, 50);
        Sections sections = sections(layer.path());
        byte[] original = Files.readAllBytes(layer.path());
        for (long sectionStart : List.of(sections.indexOffset(), sections.summaryOffset(), sections.trailerOffset())) {
            byte[] bytes = original.clone();
            bytes[(int) sectionStart + 9] ^= 0x40;
            Files.write(layer.path(), bytes);
            CorruptLayerException e = assertThrows(CorruptLayerException.class,
                    () -> LayerFile.open(layer.path(), new BlockCache(1 << 20)).close());
            assertEquals(sectionStart, e.offset(), e.getMessage());
        }
    }

    @Test
    void truncatedOrExtendedFileFailsOpen(Random random) throws IOException {
        WrittenLayer layer = smallLayer(random, false, 50);
        byte[] original = Files.readAllBytes(layer.path());
        List<Integer> lengths = List.of(0, 1, LayerFormat.TRAILER_BYTES, original.length / 2,
                original.length - LayerFormat.TRAILER_BYTES, original.length - 1, original.length + 1,
                original.length + 4096);
        for (int length : lengths) {
            Files.write(layer.path(), Arrays.copyOf(original, length));
            CorruptLayerException e = assertThrows(CorruptLayerException.class,
                    () -> LayerFile.open(layer.path(), new BlockCache(1 << 20)).close(), "length " + length);
            assertTrue(e.getMessage().contains(layer.path().toString()), e.getMessage());
        }
    }

    @Test
    void contentsThatDoNotMatchTheNameFailOpen(Random random) throws IOException {
        WrittenLayer layer = smallLayer(random, false, 20);
        LayerFileName other = new LayerFileName(new DeltaLayerName(layer.fileName().name().keyStart(),
                layer.fileName().name().keyEnd(), LSN_START, LSN_END.plus(1)), layer.fileName().generation());
        Path renamed = Files.move(layer.path(), directory.resolve(other.localFileName()));
        CorruptLayerException e = assertThrows(CorruptLayerException.class,
                () -> LayerFile.open(renamed, new BlockCache(1 << 20)).close());
        assertTrue(e.getMessage().contains("file name"), e.getMessage());
    }

    @Test
    void fileWithoutALayerNameIsRejected(Random random) throws IOException {
        WrittenLayer layer = smallLayer(random, false, 5);
        Path renamed = Files.move(layer.path(), directory.resolve("not-a-layer"));
        assertThrows(InvalidInputException.class, () -> LayerFile.open(renamed, new BlockCache(1 << 20)).close());
    }
}

package dev.strata.core.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.core.page.PageEntry;
import dev.strata.core.testing.RandomSeed;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The block cache counts hits and misses, stays within its capacity, and forgets closed files. */
class BlockCacheTest {
    @RegisterExtension
    static final RandomSeed SEED = new RandomSeed();

    private static final Lsn LSN = Lsn.of(0x100L);
    /** Each entry fills most of a block, so each key is in a block of its own. */
    private static final int PAGE_BYTES = 3000;
    private static final int KEYS = 40;

    @TempDir
    Path directory;

    private List<PageEntry> entries() {
        List<PageEntry> entries = new ArrayList<>();
        Key key = Key.ofRelationPage(1663, 5, 16384, 0, 0);
        for (int i = 0; i < KEYS; i++) {
            entries.add(new PageEntry(key, LSN, new PageRecord.Image(new byte[PAGE_BYTES])));
            key = key.next().next();
        }
        return entries;
    }

    private Path writeLayer(Path directory, List<PageEntry> entries) throws IOException {
        return LayerTestData.writeImage(directory, entries, LSN, new LayerWriteOptions(PAGE_BYTES, false)).path();
    }

    private static List<PageEntry> collect(LayerFile file, Key key) throws IOException {
        List<PageEntry> found = new ArrayList<>();
        file.collect(key, 0L, -1L, found);
        return found;
    }

    @Test
    void hitsAndMissesAreCounted() throws IOException {
        List<PageEntry> entries = entries();
        BlockCache cache = new BlockCache(1 << 20);
        try (LayerFile file = LayerFile.open(writeLayer(directory, entries), cache)) {
            assertEquals(KEYS, file.summary().blockCount());
            Key key = entries.get(3).key();
            assertEquals(List.of(entries.get(3)), collect(file, key));
            assertEquals(0, cache.hits());
            assertEquals(1, cache.misses());
            assertEquals(List.of(entries.get(3)), collect(file, key));
            assertEquals(1, cache.hits());
            assertEquals(1, cache.misses());
            assertEquals(1, cache.blockCount());

            // Between two stored keys, and outside the layer: the index answers without reading a block.
            assertEquals(List.of(), collect(file, key.next()));
            assertEquals(List.of(), collect(file, Key.MAX));
            assertEquals(1, cache.hits());
            assertEquals(1, cache.misses());

            for (PageEntry entry : entries) {
                assertEquals(List.of(entry), collect(file, entry.key()));
            }
            assertEquals(2, cache.hits());
            assertEquals(KEYS, cache.misses());
            assertEquals(KEYS, cache.blockCount());
        }
    }

    @Test
    void capacityIsNeverExceeded(Random random) throws IOException {
        List<PageEntry> entries = entries();
        long capacity = 5L * (PAGE_BYTES + 200);
        BlockCache cache = new BlockCache(capacity);
        try (LayerFile file = LayerFile.open(writeLayer(directory, entries), cache)) {
            for (int query = 0; query < 500; query++) {
                PageEntry entry = entries.get(random.nextInt(entries.size()));
                assertEquals(List.of(entry), collect(file, entry.key()));
                assertTrue(cache.sizeBytes() <= capacity, cache.toString());
            }
            assertTrue(cache.evictions() > 0, cache.toString());
            assertTrue(cache.blockCount() <= 5, cache.toString());
            assertTrue(cache.hits() > 0, cache.toString());
        }
    }

    @Test
    void closingAFileDropsOnlyItsBlocks() throws IOException {
        List<PageEntry> entries = entries();
        BlockCache cache = new BlockCache(1 << 20);
        Path other = Files.createDirectory(directory.resolve("other"));
        try (LayerFile kept = LayerFile.open(writeLayer(other, entries), cache)) {
            collect(kept, entries.getFirst().key());
            long keptBytes = cache.sizeBytes();
            LayerFile closed = LayerFile.open(writeLayer(directory, entries), cache);
            for (PageEntry entry : entries) {
                collect(closed, entry.key());
            }
            assertEquals(KEYS + 1, cache.blockCount());
            closed.close();
            assertEquals(1, cache.blockCount());
            assertEquals(keptBytes, cache.sizeBytes());
            collect(kept, entries.getFirst().key());
            assertEquals(1, cache.hits());
        }
        assertEquals(0, cache.sizeBytes());
    }

    @Test
    void reopenedFileReadsAgain() throws IOException {
        List<PageEntry> entries = entries();
        BlockCache cache = new BlockCache(1 << 20);
        Path path = writeLayer(directory, entries);
        try (LayerFile file = LayerFile.open(path, cache)) {
            collect(file, entries.getFirst().key());
        }
        try (LayerFile file = LayerFile.open(path, cache)) {
            collect(file, entries.getFirst().key());
        }
        assertEquals(0, cache.hits());
        assertEquals(2, cache.misses());
    }

    @Test
    void zeroCapacityCachesNothing() throws IOException {
        List<PageEntry> entries = entries();
        BlockCache cache = new BlockCache(0);
        try (LayerFile file = LayerFile.open(writeLayer(directory, entries), cache)) {
            for (int round = 0; round < 2; round++) {
                assertEquals(List.of(entries.getFirst()), collect(file, entries.getFirst().key()));
            }
        }
        assertEquals(0, cache.hits());
        assertEquals(2, cache.misses());
        assertEquals(0, cache.sizeBytes());
    }

    @Test
    void scansDoNotFillTheCache() throws IOException {
        List<PageEntry> entries = entries();
        BlockCache cache = new BlockCache(1 << 20);
        try (LayerFile file = LayerFile.open(writeLayer(directory, entries), cache)) {
            collect(file, entries.get(7).key());
            assertEquals(entries, LayerTestData.scanAll(file));
            assertEquals(1, cache.blockCount(), "only the block the lookup read");
            assertEquals(1, cache.hits(), "the scan used the cached block");
            assertEquals(KEYS, cache.misses());
        }
    }

    /** A decoded block with one entry of {@code payloadBytes} bytes. */
    private static DataBlock block(int payloadBytes) throws CorruptLayerException {
        BlockBuilder builder = new BlockBuilder();
        builder.add(new PageEntry(Key.MIN, LSN, new PageRecord.Image(new byte[payloadBytes])));
        return DataBlock.decode(Path.of("test-layer"), 0, builder.encode(null), 1);
    }

    @Test
    void referencedBlocksGetASecondChance() throws IOException {
        DataBlock block = block(1000);
        BlockCache cache = new BlockCache(2 * block.sizeBytes());
        long file = cache.newFileIdentity();
        cache.put(file, 0, block);
        cache.put(file, 1, block);
        assertSame(block, cache.get(file, 0));
        cache.put(file, 2, block);
        assertNotNull(cache.get(file, 0), "referenced since it was cached: kept");
        assertNull(cache.get(file, 1), "not referenced: evicted");
        assertNotNull(cache.get(file, 2));
        assertEquals(1, cache.evictions());
        assertEquals(2 * block.sizeBytes(), cache.sizeBytes());
    }

    @Test
    void blockLargerThanTheCapacityIsNotCached() throws IOException {
        DataBlock block = block(1000);
        BlockCache cache = new BlockCache(block.sizeBytes() - 1);
        long file = cache.newFileIdentity();
        cache.put(file, 0, block);
        assertNull(cache.get(file, 0));
        assertEquals(0, cache.sizeBytes());
    }

    @Test
    void concurrentUseStaysWithinCapacityAndAccountsExactly(Random random) throws Exception {
        DataBlock block = block(500);
        BlockCache cache = new BlockCache(50 * block.sizeBytes());
        long seed = random.nextLong();
        List<Long> files = List.of(cache.newFileIdentity(), cache.newFileIdentity(), cache.newFileIdentity());
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> results = new ArrayList<>();
            for (int thread = 0; thread < 8; thread++) {
                Random threadRandom = new Random(seed + thread);
                results.add(executor.submit(() -> {
                    for (int operation = 0; operation < 20_000; operation++) {
                        long file = files.get(threadRandom.nextInt(files.size()));
                        long offset = threadRandom.nextInt(200);
                        int choice = threadRandom.nextInt(100);
                        if (choice == 0) {
                            cache.invalidate(file);
                        } else if (cache.get(file, offset) == null) {
                            cache.put(file, offset, block);
                        }
                        assertTrue(cache.sizeBytes() <= cache.capacityBytes());
                    }
                    return null;
                }));
            }
            for (Future<?> result : results) {
                result.get();
            }
        }
        assertEquals(cache.blockCount() * block.sizeBytes(), cache.sizeBytes(), cache.toString());
        assertTrue(cache.hits() > 0 && cache.evictions() > 0, cache.toString());
    }

    @Test
    void negativeCapacityIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new BlockCache(-1));
    }
}

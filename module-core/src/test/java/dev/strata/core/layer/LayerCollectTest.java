package dev.strata.core.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.core.page.PageEntry;
import dev.strata.core.testing.RandomSeed;
import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link LayerFile#collect} and {@link LayerFile#scan} agree with a brute-force filter over the entries. */
class LayerCollectTest {
    @RegisterExtension
    static final RandomSeed SEED = new RandomSeed();

    private static final Lsn LSN_START = Lsn.of(0x1000L);
    private static final Lsn LSN_END = Lsn.of(0x1400L);

    @TempDir
    Path directory;

    @ParameterizedTest(name = "compress={0}")
    @ValueSource(booleans = {false, true})
    void collectMatchesBruteForce(boolean compress, Random random) throws IOException {
        List<Key> keys = LayerTestData.randomKeys(random, 300);
        List<PageEntry> entries = LayerTestData.randomDeltaEntries(random, keys, LSN_START, LSN_END, 20, 200);
        WrittenLayer written = LayerTestData.writeDelta(directory, entries, LSN_START, LSN_END,
                new LayerWriteOptions(256 + random.nextInt(4096), compress));
        try (LayerFile file = LayerFile.open(written.path(), new BlockCache(random.nextInt(1 << 20)))) {
            for (int query = 0; query < 3000; query++) {
                Key key = randomQueryKey(random, keys);
                long floor = randomQueryLsn(random);
                long ceiling = randomQueryLsn(random);
                List<PageEntry> found = new ArrayList<>();
                file.collect(key, floor, ceiling, found);
                assertEquals(LayerTestData.expectedCollect(entries, key, floor, ceiling), found,
                        "collect(" + key + ", " + Long.toUnsignedString(floor, 16) + ", "
                                + Long.toUnsignedString(ceiling, 16) + ")");
            }
        }
    }

    /** Mostly keys that exist, sometimes neighbours of them and keys outside the layer. */
    private static Key randomQueryKey(Random random, List<Key> keys) {
        Key existing = keys.get(random.nextInt(keys.size()));
        return switch (random.nextInt(6)) {
            case 0 -> existing.next();
            case 1 -> Key.MIN;
            case 2 -> new Key(random.nextLong(), random.nextLong(), random.nextInt(0x10000));
            default -> existing;
        };
    }

    /** LSNs inside the layer's range, at its edges, and the extremes of the unsigned range. */
    private static long randomQueryLsn(Random random) {
        return switch (random.nextInt(8)) {
            case 0 -> 0L;
            case 1 -> -1L;
            case 2 -> LSN_START.value();
            case 3 -> LSN_END.value();
            case 4 -> random.nextLong();
            default -> LSN_START.value() - 8 + random.nextInt((int) (LSN_END.value() - LSN_START.value()) + 16);
        };
    }

    @Test
    void collectAppendsNewestFirstAfterWhatIsAlreadyThere() throws IOException {
        Key key = Key.ofRelationPage(1663, 5, 16384, 0, 1);
        List<PageEntry> entries = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            entries.add(new PageEntry(key, LSN_START.plus(2L * i), new PageRecord.Append(new byte[] {(byte) i})));
        }
        WrittenLayer written = LayerTestData.writeDelta(directory, entries, LSN_START, LSN_END,
                new LayerWriteOptions(LayerWriteOptions.MIN_BLOCK_BYTES, false));
        try (LayerFile file = LayerFile.open(written.path(), new BlockCache(1 << 20))) {
            assertTrue(file.summary().blockCount() > 5, "the versions of the key span blocks");
            PageEntry marker = new PageEntry(Key.MIN, Lsn.of(1), new PageRecord.Init(0));
            List<PageEntry> out = new ArrayList<>(List.of(marker));
            // Floor and ceiling between stored LSNs: [LSN_START + 11, LSN_START + 41) holds 12..40 step 2.
            file.collect(key, LSN_START.value() + 11, LSN_START.value() + 41, out);
            List<PageEntry> expected = new ArrayList<>(List.of(marker));
            for (int i = 20; i >= 6; i--) {
                expected.add(entries.get(i));
            }
            assertEquals(expected, out);
        }
    }

    @Test
    void aMemoReadFindsWhatACachedReadFindsAndLeavesTheSharedCacheAlone(Random random) throws IOException {
        List<Key> keys = LayerTestData.randomKeys(random, 200);
        List<PageEntry> entries = LayerTestData.randomDeltaEntries(random, keys, LSN_START, LSN_END, 10, 200);
        WrittenLayer written = LayerTestData.writeDelta(directory, entries, LSN_START, LSN_END,
                new LayerWriteOptions(512, false));
        BlockCache cache = new BlockCache(1 << 20);
        try (LayerFile file = LayerFile.open(written.path(), cache)) {
            BlockMemo memo = new BlockMemo();
            List<Key> sorted = keys.stream().sorted().toList();
            List<Long> ceilings = new ArrayList<>();
            List<List<PageEntry>> viaMemo = new ArrayList<>();
            for (Key key : sorted) {
                long ceiling = randomQueryLsn(random);
                ceilings.add(ceiling);
                List<PageEntry> found = new ArrayList<>();
                file.collectForRead(key, 0, ceiling, found, memo);
                viaMemo.add(found);
                List<PageEntry> all = new ArrayList<>();
                file.collect(key, 0, ceiling, all, memo);
                assertEquals(LayerTestData.expectedCollect(entries, key, 0, ceiling), all, "collect with a memo, " + key);
            }
            assertEquals(0, cache.blockCount(), "reads through a memo add nothing to the shared cache");
            for (int i = 0; i < sorted.size(); i++) {
                List<PageEntry> viaCache = new ArrayList<>();
                file.collectForRead(sorted.get(i), 0, ceilings.get(i), viaCache);
                assertEquals(viaCache, viaMemo.get(i), "collectForRead(" + sorted.get(i) + ") with and without a memo");
            }
            assertTrue(cache.blockCount() > 0, "reads without a memo fill the shared cache");
        }
    }

    @Test
    void keysMatchBruteForce(Random random) throws IOException {
        List<Key> keys = LayerTestData.randomKeys(random, 400);
        List<PageEntry> entries = LayerTestData.randomDeltaEntries(random, keys, LSN_START, LSN_END, 6, 300);
        WrittenLayer written = LayerTestData.writeDelta(directory, entries, LSN_START, LSN_END,
                new LayerWriteOptions(256 + random.nextInt(2048), random.nextBoolean()));
        try (LayerFile file = LayerFile.open(written.path(), new BlockCache(random.nextInt(1 << 20)))) {
            for (int query = 0; query < 500; query++) {
                Key from = randomQueryKey(random, keys);
                Key to = random.nextInt(10) == 0 ? Key.MAX : randomQueryKey(random, keys);
                long ceiling = randomQueryLsn(random);
                Set<Key> expected = new TreeSet<>();
                for (PageEntry entry : entries) {
                    if (entry.key().compareTo(from) >= 0 && entry.key().compareTo(to) < 0
                            && Long.compareUnsigned(entry.lsn().value(), ceiling) < 0) {
                        expected.add(entry.key());
                    }
                }
                Set<Key> found = new TreeSet<>();
                file.keys(from, to, ceiling, found);
                assertEquals(expected, found, "keys(" + from + ", " + to + ", " + Long.toUnsignedString(ceiling, 16) + ")");
            }
        }
    }

    @Test
    void scanRangesMatchBruteForce(Random random) throws IOException {
        List<Key> keys = LayerTestData.randomKeys(random, 400);
        List<PageEntry> entries = LayerTestData.randomDeltaEntries(random, keys, LSN_START, LSN_END, 4, 300);
        WrittenLayer written = LayerTestData.writeDelta(directory, entries, LSN_START, LSN_END,
                new LayerWriteOptions(1024, random.nextBoolean()));
        try (LayerFile file = LayerFile.open(written.path(), new BlockCache(1 << 20))) {
            for (int query = 0; query < 300; query++) {
                Key from = randomQueryKey(random, keys);
                Key to = random.nextInt(10) == 0 ? Key.MAX : randomQueryKey(random, keys);
                List<PageEntry> expected = entries.stream()
                        .filter(entry -> entry.key().compareTo(from) >= 0 && entry.key().compareTo(to) < 0)
                        .toList();
                assertEquals(expected, LayerTestData.scan(file, from, to), "scan(" + from + ", " + to + ")");
            }
        }
    }

    @Test
    void cursorEntryNeedsASuccessfulNext(Random random) throws IOException {
        List<PageEntry> entries = LayerTestData.randomDeltaEntries(random, LayerTestData.randomKeys(random, 3),
                LSN_START, LSN_END, 1, 0);
        WrittenLayer written = LayerTestData.writeDelta(directory, entries, LSN_START, LSN_END, LayerWriteOptions.DEFAULT);
        try (LayerFile file = LayerFile.open(written.path(), new BlockCache(1 << 20));
             LayerCursor cursor = file.scan(Key.MIN, Key.MAX)) {
            assertThrows(IllegalStateException.class, cursor::entry);
            for (PageEntry entry : entries) {
                assertTrue(cursor.next());
                assertEquals(entry, cursor.entry());
            }
            assertFalse(cursor.next());
            assertThrows(IllegalStateException.class, cursor::entry);
            assertFalse(cursor.next(), "stays exhausted");
        }
    }

    @Test
    void concurrentReadersSeeConsistentResults(Random random) throws Exception {
        List<Key> keys = LayerTestData.randomKeys(random, 500);
        List<PageEntry> entries = LayerTestData.randomDeltaEntries(random, keys, LSN_START, LSN_END, 8, 0);
        WrittenLayer written = LayerTestData.writeDelta(directory, entries, LSN_START, LSN_END,
                new LayerWriteOptions(2048, true));
        // A cache smaller than the file, so readers race on misses, inserts and evictions.
        BlockCache cache = new BlockCache(written.fileSize() / 4);
        long threadSeed = random.nextLong();
        try (LayerFile file = LayerFile.open(written.path(), cache);
             ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> results = new ArrayList<>();
            for (int thread = 0; thread < 16; thread++) {
                Random threadRandom = new Random(threadSeed + thread);
                results.add(executor.submit(() -> {
                    for (int query = 0; query < 400; query++) {
                        Key key = keys.get(threadRandom.nextInt(keys.size()));
                        long floor = randomQueryLsn(threadRandom);
                        List<PageEntry> found = new ArrayList<>();
                        file.collect(key, floor, -1L, found);
                        assertEquals(LayerTestData.expectedCollect(entries, key, floor, -1L), found);
                    }
                    return null;
                }));
            }
            for (Future<?> result : results) {
                result.get();
            }
        }
        assertTrue(cache.sizeBytes() <= cache.capacityBytes());
    }

    @Test
    void interruptedReaderDoesNotBreakTheFileForOthers(Random random) throws IOException {
        List<PageEntry> entries = LayerTestData.randomDeltaEntries(random, LayerTestData.randomKeys(random, 10),
                LSN_START, LSN_END, 2, 0);
        WrittenLayer written = LayerTestData.writeDelta(directory, entries, LSN_START, LSN_END, LayerWriteOptions.DEFAULT);
        Key key = entries.getFirst().key();
        // No cache, so every lookup reads the shared channel, which an interrupt closes.
        try (LayerFile file = LayerFile.open(written.path(), new BlockCache(0))) {
            Thread.currentThread().interrupt();
            try {
                assertThrows(ClosedByInterruptException.class, () -> file.collect(key, 0L, -1L, new ArrayList<>()));
            } finally {
                Thread.interrupted();
            }
            List<PageEntry> found = new ArrayList<>();
            file.collect(key, 0L, -1L, found);
            assertEquals(LayerTestData.expectedCollect(entries, key, 0L, -1L), found);
        }
    }

    @Test
    void closedFileRejectsReads(Random random) throws IOException {
        List<PageEntry> entries = LayerTestData.randomDeltaEntries(random, LayerTestData.randomKeys(random, 10),
                LSN_START, LSN_END, 2, 0);
        WrittenLayer written = LayerTestData.writeDelta(directory, entries, LSN_START, LSN_END, LayerWriteOptions.DEFAULT);
        LayerFile file = LayerFile.open(written.path(), new BlockCache(1 << 20));
        file.close();
        file.close();
        assertThrows(ClosedChannelException.class,
                () -> file.collect(entries.getFirst().key(), 0L, -1L, new ArrayList<>()));
        assertThrows(ClosedChannelException.class, () -> file.scan(Key.MIN, Key.MAX));
        assertThrows(ClosedChannelException.class, file::verify);
    }
}

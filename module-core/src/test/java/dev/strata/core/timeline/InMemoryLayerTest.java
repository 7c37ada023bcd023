package dev.strata.core.timeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.api.PageRecordCodec;
import dev.strata.api.Generation;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.io.FileIo;
import dev.strata.core.layer.BlockCache;
import dev.strata.core.layer.LayerFile;
import dev.strata.core.layer.LayerWriteOptions;
import dev.strata.core.layer.LayerWriter;
import dev.strata.core.layer.WrittenLayer;
import dev.strata.core.page.PageEntry;
import dev.strata.core.testing.RandomSeed;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The in-memory layer's arena: what goes in comes out, across chunk boundaries and in every size. */
final class InMemoryLayerTest {
    @RegisterExtension
    static final RandomSeed SEED = new RandomSeed();

    @TempDir Path directory;

    @Test
    void aFlushOfTheEncodedRecordsWritesTheSameFileAsOneOfDecodedEntries(Random random) throws Exception {
        InMemoryLayer layer = new InMemoryLayer(Lsn.of(0x100));
        long lsn = 0x100;
        for (int i = 0; i < 2_000; i++) {
            PageRecord record = random.nextInt(4) == 0 ? new PageRecord.Image(bytes(random, 8192))
                    : new PageRecord.Overwrite(random.nextInt(8000), bytes(random, 1 + random.nextInt(150)));
            layer.put(Key.ofRelationPage(1663, 1, 1, 0, random.nextInt(300)), Lsn.of(lsn), record);
            lsn += 1 + random.nextInt(50);
        }
        layer.freeze(Lsn.of(lsn));
        LayerWriteOptions options = new LayerWriteOptions(4096, false);
        Path encodedDirectory = Files.createDirectories(directory.resolve("encoded"));
        Path decodedDirectory = Files.createDirectories(directory.resolve("decoded"));
        WrittenLayer encoded;
        try (LayerWriter writer = LayerWriter.delta(encodedDirectory, layer.lsnStart(), layer.lsnEnd(), Generation.of(1),
                options, FileIo.DEFAULT, Failpoints.disabled())) {
            layer.forEachEncoded(writer::addEncoded);
            encoded = writer.finish(Key.MIN, Key.MAX);
        }
        WrittenLayer decoded;
        try (LayerWriter writer = LayerWriter.delta(decodedDirectory, layer.lsnStart(), layer.lsnEnd(), Generation.of(1),
                options, FileIo.DEFAULT, Failpoints.disabled())) {
            for (PageEntry entry : layer.entriesInOrder()) {
                writer.add(entry);
            }
            decoded = writer.finish(Key.MIN, Key.MAX);
        }
        assertEquals(decoded.fileName(), encoded.fileName());
        assertEquals(-1, Files.mismatch(decoded.path(), encoded.path()), "the two flushes wrote the same bytes");
        try (LayerFile file = LayerFile.open(encoded.path(), new BlockCache(1 << 20))) {
            assertEquals(2_000, file.verify().entries());
        }
        // Encoded records are for delta layers, in order, inside the LSN range.
        try (LayerWriter writer = LayerWriter.delta(Files.createDirectories(directory.resolve("bad")), Lsn.of(0x100),
                Lsn.of(0x200), Generation.of(1), options, FileIo.DEFAULT, Failpoints.disabled())) {
            byte[] init = new byte[PageRecordCodec.encodedSize(new PageRecord.Init(8192))];
            PageRecordCodec.encode(new PageRecord.Init(8192), ByteBuffer.wrap(init));
            Key key = Key.ofRelationPage(1663, 1, 1, 0, 7);
            IllegalArgumentException outside = assertThrows(IllegalArgumentException.class,
                    () -> writer.addEncoded(key, Lsn.of(0x200), init, 0, init.length));
            assertTrue(outside.getMessage().contains("outside the delta's LSN range"), outside.getMessage());
        }
        try (LayerWriter writer = LayerWriter.delta(Files.createDirectories(directory.resolve("order")), Lsn.of(0x100),
                Lsn.of(0x200), Generation.of(1), options, FileIo.DEFAULT, Failpoints.disabled())) {
            byte[] init = new byte[PageRecordCodec.encodedSize(new PageRecord.Init(8192))];
            PageRecordCodec.encode(new PageRecord.Init(8192), ByteBuffer.wrap(init));
            Key key = Key.ofRelationPage(1663, 1, 1, 0, 7);
            writer.addEncoded(key, Lsn.of(0x150), init, 0, init.length);
            IllegalArgumentException order = assertThrows(IllegalArgumentException.class,
                    () -> writer.addEncoded(key, Lsn.of(0x140), init, 0, init.length));
            assertTrue(order.getMessage().contains("is not after the previous entry"), order.getMessage());
        }
        try (LayerWriter image = LayerWriter.image(Files.createDirectories(directory.resolve("image")), Lsn.of(0x100),
                Generation.of(1), options, FileIo.DEFAULT, Failpoints.disabled())) {
            assertThrows(IllegalStateException.class, () -> image.addEncoded(Key.MIN, Lsn.of(0x100), new byte[5], 0, 5));
        }
    }

    @Test
    void recordsOfEverySizeReadBackAcrossChunkBoundaries(Random random) {
        InMemoryLayer layer = new InMemoryLayer(Lsn.of(0x100));
        TreeMap<Key, TreeMap<Long, PageRecord>> model = new TreeMap<>();
        long lsn = 0x100;
        for (int i = 0; i < 3_000; i++) {
            Key key = Key.ofRelationPage(1663, 1, 1, 0, random.nextInt(200));
            PageRecord record = switch (random.nextInt(5)) {
                case 0 -> new PageRecord.Image(bytes(random, 8192));
                case 1 -> new PageRecord.Append(bytes(random, 1 + random.nextInt(300)));
                case 2 -> new PageRecord.Overwrite(random.nextInt(8000), bytes(random, 1 + random.nextInt(100)));
                case 3 -> new PageRecord.Init(8192);
                default -> i % 500 == 0 ? new PageRecord.Image(bytes(random, PageRecord.MAX_VALUE_BYTES))
                        : new PageRecord.Append(bytes(random, 1));
            };
            lsn += 1 + random.nextInt(100);
            layer.put(key, Lsn.of(lsn), record);
            model.computeIfAbsent(key, k -> new TreeMap<>()).put(lsn, record);
        }
        List<PageEntry> flushed = new ArrayList<>();
        layer.entriesInOrder().forEach(flushed::add);
        List<PageEntry> expected = new ArrayList<>();
        model.forEach((key, versions) -> versions.forEach((at, record) -> expected.add(new PageEntry(key, Lsn.of(at), record))));
        assertEquals(expected.size(), flushed.size());
        for (int i = 0; i < expected.size(); i++) {
            assertEntry(expected.get(i), flushed.get(i));
        }
        // A read stops at the newest record that initialises the page.
        for (Key key : model.keySet()) {
            List<PageEntry> read = new ArrayList<>();
            layer.collect(key, 0, lsn + 1, read);
            List<PageEntry> want = new ArrayList<>();
            for (var version : model.get(key).descendingMap().entrySet()) {
                want.add(new PageEntry(key, Lsn.of(version.getKey()), version.getValue()));
                if (version.getValue().initializes()) {
                    break;
                }
            }
            assertEquals(want.size(), read.size(), "versions read of " + key);
            for (int i = 0; i < want.size(); i++) {
                assertEntry(want.get(i), read.get(i));
            }
        }
    }

    @Test
    void readersConcurrentWithTheWriterSeeWholeRecordsInEveryNewChunk() throws Exception {
        InMemoryLayer layer = new InMemoryLayer(Lsn.of(0x100));
        int records = 20_000;
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong checked = new java.util.concurrent.atomic.AtomicLong();
        try (var executor = java.util.concurrent.Executors.newFixedThreadPool(3)) {
            List<java.util.concurrent.Future<?>> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                int seed = r;
                readers.add(executor.submit(() -> {
                    Random random = new Random(seed);
                    while (!done.get()) {
                        List<PageEntry> read = new ArrayList<>();
                        layer.collect(Key.ofRelationPage(1663, 1, 1, 0, random.nextInt(8)), 0, Long.MAX_VALUE, read);
                        long previous = Long.MAX_VALUE;
                        for (PageEntry entry : read) {
                            assertTrue(entry.lsn().value() < previous, "newest first");
                            previous = entry.lsn().value();
                            assertArrayEquals(derived(entry.lsn().value()),
                                    ((PageRecord.Overwrite) entry.record()).bytes(), "record at " + entry.lsn());
                        }
                        checked.addAndGet(read.size());
                    }
                    return null;
                }));
            }
            // Runs of one key (the writer's last-key shortcut) and switches between keys, in records of many sizes.
            for (int i = 0; i < records; i++) {
                long lsn = 0x101 + i;
                layer.put(Key.ofRelationPage(1663, 1, 1, 0, (i / 3) % 8), Lsn.of(lsn),
                        new PageRecord.Overwrite(0, derived(lsn)));
            }
            done.set(true);
            for (var reader : readers) {
                reader.get();
            }
        }
        assertTrue(checked.get() > 0, "the readers read records while the writer wrote");
        List<PageEntry> all = new ArrayList<>();
        layer.entriesInOrder().forEach(all::add);
        assertEquals(records, all.size());
        for (PageEntry entry : all) {
            assertArrayEquals(derived(entry.lsn().value()), ((PageRecord.Overwrite) entry.record()).bytes());
        }
    }

    @Test
    void readersFindEveryKeyTheWriterAddedWhileTheIndexGrows() throws Exception {
        InMemoryLayer layer = new InMemoryLayer(Lsn.of(0x100));
        int keys = 40_000;
        java.util.concurrent.atomic.AtomicInteger added = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicLong checked = new java.util.concurrent.atomic.AtomicLong();
        try (var executor = java.util.concurrent.Executors.newFixedThreadPool(2)) {
            List<java.util.concurrent.Future<?>> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                int seed = r;
                readers.add(executor.submit(() -> {
                    Random random = new Random(seed);
                    int seen;
                    while ((seen = added.get()) < keys) {
                        if (seen == 0) {
                            continue;
                        }
                        // Every key counted as added before this read must be found, whole.
                        int block = random.nextInt(seen);
                        List<PageEntry> read = new ArrayList<>();
                        layer.collect(Key.ofRelationPage(1663, 1, 1, 0, block), 0, Long.MAX_VALUE, read);
                        assertTrue(!read.isEmpty(), "key of block " + block + " added before the read");
                        for (PageEntry entry : read) {
                            assertArrayEquals(derived(entry.lsn().value()),
                                    ((PageRecord.Overwrite) entry.record()).bytes(), "record at " + entry.lsn());
                        }
                        // A key the writer may be adding right now: absent, or whole.
                        int racing = seen + random.nextInt(64);
                        read.clear();
                        layer.collect(Key.ofRelationPage(1663, 1, 1, 0, racing), 0, Long.MAX_VALUE, read);
                        for (PageEntry entry : read) {
                            assertArrayEquals(derived(entry.lsn().value()),
                                    ((PageRecord.Overwrite) entry.record()).bytes(), "record at " + entry.lsn());
                        }
                        checked.incrementAndGet();
                    }
                    return null;
                }));
            }
            long lsn = 0x101;
            for (int block = 0; block < keys; block++) {
                Key key = Key.ofRelationPage(1663, 1, 1, 0, block);
                layer.put(key, Lsn.of(lsn), new PageRecord.Overwrite(0, derived(lsn)));
                lsn++;
                layer.put(key, Lsn.of(lsn), new PageRecord.Overwrite(0, derived(lsn)));
                lsn++;
                added.set(block + 1);
            }
            for (var reader : readers) {
                reader.get();
            }
        }
        assertTrue(checked.get() > 0, "the readers read while the writer wrote");
        java.util.Set<Key> listed = new java.util.TreeSet<>();
        layer.keys(Key.ofRelationPage(1663, 1, 1, 0, 100), Key.ofRelationPage(1663, 1, 1, 0, 200), Long.MAX_VALUE,
                listed);
        assertEquals(100, listed.size());
        assertEquals(Key.ofRelationPage(1663, 1, 1, 0, 100), listed.iterator().next());
        listed.clear();
        layer.keys(Key.MIN, Key.MAX, 0x101 + 2 * 10, listed); // the first LSN of block 10 is 0x101 + 20
        assertEquals(10, listed.size(), "keys with a version below the ceiling");
        assertEquals(2 * keys, layer.entriesInOrder().size());
    }

    /** Bytes that a record's LSN determines, 1 to 300 of them. */
    private static byte[] derived(long lsn) {
        byte[] bytes = new byte[1 + (int) (lsn * 7919 % 300)];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (lsn * 31 + i);
        }
        return bytes;
    }

    @Test
    void aFrozenLayerRefusesWrites() {
        InMemoryLayer layer = new InMemoryLayer(Lsn.of(0x100));
        layer.put(Key.ofRelationPage(1663, 1, 1, 0, 1), Lsn.of(0x101), new PageRecord.Init(8192));
        layer.freeze(Lsn.of(0x102));
        assertThrows(IllegalStateException.class,
                () -> layer.put(Key.ofRelationPage(1663, 1, 1, 0, 1), Lsn.of(0x103), new PageRecord.Init(8192)));
    }

    @Test
    void aKeysLsnsOnlyGrow() {
        InMemoryLayer layer = new InMemoryLayer(Lsn.of(0x100));
        Key key = Key.ofRelationPage(1663, 1, 1, 0, 1);
        layer.put(key, Lsn.of(0x110), new PageRecord.Init(8192));
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> layer.put(key, Lsn.of(0x110), new PageRecord.Init(8192)));
        assertTrue(refused.getMessage().contains("0/110"), refused.getMessage());
        layer.put(Key.ofRelationPage(1663, 1, 1, 0, 2), Lsn.of(0x105), new PageRecord.Init(8192)); // another key: fine
    }

    private static void assertEntry(PageEntry expected, PageEntry actual) {
        assertEquals(expected.key(), actual.key());
        assertEquals(expected.lsn(), actual.lsn());
        assertEquals(expected.record().getClass(), actual.record().getClass(), "record kind at " + expected.lsn());
        assertArrayEquals(encode(expected.record()), encode(actual.record()), "record bytes at " + expected.lsn());
    }

    private static byte[] encode(PageRecord record) {
        ByteBuffer out = ByteBuffer.allocate(PageRecordCodec.encodedSize(record));
        PageRecordCodec.encode(record, out);
        return out.array();
    }

    private static byte[] bytes(Random random, int size) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return bytes;
    }
}

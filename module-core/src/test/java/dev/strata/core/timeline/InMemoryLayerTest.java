package dev.strata.core.timeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.api.PageRecordCodec;
import dev.strata.core.page.PageEntry;
import dev.strata.core.testing.RandomSeed;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The in-memory layer's arena: what goes in comes out, across chunk boundaries and in every size. */
final class InMemoryLayerTest {
    @RegisterExtension
    static final RandomSeed SEED = new RandomSeed();

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

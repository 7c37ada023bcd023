package dev.strata.core.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.strata.api.Generation;
import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.io.FileIo;
import dev.strata.core.page.PageEntry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The read path's collect stops at the newest initialising record and decodes nothing older. */
class LayerCollectForReadTest {
    @TempDir Path directory;

    @Test
    void stopsAtTheNewestImageAcrossBlocks() throws Exception {
        Key key = Key.ofRelationPage(1, 2, 3, 0, 4);
        List<PageEntry> written = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            PageRecord record = i % 50 == 0 ? new PageRecord.Image(new byte[300]) : new PageRecord.Append(new byte[] {(byte) i});
            written.add(new PageEntry(key, Lsn.of(100 + i), record));
        }
        WrittenLayer layer;
        try (LayerWriter writer = LayerWriter.delta(directory, Lsn.of(100), Lsn.of(400), Generation.of(1),
                new LayerWriteOptions(1024, false), FileIo.DEFAULT, Failpoints.disabled())) {
            for (PageEntry entry : written) {
                writer.add(entry);
            }
            layer = writer.finish(key, key.next());
        }
        try (LayerFile file = LayerFile.open(layer.path(), new BlockCache(1 << 20))) {
            List<PageEntry> all = new ArrayList<>();
            file.collect(key, 0, 280, all);
            assertEquals(180, all.size(), "collect returns every version below the ceiling");
            List<PageEntry> forRead = new ArrayList<>();
            file.collectForRead(key, 0, 280, forRead);
            assertEquals(30, forRead.size(), "LSNs 279 down to the image at 250");
            assertEquals(Lsn.of(279), forRead.getFirst().lsn());
            assertEquals(Lsn.of(250), forRead.getLast().lsn());
            assertEquals(all.subList(0, 30), forRead);
        }
    }

    @Test
    void readsNoBlockOlderThanTheOneHoldingTheImage() throws Exception {
        Key key = Key.ofRelationPage(1, 2, 3, 0, 4);
        WrittenLayer layer;
        // Ten images of 600 bytes in blocks of 1 KiB: one image per block.
        try (LayerWriter writer = LayerWriter.delta(directory, Lsn.of(100), Lsn.of(200), Generation.of(1),
                new LayerWriteOptions(1024, false), FileIo.DEFAULT, Failpoints.disabled())) {
            for (int i = 0; i < 10; i++) {
                byte[] page = new byte[600];
                page[0] = (byte) i;
                writer.add(new PageEntry(key, Lsn.of(100 + i), new PageRecord.Image(page)));
            }
            layer = writer.finish(key, key.next());
        }
        BlockCache cache = new BlockCache(1 << 20);
        try (LayerFile file = LayerFile.open(layer.path(), cache)) {
            assertEquals(10, file.summary().blockCount());
            List<PageEntry> forRead = new ArrayList<>();
            file.collectForRead(key, 0, 106, forRead);
            assertEquals(1, forRead.size());
            assertEquals(5, ((PageRecord.Image) forRead.getFirst().record()).page()[0]);
            assertEquals(1, cache.misses() + cache.hits(), "only the block of version 5 was read");
            assertEquals(1, cache.blockCount());
        }
    }
}

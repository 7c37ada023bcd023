package dev.strata.core.timeline;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Generation;
import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.io.FileIo;
import dev.strata.core.layer.BlockCache;
import dev.strata.core.layer.LayerFile;
import dev.strata.core.layer.LayerWriteOptions;
import dev.strata.core.layer.LayerWriter;
import dev.strata.core.layer.WrittenLayer;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Leases taken on different threads keep a layer's file open through eviction and retirement. */
final class PersistentLayerLeaseTest {
    @TempDir
    Path directory;

    private PersistentLayer residentLayer() throws IOException {
        WrittenLayer written;
        try (LayerWriter writer = LayerWriter.delta(directory, Lsn.of(0x100), Lsn.of(0x200), Generation.NONE,
                LayerWriteOptions.DEFAULT, FileIo.DEFAULT, Failpoints.disabled())) {
            written = writer.finish(Key.MIN, Key.MAX);
        }
        BlockCache cache = new BlockCache(1 << 20);
        LayerFile file = LayerFile.open(written.path(), cache);
        return PersistentLayer.resident(written.fileName(), written.fileSize(), file, written.path(), cache,
                (layer, size) -> {
                    throw new IOException("no remote copy in this test");
                });
    }

    @Test
    void evictionWaitsForLeasesHeldOnSeveralThreads() throws Exception {
        PersistentLayer layer = residentLayer();
        Path path = directory.resolve(layer.fileName().localFileName());
        try (ExecutorService other = Executors.newSingleThreadExecutor()) {
            PersistentLayer.Lease mine = layer.acquire();
            Future<PersistentLayer.Lease> theirs = other.submit(layer::acquire);
            PersistentLayer.Lease second = theirs.get();
            assertFalse(layer.tryEvict(), "two leases are held");
            mine.close();
            assertFalse(layer.tryEvict(), "the other thread's lease is still held");
            assertTrue(Files.exists(path));
            assertDoesNotThrow(() -> second.file().verify(), "the leased file stays open");
            other.submit(second::close).get();
        }
        assertTrue(layer.tryEvict(), "no lease is held any more");
        assertFalse(layer.isResident());
        assertFalse(Files.exists(path), "eviction removes the local file");
    }

    @Test
    void aRetiredLayerClosesItsFileWhenTheLastLeaseIsGivenBack() throws Exception {
        PersistentLayer layer = residentLayer();
        PersistentLayer.Lease lease;
        try (ExecutorService other = Executors.newSingleThreadExecutor()) {
            lease = other.submit(layer::acquire).get();
        }
        layer.retire();
        assertThrows(PersistentLayer.Retired.class, layer::acquire, "a retired layer grants no new lease");
        assertDoesNotThrow(() -> lease.file().verify(), "retirement does not close a file under a lease");
        lease.close();
        assertFalse(layer.isResident(), "the last lease given back closed the file");
        assertThrows(ClosedChannelException.class, () -> lease.file().verify());
    }
}

package dev.strata.core.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.core.io.FileIo;
import dev.strata.core.page.PageWrite;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.FutureTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A long pass over a timeline's layer files (the key listing of an image pass reads every block) does not keep
 * an in-memory layer that is flushed meanwhile reachable: on a node it holds up to {@code checkpoint_distance}
 * bytes, beyond what the in-memory budget counts once the flush is done.
 */
final class LayerMapRetentionTest {
    @TempDir
    Path workdir;

    @Test
    void aKeyListingDoesNotKeepAnInMemoryLayerFlushedWhileItRuns() throws Exception {
        TimelineSettings settings = EngineFixture.SMALL.withCheckpointDistance(64L << 20);
        try (EngineFixture fixture = new EngineFixture(workdir, settings, FileIo.DEFAULT, false)) {
            Timeline timeline = fixture.main();
            timeline.ingest(images(0, 32, 1));
            timeline.checkpoint(); // one persistent layer for the listing to pause at
            timeline.ingest(images(32, 64, 2));
            WeakReference<InMemoryLayer> open = new WeakReference<>(timeline.layers().open());
            assertNotNull(open.get());
            Lsn at = timeline.lastRecordLsn();

            fixture.failpoints.configure(ReadPath.FAILPOINT_KEYS_BEFORE_LAYER, "pause");
            FutureTask<Set<Key>> listing = new FutureTask<>(() -> timeline.keysAt(Key.MIN, Key.MAX, at));
            Thread lister = Thread.ofPlatform().name("key-listing").start(listing);
            awaitPaused(lister);
            timeline.checkpoint();
            assertTrue(timeline.layers().inMemoryNewestFirst().isEmpty(), "the layer was flushed");
            for (int i = 0; i < 20 && open.get() != null; i++) {
                System.gc();
                Thread.sleep(20);
            }
            assertNull(open.get(), "the paused listing keeps the flushed in-memory layer reachable");
            fixture.failpoints.configure(ReadPath.FAILPOINT_KEYS_BEFORE_LAYER, "off");
            assertEquals(64, listing.get().size(), "the listing saw the keys of both ingests");
        }
    }

    /** Waits until {@code lister} is paused at the failpoint. */
    private static void awaitPaused(Thread lister) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (StackTraceElement frame : lister.getStackTrace()) {
                if (frame.getClassName().endsWith(".Failpoints")) {
                    return;
                }
            }
            Thread.sleep(5);
        }
        throw new AssertionError("the listing did not pause at its first persistent layer");
    }

    private static List<PageWrite> images(int from, int to, int fill) {
        List<PageWrite> batch = new ArrayList<>();
        for (int page = from; page < to; page++) {
            byte[] bytes = new byte[8192];
            java.util.Arrays.fill(bytes, (byte) (page + fill));
            batch.add(new PageWrite(Key.ofRelationPage(1663, 1, 1, 0, page), new PageRecord.Image(bytes)));
        }
        return batch;
    }
}

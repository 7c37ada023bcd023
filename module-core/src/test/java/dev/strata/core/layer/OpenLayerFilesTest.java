package dev.strata.core.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
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

/**
 * The bound on open layer files: with more files than the limit, reads from several threads still return
 * every entry, while no more than the limit hold a file descriptor (channels closed under a reader reopen).
 */
class OpenLayerFilesTest {
    @RegisterExtension
    static final RandomSeed SEED = new RandomSeed();

    @TempDir
    Path directory;

    @Test
    void readsStayCorrectWhileAtMostTheLimitOfFilesIsOpen(Random random) throws Exception {
        // No block cache: every read goes to disk, so channels are used, released and reopened all the time.
        BlockCache cache = new BlockCache(0, 3);
        List<Key> keys = LayerTestData.randomKeys(random, 40);
        List<LayerFile> files = new ArrayList<>();
        List<List<PageEntry>> contents = new ArrayList<>();
        try {
            for (int i = 0; i < 12; i++) {
                Lsn start = Lsn.of(0x100_0000L + i * 1000L);
                List<PageEntry> entries = LayerTestData.randomDeltaEntries(random, keys, start, start.plus(1000), 3, 0);
                WrittenLayer written = LayerTestData.writeDelta(directory, entries, start, start.plus(1000),
                        LayerWriteOptions.DEFAULT);
                files.add(LayerFile.open(written.path(), cache));
                contents.add(entries);
                assertTrue(cache.openFiles().openCount() <= 3, "open files: " + cache.openFiles().openCount());
            }
            try (ExecutorService readers = Executors.newFixedThreadPool(4)) {
                List<Future<?>> done = new ArrayList<>();
                for (int thread = 0; thread < 4; thread++) {
                    long seed = random.nextLong();
                    done.add(readers.submit(() -> {
                        Random local = new Random(seed);
                        for (int round = 0; round < 60; round++) {
                            int n = local.nextInt(files.size());
                            assertEquals(contents.get(n), LayerTestData.scanAll(files.get(n)), "layer " + n);
                            assertTrue(cache.openFiles().openCount() <= 3);
                        }
                        return null;
                    }));
                }
                for (Future<?> future : done) {
                    future.get();
                }
            }
            long descriptors = countOpenDescriptorsUnder(directory);
            assertTrue(descriptors <= 3, descriptors + " descriptors open on layer files, limit 3");
        } finally {
            for (LayerFile file : files) {
                file.close();
            }
        }
        assertEquals(0, cache.openFiles().openCount(), "closed files leave the count");
        assertEquals(0, countOpenDescriptorsUnder(directory));
    }

    /** Counts this process's file descriptors on files under {@code root}, through /proc/self/fd. */
    private static long countOpenDescriptorsUnder(Path root) throws IOException {
        Path realRoot = root.toRealPath();
        long count = 0;
        try (var descriptors = Files.list(Path.of("/proc/self/fd"))) {
            for (Path descriptor : descriptors.toList()) {
                try {
                    if (Files.readSymbolicLink(descriptor).startsWith(realRoot)) {
                        count++;
                    }
                } catch (IOException e) {
                    // The descriptor closed while we looked.
                }
            }
        }
        return count;
    }
}

package dev.strata.benchmarks;

import dev.strata.api.Key;
import dev.strata.api.PageRecord;
import dev.strata.core.page.PageWrite;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Page keys and contents for the workloads. Contents come from a fixed pool of random (incompressible) pages
 * so that generating a batch costs little next to writing it; both stores get identical batches. Every write
 * gets its own copy of the pooled bytes, as writes decoded from requests have: a store that keeps records in
 * memory (Strata's in-memory layers) then holds real bytes, and the heap rows measure them, not 257 shared
 * arrays.
 */
final class Pages {
    static final int PAGE_BYTES = 8192;
    static final int DELTA_BYTES = 100;
    private static final int POOL = 257;

    private final byte[][] images = new byte[POOL][];
    private final byte[][] deltas = new byte[POOL][];

    Pages(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < POOL; i++) {
            images[i] = new byte[PAGE_BYTES];
            random.nextBytes(images[i]);
            deltas[i] = new byte[DELTA_BYTES];
            random.nextBytes(deltas[i]);
        }
    }

    /** The key of page {@code page}: block {@code page} of one relation. */
    static Key key(int page) {
        return Key.ofRelationPage(1663, 5, 16384, 0, page);
    }

    PageWrite image(int page, long version) {
        return new PageWrite(key(page), new PageRecord.Image(images[(int) Math.floorMod(page * 31L + version, POOL)].clone()));
    }

    PageWrite delta(int page, long sequence) {
        int offset = (int) Math.floorMod(sequence * 97L, PAGE_BYTES - DELTA_BYTES);
        return new PageWrite(key(page), new PageRecord.Overwrite(offset, deltas[(int) Math.floorMod(sequence, POOL)].clone()));
    }

    /** Images of pages {@code first, first+1, …} (wrapping at {@code pages}), version {@code version}. */
    List<PageWrite> sequentialImages(long first, int count, int pages, long version) {
        List<PageWrite> batch = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            batch.add(image((int) ((first + i) % pages), version));
        }
        return batch;
    }
}

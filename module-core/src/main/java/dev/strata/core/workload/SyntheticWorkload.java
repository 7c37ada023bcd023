package dev.strata.core.workload;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.core.page.PageWrite;
import dev.strata.core.page.Redo;
import dev.strata.core.wal.Wal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A seeded, deterministic ingest workload: batch {@code i} depends only on the parameters and {@code i}, so
 * a verifier (or a writer resuming after a crash) can re-derive every batch, the LSN each one ends at, and
 * the expected page contents at every batch boundary.
 *
 * <p>Each write picks a page uniformly; with probability {@code 1 - deltaShare} it writes a full image of
 * {@code pageSize} random bytes, otherwise it overwrites 32 bytes at a random offset.
 */
public final class SyntheticWorkload {
    /** Bytes changed by one delta record. */
    public static final int DELTA_BYTES = 32;

    /**
     * @param seed the seed every batch derives from
     * @param pageSize bytes in a page image
     * @param pages number of distinct pages written
     * @param batchSize writes per batch
     * @param deltaShare share of writes that are deltas rather than images, 0 to 1
     */
    public record Parameters(long seed, int pageSize, int pages, int batchSize, double deltaShare) {
        public Parameters {
            if (pageSize < DELTA_BYTES || pageSize > PageRecord.MAX_VALUE_BYTES) {
                throw new IllegalArgumentException("page size must be between " + DELTA_BYTES + " and "
                        + PageRecord.MAX_VALUE_BYTES + ", got " + pageSize);
            }
            if (pages < 1) {
                throw new IllegalArgumentException("pages must be at least 1, got " + pages);
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
            }
            if (!(deltaShare >= 0 && deltaShare <= 1)) {
                throw new IllegalArgumentException("delta share must be between 0 and 1, got " + deltaShare);
            }
        }
    }

    private final Parameters parameters;

    public SyntheticWorkload(Parameters parameters) {
        this.parameters = Objects.requireNonNull(parameters, "parameters is null");
    }

    public Parameters parameters() {
        return parameters;
    }

    /** The key of page {@code page}: a relation page of one synthetic relation. */
    public static Key pageKey(int page) {
        return Key.ofRelationPage(1663, 5, 16384, 0, page);
    }

    /** Batch number {@code index}. */
    public List<PageWrite> batch(long index) {
        SplittableRandom random = new SplittableRandom(parameters.seed() * 0x9E3779B97F4A7C15L + index);
        List<PageWrite> writes = new ArrayList<>(parameters.batchSize());
        for (int i = 0; i < parameters.batchSize(); i++) {
            Key key = pageKey(random.nextInt(parameters.pages()));
            PageRecord record;
            if (random.nextDouble() < parameters.deltaShare()) {
                byte[] bytes = new byte[DELTA_BYTES];
                fill(random, bytes);
                record = new PageRecord.Overwrite(random.nextInt(parameters.pageSize() - DELTA_BYTES + 1), bytes);
            } else {
                byte[] page = new byte[parameters.pageSize()];
                fill(random, page);
                record = new PageRecord.Image(page);
            }
            writes.add(new PageWrite(key, record));
        }
        return writes;
    }

    private static void fill(SplittableRandom random, byte[] bytes) {
        int i = 0;
        while (i + 8 <= bytes.length) {
            long value = random.nextLong();
            for (int b = 0; b < 8; b++) {
                bytes[i++] = (byte) (value >>> (8 * b));
            }
        }
        while (i < bytes.length) {
            bytes[i++] = (byte) random.nextInt();
        }
    }

    /**
     * Replays the workload in memory from {@code startLsn}: the model of every page after each batch, and the
     * LSN each batch ends at (LSNs advance by exactly the WAL frame size of each batch).
     */
    public final class Model {
        private final Redo redo = new Redo(List.of());
        private final Map<Key, byte[]> pages = new HashMap<>();
        private long batches;
        private Lsn endLsn;

        public Model(Lsn startLsn) {
            this.endLsn = startLsn;
        }

        /**
         * Starts from the pages and end LSN of {@code base} (a model of another workload, typically the parent
         * timeline's at a branch point) and applies this workload's batches on top, counting from batch 0.
         */
        public Model(Model base) {
            Objects.requireNonNull(base, "base is null");
            this.endLsn = base.endLsn;
            this.pages.putAll(base.pages);
        }

        /** Applies the next batch and returns the LSN it ends at. */
        public Lsn advance() {
            return advance(write -> { });
        }

        /** Applies the next batch, passing each page it changed (after the change) to {@code changed}. */
        public Lsn advance(java.util.function.Consumer<Key> changed) {
            List<PageWrite> batch = batch(batches);
            for (PageWrite write : batch) {
                pages.put(write.key(), redo.apply(pages.get(write.key()), write.record()));
            }
            batches++;
            endLsn = endLsn.plus(Wal.frameBytes(batch));
            for (PageWrite write : batch) {
                changed.accept(write.key());
            }
            return endLsn;
        }

        public long batches() {
            return batches;
        }

        public Lsn endLsn() {
            return endLsn;
        }

        /** The expected page, or null if never written. */
        public byte[] page(Key key) {
            return pages.get(key);
        }
    }
}

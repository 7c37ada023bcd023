package dev.strata.benchmarks;

import dev.strata.api.Key;
import dev.strata.core.page.PageWrite;
import java.io.IOException;
import java.util.List;

/**
 * The operations every workload drives, implemented once over Strata and once over the RocksDB peer, so the
 * two sides run the same driver code. LSNs are each store's own: a workload remembers the LSN each store
 * returned for a batch and reads the same logical version from both.
 */
interface VersionedStore extends AutoCloseable {
    /** Short name for reports: "Strata" or "RocksDB". */
    String name();

    /** Appends one batch, durable when this returns (as configured), and returns its commit LSN. */
    long ingest(List<PageWrite> batch) throws IOException;

    /** The page as of {@code lsn}: the newest image at or below it; null when there is none. */
    byte[] get(Key key, long lsn) throws IOException;

    /** The newest LSN a read may ask for. */
    long lastLsn();

    /** Moves everything written so far out of memory (Strata: checkpoint; RocksDB: flush memtables). */
    void flush() throws IOException;

    /**
     * Flushes, then waits until background compaction has nothing left to do (Strata: {@code compact()} now,
     * which also waits for a running background pass; RocksDB: until no compaction is pending or running), so
     * that reads measure a settled store, not one busy with the writes just made.
     */
    void settle() throws IOException;

    /** A child that sees this store up to {@code lsn} and its own writes after it. */
    VersionedStore branch(long lsn) throws IOException;

    @Override
    void close() throws IOException;
}

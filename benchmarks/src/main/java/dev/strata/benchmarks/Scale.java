package dev.strata.benchmarks;

/**
 * Sizes of one run. {@code --quick} is meant to finish in under three minutes on an unloaded 2-core machine;
 * {@code --full} writes what the targets ask for (at least 8 GiB of images so that compaction runs).
 *
 * @param imageIngestBytes      bytes of 8 KiB images each store ingests in workload 1
 * @param diskBaselineBytes     bytes the disk baseline writes with the same write+force pattern
 * @param deltaIngestBytes      bytes of 100-byte delta records each store ingests per key order in workload 2
 * @param readPages             distinct pages loaded for workload 3 (8 KiB each)
 * @param historyPages          pages written ten times each for workload 4
 * @param compactionBytes       bytes of images ingested as L0 layers before workload 5 compacts them
 * @param readSeconds           seconds each read measurement runs
 * @param checkpointDistance    Strata's checkpoint distance (smaller than the default in quick runs so
 *                              that layers and compactions happen at small sizes)
 * @param blockCacheBytes       block cache of both stores
 * @param startupTenants        tenants (one timeline each) in the work directory workload 7 restarts
 * @param remoteBytes           bytes of 8 KiB images each upload round of workload 6 writes; the last round's
 *                              timeline is the one attached (the target asks for at least 1 GiB)
 */
record Scale(String name, long imageIngestBytes, long diskBaselineBytes, long deltaIngestBytes, int readPages,
             int historyPages, long compactionBytes, double readSeconds, long checkpointDistance,
             long blockCacheBytes, int startupTenants, long remoteBytes) {
    // Quick sizes are half of what they were until the whole run, on a 2-core machine other builds were
    // loading, took more than three minutes; the checkpoint distance is halved with them so that ingest and
    // compaction still see as many layers.
    static final Scale QUICK = new Scale("quick", 128L << 20, 64L << 20, 12L << 20, 8_192, 2_048, 96L << 20,
            1.0, 16L << 20, 256L << 20, 500, 32L << 20);
    // Full delta ingest writes 512 MiB per store and key order: with 128 MiB each side ran in rounds of about 0.6 s,
    // and the ratio moved from 1.1x to 2.2x between runs.
    static final Scale FULL = new Scale("full", 8L << 30, 2L << 30, 512L << 20, 32_768, 8_192, 1L << 30,
            8.0, 256L << 20, 384L << 20, 10_000, 1L << 30);

    /** These sizes with another tenant count for workload 7 ({@code --tenants N}). */
    Scale withStartupTenants(int tenants) {
        if (tenants < 1) {
            throw new IllegalArgumentException("--tenants must be at least 1, got " + tenants);
        }
        return new Scale(name, imageIngestBytes, diskBaselineBytes, deltaIngestBytes, readPages, historyPages,
                compactionBytes, readSeconds, checkpointDistance, blockCacheBytes, tenants, remoteBytes);
    }
}

package dev.strata.core.cli;

import dev.strata.core.workload.SyntheticWorkload;
import picocli.CommandLine.Option;

/** The parameters of the seeded synthetic workload, shared by {@code ingest} and {@code verify}. */
final class WorkloadFlags {
    @Option(names = "--seed", description = "Workload seed (default: ${DEFAULT-VALUE}).", defaultValue = "1")
    long seed;

    @Option(names = "--page-size", description = "Bytes per page image (default: ${DEFAULT-VALUE}).", defaultValue = "8192")
    int pageSize;

    @Option(names = "--pages", description = "Distinct pages written (default: ${DEFAULT-VALUE}).", defaultValue = "1024")
    int pages;

    @Option(names = "--batch-size", description = "Writes per batch (default: ${DEFAULT-VALUE}).", defaultValue = "64")
    int batchSize;

    @Option(names = "--delta-share", description = "Share of writes that are deltas, 0 to 1 (default: ${DEFAULT-VALUE}).",
            defaultValue = "0.5")
    double deltaShare;

    SyntheticWorkload workload() {
        return new SyntheticWorkload(new SyntheticWorkload.Parameters(seed, pageSize, pages, batchSize, deltaShare));
    }
}

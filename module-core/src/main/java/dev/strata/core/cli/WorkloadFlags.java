package dev.strata.core.cli;

import dev.strata.api.TimelineId;
import dev.strata.core.workload.SyntheticWorkload;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
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

    @Option(names = "--branch-every", description = "Every N batches of the root timeline, branch it at the last batch"
            + " and from then on also write to the newest branch; 0 never branches (default: ${DEFAULT-VALUE}).",
            defaultValue = "0")
    int branchEvery;

    SyntheticWorkload workload() {
        return new SyntheticWorkload(new SyntheticWorkload.Parameters(seed, pageSize, pages, batchSize, deltaShare));
    }

    /** The number of branches a root timeline holding {@code rootBatches} batches has (0 when not branching). */
    long branches(long rootBatches) {
        if (branchEvery < 0) {
            throw new IllegalArgumentException("invalid --branch-every " + branchEvery + ": must not be negative");
        }
        return branchEvery == 0 ? 0 : rootBatches / branchEvery;
    }

    /** The workload written to branch {@code number} (counting from 1): the same shape under a derived seed. */
    SyntheticWorkload branchWorkload(long number) {
        long branchSeed = seed * 0xC2B2AE3D27D4EB4FL + number * 0x165667B19E3779F9L;
        return new SyntheticWorkload(new SyntheticWorkload.Parameters(branchSeed, pageSize, pages, batchSize, deltaShare));
    }

    /** The id of branch {@code number} (counting from 1) of {@code root}: derived, so a restart finds it again. */
    static TimelineId branchId(TimelineId root, long number) {
        UUID uuid = UUID.nameUUIDFromBytes((root.hex() + "/branch/" + number).getBytes(StandardCharsets.UTF_8));
        return new TimelineId(uuid.toString().replace("-", ""));
    }
}

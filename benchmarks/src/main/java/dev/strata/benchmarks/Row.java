package dev.strata.benchmarks;

import static java.util.Objects.requireNonNull;

/**
 * One line of the report and one element of {@code results.json}'s {@code workloads}. A workload may give
 * several rows (image ingest against RocksDB and against the disk; reads with 1 and 2 threads); the unit and
 * target say which. A workload that cannot run yet has null figures and {@code met} null.
 *
 * @param name     one of the workload names ({@code image-ingest}, …)
 * @param strata   Strata's figure
 * @param baseline the baseline's figure, measured in the same run
 * @param ratio    strata / baseline, or baseline / strata when lower is better (latency, amplification),
 *                 so that a larger ratio is always better
 * @param unit     what the figures count, and what the baseline is
 * @param target   the target for this ratio, in words
 * @param met      whether the target is met
 * @param note     free text for the report (not in results.json's schema)
 */
record Row(String name, Double strata, Double baseline, Double ratio, String unit, String target, Boolean met,
           String note) {
    Row {
        requireNonNull(name, "name is null");
        requireNonNull(unit, "unit is null");
        requireNonNull(target, "target is null");
        requireNonNull(note, "note is null");
    }

    /** Higher is better: ratio = strata / baseline, met when ratio ≥ minimum. */
    static Row atLeast(String name, double strata, double baseline, String unit, double minimum, String target, String note) {
        double ratio = strata / baseline;
        return new Row(name, strata, baseline, ratio, unit, target, ratio >= minimum, note);
    }

    /** Lower is better: ratio = baseline / strata, met when ratio ≥ minimum. */
    static Row atMost(String name, double strata, double baseline, String unit, double minimum, String target, String note) {
        double ratio = baseline / strata;
        return new Row(name, strata, baseline, ratio, unit, target, ratio >= minimum, note);
    }

    static Row notAvailable(String name, String target, String reason) {
        return new Row(name, null, null, null, "n/a", target, null, "not available yet: " + reason);
    }
}

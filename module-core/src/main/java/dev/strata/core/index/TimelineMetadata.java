package dev.strata.core.index;

import dev.strata.api.Lsn;
import dev.strata.api.TimelineId;
import java.util.Objects;

/**
 * The metadata object of an index: where the timeline stands and where it branched from.
 *
 * @param ancestorTimeline null for a root timeline
 * @param prevRecordLsn null when unknown
 */
public record TimelineMetadata(Lsn diskConsistentLsn, Lsn prevRecordLsn, TimelineId ancestorTimeline, Lsn ancestorLsn,
                               Lsn latestGcCutoffLsn, Lsn initdbLsn, int pgVersion) {
    public TimelineMetadata {
        Objects.requireNonNull(diskConsistentLsn, "diskConsistentLsn is null");
        Objects.requireNonNull(ancestorLsn, "ancestorLsn is null");
        Objects.requireNonNull(latestGcCutoffLsn, "latestGcCutoffLsn is null");
        Objects.requireNonNull(initdbLsn, "initdbLsn is null");
    }

    public TimelineMetadata withDiskConsistentLsn(Lsn lsn) {
        return new TimelineMetadata(lsn, prevRecordLsn, ancestorTimeline, ancestorLsn, latestGcCutoffLsn, initdbLsn, pgVersion);
    }

    public TimelineMetadata withGcCutoff(Lsn lsn) {
        return new TimelineMetadata(diskConsistentLsn, prevRecordLsn, ancestorTimeline, ancestorLsn, lsn, initdbLsn, pgVersion);
    }
}

package dev.strata.core.metrics;

import dev.strata.api.Lsn;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import java.util.Objects;

/**
 * The LSNs of one timeline at a scrape.
 *
 * @param lastRecord the newest record ingested
 * @param diskConsistent everything up to here is in layer files
 * @param remoteProjected the disk-consistent LSN of the last index uploaded ({@link Lsn#INVALID} without remote storage)
 * @param remoteVisible the remote-consistent LSN the control plane confirmed ({@link Lsn#INVALID} without remote storage)
 */
public record TimelineLsns(TenantId tenant, TimelineId timeline, Lsn lastRecord, Lsn diskConsistent,
                           Lsn remoteProjected, Lsn remoteVisible) {
    public TimelineLsns {
        Objects.requireNonNull(tenant, "tenant is null");
        Objects.requireNonNull(timeline, "timeline is null");
        Objects.requireNonNull(lastRecord, "lastRecord is null");
        Objects.requireNonNull(diskConsistent, "diskConsistent is null");
        Objects.requireNonNull(remoteProjected, "remoteProjected is null");
        Objects.requireNonNull(remoteVisible, "remoteVisible is null");
    }
}

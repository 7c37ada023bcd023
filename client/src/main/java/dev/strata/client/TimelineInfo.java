package dev.strata.client;

import dev.strata.api.Lsn;
import dev.strata.api.TimelineId;

/**
 * A timeline as the node reports it.
 *
 * @param ancestor null for a root timeline
 * @param remoteConsistentLsnProjected the LSN the last uploaded index covers
 * @param remoteConsistentLsnVisible the projected LSN once the control plane confirmed the generation
 */
public record TimelineInfo(TimelineId id, TimelineId ancestor, Lsn ancestorLsn, Lsn lastRecordLsn,
                           Lsn diskConsistentLsn, Lsn remoteConsistentLsnProjected, Lsn remoteConsistentLsnVisible,
                           Lsn gcCutoffLsn, int layers, long layerBytes, String state) {}

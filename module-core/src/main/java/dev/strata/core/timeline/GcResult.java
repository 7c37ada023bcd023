package dev.strata.core.timeline;

import dev.strata.api.Lsn;

/** What one GC pass did: the cutoff it used and the layers it removed and kept. */
public record GcResult(Lsn cutoff, int layersRemoved, int layersKept) {}

package dev.strata.client;

import dev.strata.api.TenantId;
import java.util.Objects;

/**
 * A tenant's state and, while it attaches from remote storage, how far it got
 * ({@code GET /v1/tenant/{id}/attach_progress}).
 *
 * @param attaching         true while the node reports the counts below (an attach from remote storage runs)
 * @param timelinesTotal    timelines to load; -1 while their indexes are still being downloaded
 */
public record AttachProgressInfo(TenantId id, String state, boolean attaching, int indexesLoaded, int timelinesTotal,
                                 int timelinesAttached, long layersTotal, long layersAttached) {
    public AttachProgressInfo {
        Objects.requireNonNull(id, "id is null");
        Objects.requireNonNull(state, "state is null");
    }

    /** One line for a progress display, e.g. {@code Attaching: timelines 2/5, layers 40/130}. */
    public String describe() {
        if (!attaching) {
            return state;
        }
        if (timelinesTotal < 0) {
            return state + ": indexes " + indexesLoaded;
        }
        return state + ": timelines " + timelinesAttached + "/" + timelinesTotal + ", layers " + layersAttached + "/"
                + layersTotal;
    }
}

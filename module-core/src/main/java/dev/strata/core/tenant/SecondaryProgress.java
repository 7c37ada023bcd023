package dev.strata.core.tenant;

import java.time.Instant;

/**
 * How far a Secondary tenant's warm copy is: what the last heatmap it read lists and how much of it is on local
 * disk. Shown in {@code GET /v1/tenant/{id}}.
 *
 * @param heatmapGeneratedAt when the last heatmap read was built by the attached node, or null before the first
 * @param lastPassAt         when the last download pass ended, or null before the first
 * @param timelines          timelines the heatmap lists
 * @param layersTotal        layers the heatmap lists
 * @param layersResident     of those, layers on local disk with the listed size
 * @param bytesTotal         bytes of the listed layers
 * @param bytesResident      bytes of the resident ones
 * @param lastError          why the last pass did not finish cleanly (the old copy is kept), or null
 */
public record SecondaryProgress(Instant heatmapGeneratedAt, Instant lastPassAt, int timelines, long layersTotal,
                                long layersResident, long bytesTotal, long bytesResident, String lastError) {
    static final SecondaryProgress NONE = new SecondaryProgress(null, null, 0, 0, 0, 0, 0, null);

    SecondaryProgress withError(Instant at, String error) {
        return new SecondaryProgress(heatmapGeneratedAt, at, timelines, layersTotal, layersResident, bytesTotal,
                bytesResident, error);
    }

    /** True when every listed layer is on local disk and the last pass had no error. */
    public boolean complete() {
        return heatmapGeneratedAt != null && lastError == null && layersResident == layersTotal;
    }
}

package dev.strata.core.tenant;

import dev.strata.api.Durations;
import java.time.Duration;
import java.util.Objects;

/**
 * Heatmaps and Secondary locations ({@code [secondary]} in {@code strata.toml}).
 *
 * @param heatmapUploadPeriod    how often an attached tenant (AttachedSingle or AttachedMulti) uploads its
 *                               heatmap; it is also uploaded on a graceful detach and shutdown
 * @param downloadPeriod         how often a Secondary tenant fetches the heatmap and downloads the layers it lists
 * @param maxConcurrentDownloads layer downloads of Secondary tenants in flight on the node at once
 */
public record SecondaryOptions(Duration heatmapUploadPeriod, Duration downloadPeriod, int maxConcurrentDownloads) {
    public static final SecondaryOptions DEFAULT = new SecondaryOptions(Duration.ofSeconds(60), Duration.ofSeconds(60), 4);

    public SecondaryOptions {
        Objects.requireNonNull(heatmapUploadPeriod, "heatmapUploadPeriod is null");
        Objects.requireNonNull(downloadPeriod, "downloadPeriod is null");
        if (heatmapUploadPeriod.isNegative() || heatmapUploadPeriod.isZero()) {
            throw new IllegalArgumentException("key 'secondary.heatmap_upload_period' = "
                    + Durations.format(heatmapUploadPeriod) + " must be positive");
        }
        if (downloadPeriod.isNegative() || downloadPeriod.isZero()) {
            throw new IllegalArgumentException("key 'secondary.download_period' = " + Durations.format(downloadPeriod)
                    + " must be positive");
        }
        if (maxConcurrentDownloads < 1 || maxConcurrentDownloads > 256) {
            throw new IllegalArgumentException("key 'secondary.max_concurrent_downloads' = " + maxConcurrentDownloads
                    + " must be 1 to 256");
        }
    }
}

package dev.strata.core.tenant;

import dev.strata.api.Generation;
import dev.strata.api.TenantId;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.PutOptions;
import dev.strata.core.metrics.NodeMetrics;
import dev.strata.core.remote.ContentSource;
import dev.strata.core.tiered.Heatmap;
import dev.strata.core.tiered.RemoteResources;
import dev.strata.core.timeline.Timeline;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds an attached tenant's heatmap from its timelines (the resident layers the bucket holds, hottest first)
 * and uploads it to {@code tenants/<tenant>/heatmap-v1.json}, replacing the previous one. Only an attachment
 * that is the tenant's writer (AttachedSingle, AttachedMulti) uploads: a stale migration source must not
 * overwrite its successor's heatmap.
 */
final class HeatmapUploader {
    private static final System.Logger LOG = System.getLogger(HeatmapUploader.class.getName());

    private final RemoteResources remote;
    private final NodeMetrics metrics;
    private final Duration period;
    private final Clock clock;

    HeatmapUploader(RemoteResources remote, NodeMetrics metrics, Duration period, Clock clock) {
        this.remote = Objects.requireNonNull(remote, "remote is null");
        this.metrics = Objects.requireNonNull(metrics, "metrics is null");
        this.period = Objects.requireNonNull(period, "period is null");
        this.clock = Objects.requireNonNull(clock, "clock is null");
    }

    /** Builds the heatmap of {@code timelines} without uploading it. */
    Heatmap build(Generation generation, List<Timeline> timelines) {
        Instant now = clock.instant();
        long nowNanos = System.nanoTime();
        List<Heatmap.TimelineHeatmap> entries = new ArrayList<>();
        for (Timeline timeline : timelines) {
            entries.add(new Heatmap.TimelineHeatmap(timeline.timelineId(), timeline.heatmapLayers(now, nowNanos)));
        }
        return new Heatmap(generation, now, period, entries);
    }

    /**
     * Uploads the heatmap of a tenant's timelines.
     *
     * @throws IOException when the bucket refuses it (retried by the next period)
     */
    Heatmap upload(TenantId tenantId, Generation generation, List<Timeline> timelines) throws IOException {
        return upload(tenantId, generation, timelines, CallContext.NONE);
    }

    /** As {@link #upload(TenantId, Generation, List)}, within {@code context} (a shutdown's deadline). */
    Heatmap upload(TenantId tenantId, Generation generation, List<Timeline> timelines, CallContext context)
            throws IOException {
        Heatmap heatmap = build(generation, timelines);
        byte[] json = heatmap.toJson();
        String key = remote.layout().heatmapKey(tenantId);
        try {
            remote.storage().put(key, ContentSource.of(json), json.length, PutOptions.DEFAULT, context);
        } catch (IOException e) {
            metrics.heatmapUploaded(false);
            throw new IOException("uploading heatmap " + key + " of tenant " + tenantId + " failed: " + e.getMessage(), e);
        }
        metrics.heatmapUploaded(true);
        LOG.log(System.Logger.Level.DEBUG, "tenant {0} generation {1}: uploaded heatmap with {2} layers", tenantId,
                generation, heatmap.layerCount());
        return heatmap;
    }
}

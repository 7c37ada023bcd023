package dev.strata.core.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * {@code strata_timeline_lsn{tenant_id, timeline_id, kind}}: the LSNs of every timeline, as gauges, with
 * {@code kind} one of {@code last_record}, {@code disk_consistent}, {@code remote_consistent_projected} and
 * {@code remote_consistent_visible}. Built at each scrape from the engine's timelines.
 *
 * <p>Why a collector and not one Dropwizard gauge per timeline: a node holds thousands of timelines, and the
 * Dropwizard bridge, which exports labelled names one at a time ({@link LabelledExports}), would make a scrape
 * quadratic in their number. The snapshot built here is written by the same Prometheus text writer. LSNs are
 * exported as doubles, exact up to 2<sup>53</sup>.
 */
final class TimelineLsnCollector implements MultiCollector {
    static final String NAME = "strata_timeline_lsn";

    private final Supplier<List<TimelineLsns>> timelines;

    TimelineLsnCollector(Supplier<List<TimelineLsns>> timelines) {
        this.timelines = Objects.requireNonNull(timelines, "timelines is null");
    }

    @Override
    public MetricSnapshots collect() {
        List<GaugeSnapshot.GaugeDataPointSnapshot> points = new ArrayList<>();
        for (TimelineLsns lsns : timelines.get()) {
            String tenant = lsns.tenant().toString();
            String timeline = lsns.timeline().toString();
            add(points, tenant, timeline, "last_record", lsns.lastRecord().value());
            add(points, tenant, timeline, "disk_consistent", lsns.diskConsistent().value());
            add(points, tenant, timeline, "remote_consistent_projected", lsns.remoteProjected().value());
            add(points, tenant, timeline, "remote_consistent_visible", lsns.remoteVisible().value());
        }
        return MetricSnapshots.of(new GaugeSnapshot(new MetricMetadata(NAME, "LSNs of every timeline on this node, by kind"), points));
    }

    private static void add(List<GaugeSnapshot.GaugeDataPointSnapshot> points, String tenant, String timeline,
                            String kind, long lsn) {
        points.add(new GaugeSnapshot.GaugeDataPointSnapshot((double) lsn,
                Labels.of("tenant_id", tenant, "timeline_id", timeline, "kind", kind), null));
    }
}

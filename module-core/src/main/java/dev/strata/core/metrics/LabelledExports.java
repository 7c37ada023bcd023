package dev.strata.core.metrics;

import com.codahale.metrics.MetricFilter;
import com.codahale.metrics.MetricRegistry;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.prometheus.metrics.instrumentation.dropwizard5.labels.CustomLabelMapper;
import io.prometheus.metrics.instrumentation.dropwizard5.labels.MapperConfig;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Dropwizard registry as Prometheus snapshots, with the bridge's label mapping for dotted names that
 * carry label values ({@code strata.http.requests.ingest.2xx} becomes
 * {@code strata_http_requests_total{route="ingest",status="2xx"}}).
 *
 * <p>Why not one {@link DropwizardExports} with a {@link CustomLabelMapper}: in bridge 1.4.3 several
 * Dropwizard metrics mapped to one Prometheus name make its scrape fail ("duplicate metric name"). So each
 * labelled metric goes through the bridge alone, and the resulting snapshots of one name are merged here
 * (data points concatenated; the text writer then prints them as one family). All conversion and
 * formatting stay the bridge's and the writer's.
 */
final class LabelledExports implements MultiCollector {
    private final MetricRegistry registry;
    private final List<MapperConfig> mappings;
    private final CustomLabelMapper mapper;

    LabelledExports(MetricRegistry registry, List<MapperConfig> mappings) {
        this.registry = Objects.requireNonNull(registry, "registry is null");
        this.mappings = List.copyOf(mappings);
        this.mapper = new CustomLabelMapper(this.mappings);
    }

    @Override
    public MetricSnapshots collect() {
        List<MetricSnapshot> all = new ArrayList<>(
                new DropwizardExports(registry, (name, metric) -> !isLabelled(name)).collect().stream().toList());
        for (String name : registry.getNames()) {
            if (isLabelled(name)) {
                MetricFilter only = (candidate, metric) -> candidate.equals(name);
                all.addAll(new DropwizardExports(registry, only, mapper).collect().stream().toList());
            }
        }
        Map<String, List<MetricSnapshot>> byName = new LinkedHashMap<>();
        for (MetricSnapshot snapshot : all) {
            byName.computeIfAbsent(snapshot.getMetadata().getPrometheusName(), key -> new ArrayList<>()).add(snapshot);
        }
        List<MetricSnapshot> merged = new ArrayList<>(byName.size());
        for (List<MetricSnapshot> family : byName.values()) {
            merged.add(family.size() == 1 ? family.getFirst() : merge(family));
        }
        return new MetricSnapshots(merged);
    }

    private boolean isLabelled(String name) {
        for (MapperConfig mapping : mappings) {
            String prefix = mapping.getMatch().substring(0, mapping.getMatch().indexOf('*'));
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static MetricSnapshot merge(List<MetricSnapshot> family) {
        MetricSnapshot first = family.getFirst();
        return switch (first) {
            case CounterSnapshot counter -> new CounterSnapshot(counter.getMetadata(),
                    family.stream().flatMap(snapshot -> ((CounterSnapshot) snapshot).getDataPoints().stream()).toList());
            case GaugeSnapshot gauge -> new GaugeSnapshot(gauge.getMetadata(),
                    family.stream().flatMap(snapshot -> ((GaugeSnapshot) snapshot).getDataPoints().stream()).toList());
            case SummarySnapshot summary -> new SummarySnapshot(summary.getMetadata(),
                    family.stream().flatMap(snapshot -> ((SummarySnapshot) snapshot).getDataPoints().stream()).toList());
            default -> throw new IllegalStateException("cannot merge Prometheus snapshots of type "
                    + first.getClass().getSimpleName() + " named " + first.getMetadata().getPrometheusName());
        };
    }
}

package dev.strata.core.metrics;

import com.codahale.metrics.Clock;
import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import dev.strata.core.io.FileIo;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.dropwizard5.labels.MapperConfig;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/**
 * The metrics of one node: owns the Dropwizard {@link MetricRegistry}, creates every metric when it is built
 * (so a scrape shows them all, at zero, before the first request), and writes the registry in the
 * Prometheus text format through the Prometheus Dropwizard bridge.
 *
 * <p>One instance per node, created where the node is wired (the server command, or an engine opened
 * without one) and handed to the engine and the HTTP server; nothing here is static. Dotted Dropwizard
 * names whose last parts are label values ({@code strata.layers.image}) are exported as one Prometheus
 * metric with labels ({@code strata_layers{kind="image"}}), see {@link LabelledExports}.
 *
 * <p>Thread-safe: Dropwizard metrics are.
 */
public final class NodeMetrics {
    /** Route classes of the HTTP API; a request is counted under one of them. */
    public static final List<String> HTTP_ROUTE_CLASSES = List.of("management", "maintenance", "ingest", "page",
            "pages", "range", "metrics", "other");
    private static final List<String> HTTP_STATUS_CLASSES = List.of("2xx", "3xx", "4xx", "5xx");
    /** Phases of a node's start-up, in order, timed by {@link #startupPhase}. */
    public static final List<String> STARTUP_PHASES = List.of("read_configs", "control_plane", "deletion_queue_recovery",
            "attach");
    /** States of {@code strata_tenant_states}. */
    public static final List<String> TENANT_STATES = List.of("attaching", "active", "stopping", "broken");

    /** Per timeline: bytes of durable WAL not yet in remote storage. */
    public static final String WAL_BACKUP_LAG_BYTES = "strata.wal_backup.timeline.lag_bytes";
    /** Per timeline: seconds since durable WAL was first seen not backed up (0 when none is). */
    public static final String WAL_BACKUP_LAG_SECONDS = "strata.wal_backup.timeline.lag_seconds";
    /** Per timeline: full WAL segments found in the bucket with other bytes than ours. */
    public static final String WAL_BACKUP_CONFLICTS = "strata.wal_backup.timeline.conflicts";

    private final MetricRegistry registry = new MetricRegistry();
    private final PrometheusRegistry prometheus = new PrometheusRegistry();
    private final Meter ingestBatches = registry.meter("strata.ingest.batches");
    private final Meter ingestRecords = registry.meter("strata.ingest.records");
    private final Meter ingestBytes = registry.meter("strata.ingest.bytes");
    private final Timer ingestLatency = registry.timer("strata.ingest.latency");
    private final Meter readRequests = registry.meter("strata.read.requests", () -> new Meter(CountOnlyRates.INSTANCE));
    private final Meter readPages = registry.meter("strata.read.pages", () -> new Meter(CountOnlyRates.INSTANCE));
    /**
     * Read-path metrics sample their quantiles (1 in {@value #READ_SAMPLE}) and keep no moving-average rates; their
     * counts are exact.
     */
    private static final int READ_SAMPLE = 16;
    private final Timer readLatency = registry.timer("strata.read.latency", () -> new Timer(
            new Meter(CountOnlyRates.INSTANCE), new Histogram(new SampledReservoir(READ_SAMPLE)), Clock.defaultClock()));
    private final Histogram layersVisited = registry.histogram("strata.read.layers_visited",
            () -> new Histogram(new SampledReservoir(READ_SAMPLE)));
    private final Counter flushes = registry.counter("strata.flushes");
    private final Meter flushBytes = registry.meter("strata.flush.bytes");
    private final Counter compactions = registry.counter("strata.compactions");
    private final Counter gcRuns = registry.counter("strata.gc.runs");
    private final Counter backgroundFailures = registry.counter("strata.background.failures");
    private final Timer layerDownloads = registry.timer("strata.layer.downloads");
    private final Meter layerDownloadBytes = registry.meter("strata.layer.download.bytes");
    private final Counter layerEvictions = registry.counter("strata.layer.evictions");
    private final Counter layerEvictionBytes = registry.counter("strata.layer.eviction.bytes");
    private final Counter walFsyncs = registry.counter("strata.fsyncs.wal");
    private final Counter layerFsyncs = registry.counter("strata.fsyncs.layer");
    private final Counter heatmapUploads = registry.counter("strata.heatmap.uploads");
    private final Counter heatmapUploadFailures = registry.counter("strata.heatmap.upload.failures");
    private final Counter secondaryLayersDownloaded = registry.counter("strata.secondary.layers.downloaded");
    private final Counter secondaryBytesDownloaded = registry.counter("strata.secondary.bytes.downloaded");
    private final Counter secondaryHeatmapErrors = registry.counter("strata.secondary.heatmap.errors");
    private final Map<String, RemoteStorageMetrics> remoteStorages = new ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.atomic.AtomicLong> startupPhaseNanos = new ConcurrentHashMap<>();

    public NodeMetrics() {
        for (String route : HTTP_ROUTE_CLASSES) {
            registry.timer(httpLatencyName(route));
            for (String status : HTTP_STATUS_CLASSES) {
                registry.counter(httpRequestsName(route, status));
            }
        }
        for (String phase : STARTUP_PHASES) {
            java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();
            startupPhaseNanos.put(phase, nanos);
            registry.register("strata.startup.phase.seconds." + phase, (Gauge<Double>) () -> nanos.get() / 1e9);
        }
        prometheus.register(new LabelledExports(registry, List.of(
                new MapperConfig("strata.startup.phase.seconds.*", "strata.startup.phase.seconds", Map.of("phase", "${0}")),
                new MapperConfig("strata.tenant.states.*", "strata.tenant.states", Map.of("state", "${0}")),
                new MapperConfig("strata.layers.*", "strata.layers", Map.of("kind", "${0}")),
                new MapperConfig("strata.fsyncs.*", "strata.fsyncs", Map.of("kind", "${0}")),
                new MapperConfig("strata.background.running.*", "strata.background.running", Map.of("kind", "${0}")),
                new MapperConfig("strata.background.wait.*", "strata.background.wait", Map.of("kind", "${0}")),
                new MapperConfig("strata.upload_queue.operations.*", "strata.upload_queue.operations", Map.of("state", "${0}")),
                new MapperConfig("strata.http.requests.*.*", "strata.http.requests", Map.of("route", "${0}", "status", "${1}")),
                new MapperConfig("strata.http.latency.*", "strata.http.latency", Map.of("route", "${0}")),
                timelineMapping(WAL_BACKUP_LAG_BYTES),
                timelineMapping(WAL_BACKUP_LAG_SECONDS),
                timelineMapping(WAL_BACKUP_CONFLICTS),
                remoteMapping(RemoteStorageMetrics.REQUESTS),
                remoteMapping(RemoteStorageMetrics.LATENCY),
                remoteMapping(RemoteStorageMetrics.SENT_BYTES),
                remoteMapping(RemoteStorageMetrics.RECEIVED_BYTES),
                new MapperConfig(RemoteStorageMetrics.ERRORS + ".*.*.*", RemoteStorageMetrics.ERRORS,
                        Map.of("backend", "${0}", "operation", "${1}", "error", "${2}")))));
    }

    private static MapperConfig timelineMapping(String name) {
        return new MapperConfig(name + ".*.*", name, Map.of("tenant_id", "${0}", "timeline_id", "${1}"));
    }

    /**
     * The Dropwizard name of a per-timeline metric: {@code <metric>.<tenant>.<timeline>}, exported as
     * {@code <metric>{tenant_id="…",timeline_id="…"}}; {@code metric} is one of the {@code WAL_BACKUP_*} names.
     */
    public static String timelineMetricName(String metric, String tenantId, String timelineId) {
        Objects.requireNonNull(metric, "metric is null");
        if (tenantId.contains(".") || timelineId.contains(".")) {
            throw new IllegalArgumentException("tenant and timeline ids must not contain dots: " + tenantId + ", " + timelineId);
        }
        return metric + "." + tenantId + "." + timelineId;
    }

    private static MapperConfig remoteMapping(String name) {
        return new MapperConfig(name + ".*.*", name, Map.of("backend", "${0}", "operation", "${1}"));
    }

    /**
     * The request metrics of the remote storage backend called {@code backend} (the provider's name), every one
     * registered at zero by the first call for that name; later calls return the same instance. Wired where a
     * backend is wrapped for use (see {@code dev.strata.core.remote.MeteredStorage}).
     */
    public RemoteStorageMetrics remoteStorage(String backend) {
        Objects.requireNonNull(backend, "backend is null");
        return remoteStorages.computeIfAbsent(backend, name -> new RemoteStorageMetrics(registry, name));
    }

    /**
     * Registers the engine's gauges (tenants, timelines, layers by kind, upload queue operations by state and the
     * bytes of layers waiting for upload); called once, when the engine opens. */
    public void registerEngine(EngineGauges engine) {
        Objects.requireNonNull(engine, "engine is null");
        registry.register("strata.tenants", (Gauge<Integer>) engine::tenants);
        registry.register("strata.timelines", (Gauge<Integer>) engine::timelines);
        layerGauge(engine, "l0_delta", LayerTotals::l0Deltas);
        layerGauge(engine, "l1_delta", LayerTotals::l1Deltas);
        layerGauge(engine, "image", LayerTotals::images);
        layerGauge(engine, "frozen", LayerTotals::frozen);
        registry.register("strata.upload_queue.operations.queued", (Gauge<Long>) () -> engine.uploads().queued());
        registry.register("strata.upload_queue.operations.in_flight", (Gauge<Long>) () -> engine.uploads().inFlight());
        registry.register("strata.upload_queue.bytes", (Gauge<Long>) () -> engine.uploads().layerBytes());
        prometheus.register(new TimelineLsnCollector(engine::timelineLsns));
        for (String state : TENANT_STATES) {
            registry.register("strata.tenant.states." + state, (Gauge<Integer>) () -> engine.tenantsIn(state));
        }
    }

    /**
     * Registers the gauges of Secondary locations: how many tenants this node holds as Secondary, and the age in
     * seconds of the oldest heatmap among them (0 when there is none); called once, when the engine opens.
     */
    public void registerSecondary(java.util.function.IntSupplier tenants, java.util.function.LongSupplier oldestHeatmapAgeSeconds) {
        registry.register("strata.secondary.tenants", (Gauge<Integer>) tenants::getAsInt);
        registry.register("strata.secondary.heatmap.age.seconds", (Gauge<Long>) oldestHeatmapAgeSeconds::getAsLong);
    }

    /**
     * Registers the gauges of the node's in-memory layer budget: its limit, the bytes held (open and frozen), the
     * bytes frozen and waiting for flush, the open layers frozen because the node was over budget, and the
     * seconds writers waited for room; called once, when the engine opens.
     */
    public void registerInMemoryBudget(java.util.function.LongSupplier limitBytes, java.util.function.LongSupplier usedBytes,
                                       java.util.function.LongSupplier frozenBytes, java.util.function.LongSupplier freezes,
                                       java.util.function.LongSupplier stalledNanos) {
        registry.register("strata.in_memory_layers.limit_bytes", (Gauge<Long>) limitBytes::getAsLong);
        registry.register("strata.in_memory_layers.bytes", (Gauge<Long>) usedBytes::getAsLong);
        registry.register("strata.in_memory_layers.frozen_bytes", (Gauge<Long>) frozenBytes::getAsLong);
        registry.register("strata.in_memory_layers.budget_freezes", (Gauge<Long>) freezes::getAsLong);
        registry.register("strata.in_memory_layers.stall_seconds",
                (Gauge<Double>) () -> stalledNanos.getAsLong() / 1e9);
    }

    /** One heatmap uploaded by an attached tenant, or an upload that failed. */
    public void heatmapUploaded(boolean success) {
        (success ? heatmapUploads : heatmapUploadFailures).inc();
    }

    /** One layer downloaded into a Secondary tenant's warm copy. */
    public void secondaryLayerDownloaded(long bytes) {
        secondaryLayersDownloaded.inc();
        secondaryBytesDownloaded.inc(bytes);
    }

    /** A Secondary tenant found its heatmap missing, unreadable, or of an unknown version. */
    public void secondaryHeatmapError() {
        secondaryHeatmapErrors.inc();
    }

    /**
     * Records how long a start-up phase (one of {@link #STARTUP_PHASES}) took; {@code strata_startup_phase_seconds}
     * shows 0 for a phase that has not finished or does not apply (no control plane: no re-attach).
     */
    public void startupPhase(String phase, long nanos) {
        java.util.concurrent.atomic.AtomicLong slot = startupPhaseNanos.get(phase);
        if (slot == null) {
            throw new IllegalArgumentException("unknown start-up phase '" + phase + "'; known: " + STARTUP_PHASES);
        }
        slot.set(nanos);
    }

    private void layerGauge(EngineGauges engine, String kind, ToLongFunction<LayerTotals> count) {
        registry.register("strata.layers." + kind, (Gauge<Long>) () -> count.applyAsLong(engine.layers()));
    }

    /** {@code io} with its {@code force()} calls counted (WAL and layer files apart). */
    public FileIo countingFsyncs(FileIo io) {
        return new FsyncCountingFileIo(io, walFsyncs, layerFsyncs);
    }

    /** One acknowledged ingest batch. */
    public void ingested(int records, long bytes, long nanos) {
        ingestBatches.mark();
        ingestRecords.mark(records);
        ingestBytes.mark(bytes);
        ingestLatency.update(nanos, TimeUnit.NANOSECONDS);
    }

    /** One read call (a page, a batch of pages or a range) that returned {@code pages} pages. */
    public void read(int pages, long nanos) {
        readRequests.mark();
        readPages.mark(pages);
        readLatency.update(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * The persistent layers (deltas and the image) one page reconstruction read, ancestors included: the read
     * amplification that compaction and image creation keep down.
     */
    public void layersVisited(int layers) {
        layersVisited.update(layers);
    }

    /** One in-memory layer written to a persistent layer of {@code bytes}. */
    public void flushed(long bytes) {
        flushes.inc();
        flushBytes.mark(bytes);
    }

    /** One layer downloaded on demand: its size and how long the download took. */
    public void layerDownloaded(long bytes, long nanos) {
        layerDownloads.update(nanos, TimeUnit.NANOSECONDS);
        layerDownloadBytes.mark(bytes);
    }

    /** One layer's local file evicted (it stays in remote storage). */
    public void layerEvicted(long bytes) {
        layerEvictions.inc();
        layerEvictionBytes.inc(bytes);
    }

    public void compacted() {
        compactions.inc();
    }

    public void garbageCollected() {
        gcRuns.inc();
    }

    /**
     * Registers the gauge of running passes of one kind of background work ({@code strata_background_running})
     * and its wait timer ({@code strata_background_wait}: from when a pass was found due to when it started).
     * Called once per kind by the scheduler.
     */
    public void registerBackgroundKind(String kind, java.util.function.IntSupplier running) {
        registry.remove("strata.background.running." + kind);
        registry.register("strata.background.running." + kind, (Gauge<Integer>) running::getAsInt);
        registry.timer("strata.background.wait." + kind);
    }

    /** A background pass of {@code kind} started {@code nanos} after it was first found due. */
    public void backgroundWaited(String kind, long nanos) {
        registry.timer("strata.background.wait." + kind).update(nanos, TimeUnit.NANOSECONDS);
    }

    /** A flush or compaction in the background failed (it is retried later). */
    public void backgroundFailed() {
        backgroundFailures.inc();
    }

    /** One HTTP request of a route class (one of {@link #HTTP_ROUTE_CLASSES}) answered with {@code status}. */
    public void httpRequest(String routeClass, int status, long nanos) {
        String route = HTTP_ROUTE_CLASSES.contains(routeClass) ? routeClass : "other";
        String statusClass = status >= 200 && status < 600 ? (status / 100) + "xx" : "5xx";
        registry.counter(httpRequestsName(route, statusClass)).inc();
        registry.timer(httpLatencyName(route)).update(nanos, TimeUnit.NANOSECONDS);
    }

    private static String httpRequestsName(String route, String statusClass) {
        return "strata.http.requests." + route + "." + statusClass;
    }

    private static String httpLatencyName(String route) {
        return "strata.http.latency." + route;
    }

    /** The Dropwizard registry, for tests and for metrics added later. */
    public MetricRegistry registry() {
        return registry;
    }

    /** The content type of {@link #writePrometheusText}. */
    public String prometheusContentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }

    /** Writes every metric in the Prometheus text format (version 0.0.4). */
    public void writePrometheusText(OutputStream out) throws IOException {
        PrometheusTextFormatWriter.create().write(out, prometheus.scrape(), EscapingScheme.UNDERSCORE_ESCAPING);
    }
}

package dev.strata.core.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.api.Generation;
import dev.strata.api.Key;
import dev.strata.api.LayerFileName;
import dev.strata.api.Lsn;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.controlplane.TenantMode;
import dev.strata.client.wire.PageWire;
import dev.strata.core.deletion.DeletionQueue;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.index.IndexPart;
import dev.strata.core.page.PageWrite;
import dev.strata.core.tenant.BackgroundScheduler;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.tenant.LocationConfig;
import dev.strata.core.tenant.SecondaryProgress;
import dev.strata.core.tenant.TenantConfig;
import dev.strata.core.tenant.TenantOverrides;
import dev.strata.core.tenant.TenantSetting;
import dev.strata.core.timeline.CompactionResult;
import dev.strata.core.timeline.EngineException;
import dev.strata.core.timeline.GcResult;
import dev.strata.core.timeline.Timeline;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The node's HTTP API under {@code /v1}: management calls in JSON and the page API in the binary format of
 * {@link PageWire}. Errors are {@code {"msg": …}} with the status of {@link ApiError}.
 */
public final class HttpApi {
    private static final System.Logger LOG = System.getLogger(HttpApi.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BINARY = "application/octet-stream";

    private final LocalEngine engine;
    private final Failpoints failpoints;
    private final long nodeId;

    public HttpApi(LocalEngine engine, Failpoints failpoints, long nodeId) {
        this.engine = Objects.requireNonNull(engine, "engine is null");
        this.failpoints = Objects.requireNonNull(failpoints, "failpoints is null");
        this.nodeId = nodeId;
    }

    /** A handler body that may fail; failures become error responses. */
    @FunctionalInterface
    private interface Call {
        void run(ServerRequest request, ServerResponse response) throws Exception;
    }

    private static io.helidon.webserver.http.Handler guarded(Call call) {
        return (request, response) -> {
            try {
                call.run(request, response);
            } catch (Exception | AssertionError e) {
                ApiError error = ApiError.of(e);
                if (error.status() == 503) {
                    // A transient state (attaching, migrating, shutting down): the client retries; no stack trace.
                    LOG.log(Level.INFO, "{0} {1}: 503 {2}", request.prologue().method(), request.path().path(),
                            error.message());
                } else if (error.status() >= 500) {
                    LOG.log(Level.ERROR, request.prologue().method() + " " + request.path().path() + " failed", e);
                }
                sendError(response, error);
            }
        };
    }

    static void sendError(ServerResponse response, ApiError error) {
        if (error.status() == 503) {
            response.header(HeaderNames.RETRY_AFTER, "1");
        }
        response.status(Status.create(error.status()))
                .header(HeaderNames.CONTENT_TYPE, "application/json")
                .send(JSON.createObjectNode().put("msg", error.message()).toString());
    }

    public void register(HttpRouting.Builder routing) {
        // The page API first: routes are tried in order, each a pattern match, and these carry the traffic.
        routing.get("/v1/tenant/{tenant}/timeline/{timeline}/page", guarded(this::getPage))
                .post("/v1/tenant/{tenant}/timeline/{timeline}/pages", guarded(this::getPages))
                .post("/v1/tenant/{tenant}/timeline/{timeline}/ingest", guarded(this::ingest))
                .get("/v1/tenant/{tenant}/timeline/{timeline}/range", guarded(this::getRange))
                .get("/v1/status", guarded(this::status))
                .post("/v1/tenant", guarded(this::createTenant))
                .get("/v1/tenant", guarded(this::listTenants))
                .get("/v1/tenant/{tenant}", guarded(this::getTenant))
                .delete("/v1/tenant/{tenant}", guarded(this::deleteTenant))
                .post("/v1/tenant/{tenant}/timeline", guarded(this::createTimeline))
                .get("/v1/tenant/{tenant}/timeline", guarded(this::listTimelines))
                .get("/v1/tenant/{tenant}/timeline/{timeline}", guarded(this::getTimeline))
                .delete("/v1/tenant/{tenant}/timeline/{timeline}", guarded(this::deleteTimeline))
                .put("/v1/tenant/{tenant}/timeline/{timeline}/checkpoint", guarded(this::checkpoint))
                .put("/v1/tenant/{tenant}/timeline/{timeline}/compact", guarded(this::compact))
                .put("/v1/tenant/{tenant}/timeline/{timeline}/do_gc", guarded(this::gc))
                .put("/v1/tenant/{tenant}/timeline/{timeline}/compaction_circuit_breaker/reset", guarded(this::resetBreaker))
                .put("/v1/failpoints", guarded(this::configureFailpoints))
                .put("/v1/deletion_queue/flush", guarded(this::flushDeletionQueue))
                .put("/v1/tenant/{tenant}/location_config", guarded(this::putLocationConfig))
                .get("/v1/tenant/{tenant}/config", guarded(this::getTenantConfig))
                .get("/v1/tenant/{tenant}/attach_progress", guarded(this::attachProgress))
                .patch("/v1/tenant/{tenant}/config", guarded(this::patchTenantConfig))
                .get("/v1/location_config", guarded(this::listLocationConfigs));
    }

    // -- management ----------------------------------------------------------------------------------

    private void status(ServerRequest request, ServerResponse response) {
        ObjectNode body = JSON.createObjectNode();
        body.put("node_id", nodeId);
        body.put("tenants", engine.tenants().size());
        body.put("startup_attach_pending", engine.startupAttachPending());
        body.put("workdir", engine.workdir().toString());
        java.util.Optional<DeletionQueue> deletions = engine.deletionQueue();
        body.put("emergency_mode", deletions.map(DeletionQueue::emergency).orElse(false));
        deletions.ifPresent(queue -> body.put("deletion_queue_pending", queue.pendingKeys()));
        BackgroundScheduler scheduler = engine.scheduler();
        if (scheduler != null) {
            ObjectNode background = body.putObject("background");
            for (BackgroundScheduler.Kind kind : BackgroundScheduler.Kind.values()) {
                String name = kind.name().toLowerCase(java.util.Locale.ROOT);
                background.put(name + "_started", scheduler.started(kind));
                background.put(name + "_failed", scheduler.failed(kind));
            }
            ArrayNode paused = background.putArray("compaction_paused");
            scheduler.paused().forEach(timeline -> paused.add(timeline.tenantId() + "/" + timeline.timelineId()));
        }
        sendJson(response, Status.OK_200, body);
    }

    /**
     * {@code PUT /v1/deletion_queue/flush[?execute=true][&timeout_ms=]}: persists pending deletions; with
     * {@code execute}, also waits until they are validated and executed (503 when that does not happen in time).
     */
    private void flushDeletionQueue(ServerRequest request, ServerResponse response) throws IOException {
        boolean execute = request.query().first("execute").map(Boolean::parseBoolean).orElse(false);
        long timeoutMillis = request.query().first("timeout_ms").map(Long::parseLong).orElse(30_000L);
        java.util.Optional<DeletionQueue> queue = engine.deletionQueue();
        if (queue.isPresent()) {
            if (execute) {
                try {
                    queue.get().flushExecute(java.time.Duration.ofMillis(timeoutMillis));
                } catch (IOException e) {
                    throw new dev.strata.core.timeline.EngineException.Unavailable(e.getMessage());
                }
            } else {
                queue.get().flush();
            }
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("pending", queue.map(DeletionQueue::pendingKeys).orElse(0L));
        sendJson(response, Status.OK_200, body);
    }

    private void createTenant(ServerRequest request, ServerResponse response) throws IOException {
        JsonNode body = jsonBody(request);
        TenantId tenant = TenantId.parse(requireText(body, "new_tenant_id"));
        engine.createTenant(tenant, Generation.of(1));
        sendJson(response, Status.CREATED_201, tenantJson(tenant));
    }

    private void listTenants(ServerRequest request, ServerResponse response) {
        ArrayNode body = JSON.createArrayNode();
        for (TenantId tenant : engine.tenants()) {
            // A listing does not wait for tenants that are attaching (and so does not move them up the queue).
            String state = engine.tenantState(tenant).orElse(null);
            if (state == null) {
                continue;
            }
            if (state.equals("Active")) {
                try {
                    body.add(tenantJson(tenant));
                    continue;
                } catch (EngineException.Unavailable | EngineException.NotFound e) {
                    state = engine.tenantState(tenant).orElse(null);
                    if (state == null) {
                        continue;
                    }
                }
            }
            body.add(JSON.createObjectNode().put("id", tenant.hex()).put("state", state));
        }
        sendJson(response, Status.OK_200, body);
    }

    private void getTenant(ServerRequest request, ServerResponse response) {
        sendJson(response, Status.OK_200, tenantJson(tenant(request)));
    }

    private void deleteTenant(ServerRequest request, ServerResponse response) throws IOException {
        TenantId tenant = tenant(request);
        engine.tenantConfig(tenant);
        engine.deleteTenant(tenant);
        sendJson(response, Status.OK_200, JSON.createObjectNode());
    }

    private ObjectNode tenantJson(TenantId tenant) {
        TenantConfig config = engine.tenantConfig(tenant);
        ObjectNode node = JSON.createObjectNode();
        node.put("id", tenant.hex());
        node.put("state", "Active");
        node.put("mode", config.mode());
        node.put("generation", config.generation().isNone() ? -1 : config.generation().value());
        java.util.Optional<SecondaryProgress> secondary = engine.secondaryProgress(tenant);
        if (secondary.isEmpty()) {
            node.put("timelines", engine.timelines(tenant).size());
            return node;
        }
        SecondaryProgress progress = secondary.get();
        node.put("timelines", progress.timelines());
        ObjectNode warm = node.putObject("secondary");
        if (progress.heatmapGeneratedAt() == null) {
            warm.putNull("heatmap_generated_at");
            warm.putNull("heatmap_age_ms");
        } else {
            warm.put("heatmap_generated_at", IndexPart.formatTimestamp(progress.heatmapGeneratedAt()));
            warm.put("heatmap_age_ms", Math.max(0, java.time.Duration.between(progress.heatmapGeneratedAt(),
                    java.time.Instant.now()).toMillis()));
        }
        if (progress.lastPassAt() == null) {
            warm.putNull("last_download_at");
        } else {
            warm.put("last_download_at", IndexPart.formatTimestamp(progress.lastPassAt()));
        }
        warm.put("layers_total", progress.layersTotal());
        warm.put("layers_downloaded", progress.layersResident());
        warm.put("bytes_total", progress.bytesTotal());
        warm.put("bytes_downloaded", progress.bytesResident());
        if (progress.lastError() == null) {
            warm.putNull("last_error");
        } else {
            warm.put("last_error", progress.lastError());
        }
        return node;
    }

    private void createTimeline(ServerRequest request, ServerResponse response) throws IOException {
        TenantId tenant = tenant(request);
        JsonNode body = jsonBody(request);
        TimelineId id = TimelineId.parse(requireText(body, "new_timeline_id"));
        Timeline timeline;
        if (body.hasNonNull("ancestor_timeline_id")) {
            TimelineId parent = TimelineId.parse(body.get("ancestor_timeline_id").asText());
            Lsn at = body.hasNonNull("ancestor_start_lsn") ? Lsn.parse(body.get("ancestor_start_lsn").asText())
                    : engine.timeline(tenant, parent).lastRecordLsn();
            timeline = engine.branch(tenant, id, parent, at);
        } else {
            timeline = engine.createTimeline(tenant, id);
        }
        sendJson(response, Status.CREATED_201, timelineJson(timeline));
    }

    private void listTimelines(ServerRequest request, ServerResponse response) {
        ArrayNode body = JSON.createArrayNode();
        for (Timeline timeline : engine.timelines(tenant(request))) {
            body.add(timelineJson(timeline));
        }
        sendJson(response, Status.OK_200, body);
    }

    private void getTimeline(ServerRequest request, ServerResponse response) {
        sendJson(response, Status.OK_200, timelineJson(timeline(request)));
    }

    private void deleteTimeline(ServerRequest request, ServerResponse response) throws IOException {
        Timeline timeline = timeline(request);
        engine.deleteTimeline(timeline.tenantId(), timeline.timelineId());
        sendJson(response, Status.ACCEPTED_202, JSON.createObjectNode());
    }

    private ObjectNode timelineJson(Timeline timeline) {
        ObjectNode node = JSON.createObjectNode();
        node.put("tenant_id", timeline.tenantId().hex());
        node.put("timeline_id", timeline.timelineId().hex());
        if (timeline.ancestor() != null) {
            node.put("ancestor_timeline_id", timeline.ancestor().timelineId().hex());
            node.put("ancestor_lsn", timeline.ancestorLsn().toString());
        } else {
            node.putNull("ancestor_timeline_id");
            node.putNull("ancestor_lsn");
        }
        node.put("last_record_lsn", timeline.lastRecordLsn().toString());
        node.put("disk_consistent_lsn", timeline.diskConsistentLsn().toString());
        if (timeline.remote() != null) {
            // Projected: the last uploaded index; visible: confirmed by the control plane, so WAL below it may go.
            node.put("remote_consistent_lsn", timeline.remote().projectedRemoteConsistentLsn().toString());
            node.put("remote_consistent_lsn_visible", timeline.remote().visibleRemoteConsistentLsn().toString());
            node.put("remote_operations_pending", timeline.remote().pendingOperations());
        } else {
            // Without remote storage the local index is the durable copy: both remote LSNs stand at disk consistent.
            node.put("remote_consistent_lsn", timeline.diskConsistentLsn().toString());
            node.put("remote_consistent_lsn_visible", timeline.diskConsistentLsn().toString());
        }
        // Up to where a new node could recover the WAL from remote storage; null when the WAL is not backed up.
        timeline.walBackupLsn().ifPresentOrElse(lsn -> node.put("wal_backup_lsn", lsn.toString()),
                () -> node.putNull("wal_backup_lsn"));
        timeline.walBackup().ifPresentOrElse(backup -> {
            long now = System.nanoTime();
            node.put("wal_backup_lag_bytes", backup.lagBytes());
            node.put("wal_backup_lag_seconds", backup.lagSeconds(now));
            backup.conflict().ifPresentOrElse(conflict -> node.put("wal_backup_conflict", conflict),
                    () -> node.putNull("wal_backup_conflict"));
        }, () -> {
            node.putNull("wal_backup_lag_bytes");
            node.putNull("wal_backup_lag_seconds");
            node.putNull("wal_backup_conflict");
        });
        Timeline.LayerResidence residence = timeline.residence();
        node.put("resident_layers", residence.resident());
        node.put("resident_layer_bytes", residence.residentBytes());
        node.put("latest_gc_cutoff_lsn", timeline.gcCutoff().toString());
        List<LayerFileName> layers = timeline.layerFileNames();
        node.put("layers", layers.size());
        node.put("layer_bytes", timeline.index().totalFileSize());
        node.put("state", timeline.isBroken() ? "Broken" : "Active");
        node.put("compaction_paused", engine.scheduler() != null && engine.scheduler().breakerOpen(timeline));
        return node;
    }

    private void checkpoint(ServerRequest request, ServerResponse response) throws IOException {
        Timeline timeline = timeline(request);
        timeline.checkpoint();
        sendJson(response, Status.OK_200, timelineJson(timeline));
    }

    private void compact(ServerRequest request, ServerResponse response) throws IOException {
        Timeline timeline = timeline(request);
        timeline.checkpoint();
        CompactionResult result = timeline.compact();
        ObjectNode body = JSON.createObjectNode();
        body.put("l0_compacted", result.l0Compacted());
        body.put("l1_written", result.l1Written());
        body.put("images_written", result.imagesWritten());
        sendJson(response, Status.OK_200, body);
    }

    private void gc(ServerRequest request, ServerResponse response) throws IOException {
        GcResult result = timeline(request).gc();
        ObjectNode body = JSON.createObjectNode();
        body.put("cutoff", result.cutoff().toString());
        body.put("layers_removed", result.layersRemoved());
        body.put("layers_kept", result.layersKept());
        sendJson(response, Status.OK_200, body);
    }

    private void resetBreaker(ServerRequest request, ServerResponse response) {
        Timeline timeline = timeline(request);
        if (engine.scheduler() != null) {
            engine.scheduler().resetBreaker(timeline);
        }
        sendJson(response, Status.OK_200, timelineJson(timeline));
    }

    private void configureFailpoints(ServerRequest request, ServerResponse response) throws IOException {
        JsonNode body = jsonBody(request);
        if (!body.isArray()) {
            throw new ApiError.BadRequestBody("failpoints body must be an array of {\"name\", \"actions\"}");
        }
        for (JsonNode entry : body) {
            failpoints.configure(requireText(entry, "name"), requireText(entry, "actions"));
        }
        sendJson(response, Status.OK_200, JSON.createObjectNode());
    }

    private static final java.util.Set<String> LOCATION_FIELDS = java.util.Set.of("mode", "generation", "secondary_conf",
            "tenant_conf");

    /** The longest flush a location_config may ask for: ten minutes. */
    static final long MAX_FLUSH_MS = 600_000;

    /**
     * {@code PUT /v1/tenant/{tenant}/location_config[?flush_ms=N]}: with {@code flush_ms}, after the change the
     * tenant's timelines are flushed and their uploads waited for, at most that long; the answer carries
     * {@code "flushed"}, whether they all finished.
     */
    private void putLocationConfig(ServerRequest request, ServerResponse response) throws IOException {
        TenantId tenant = tenant(request);
        JsonNode body = jsonBody(request);
        if (!body.isObject()) {
            throw new ApiError.BadRequestBody("location_config body must be a JSON object");
        }
        for (java.util.Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!LOCATION_FIELDS.contains(name)) {
                throw new ApiError.BadRequestBody("unknown field '" + name + "' in location_config; known: "
                        + LOCATION_FIELDS.stream().sorted().toList());
            }
        }
        // tenant_conf, when present, is the tenant's complete set of overrides; absent keeps the ones it has.
        JsonNode tenantConf = body.get("tenant_conf");
        java.util.Optional<TenantOverrides> overrides = tenantConf == null || tenantConf.isNull()
                ? java.util.Optional.empty() : java.util.Optional.of(TenantOverrides.parse(tenantConf));
        JsonNode generation = body.get("generation");
        Generation parsed = Generation.NONE;
        if (generation != null && !generation.isNull()) {
            if (!generation.canConvertToExactIntegral() || generation.asLong() < 0 || generation.asLong() > 0xFFFF_FFFFL) {
                throw new ApiError.BadRequestBody("generation " + generation + " is not an unsigned 32-bit integer");
            }
            parsed = Generation.of(generation.asLong());
        }
        boolean warm = body.path("secondary_conf").path("warm").asBoolean(false);
        TenantMode mode = TenantMode.parse(requireText(body, "mode"));
        java.util.Optional<Duration> flush = flushMs(request);
        if (flush.isPresent() && !mode.attached()) {
            throw new ApiError.BadRequestBody("flush_ms applies to attached modes, not " + mode.wireName());
        }
        engine.applyLocation(tenant, new LocationConfig(mode, parsed, warm, overrides));
        if (flush.isPresent()) {
            boolean flushed = engine.flushToRemote(tenant, flush.get());
            sendJson(response, Status.OK_200, tenantJson(tenant).put("flushed", flushed));
            return;
        }
        sendJson(response, Status.OK_200, mode == TenantMode.DETACHED ? detachedJson(tenant) : tenantJson(tenant));
    }

    /** {@code ?flush_ms=N}: at most {@link #MAX_FLUSH_MS}, an error naming the value otherwise. */
    private static java.util.Optional<Duration> flushMs(ServerRequest request) {
        java.util.Optional<String> text = request.query().first("flush_ms").asOptional();
        if (text.isEmpty()) {
            return java.util.Optional.empty();
        }
        long millis;
        try {
            millis = Long.parseLong(text.get());
        } catch (NumberFormatException e) {
            millis = -1;
        }
        if (millis < 0 || millis > MAX_FLUSH_MS) {
            throw new ApiError.BadRequestBody("flush_ms '" + text.get() + "' must be a whole number of milliseconds from 0 to "
                    + MAX_FLUSH_MS);
        }
        return java.util.Optional.of(Duration.ofMillis(millis));
    }

    /**
     * {@code GET /v1/tenant/{tenant}/attach_progress}: the tenant's state without waiting for it, and while it
     * attaches from remote storage how far it got (indexes downloaded; timelines and the layers their indexes list,
     * loaded of total; {@code timelines_total} is -1 while indexes are still being downloaded).
     */
    private void attachProgress(ServerRequest request, ServerResponse response) {
        TenantId tenant = tenant(request);
        String state = engine.tenantState(tenant).orElseThrow(
                () -> new EngineException.NotFound("tenant " + tenant + " not found"));
        ObjectNode body = JSON.createObjectNode().put("tenant_id", tenant.hex()).put("state", state);
        engine.attachProgress(tenant).ifPresent(progress -> body.put("indexes_loaded", progress.indexesLoaded())
                .put("timelines_total", progress.timelinesTotal())
                .put("timelines_attached", progress.timelinesAttached())
                .put("layers_total", progress.layersTotal())
                .put("layers_attached", progress.layersAttached()));
        sendJson(response, Status.OK_200, body);
    }

    /** {@code GET /v1/tenant/{tenant}/config}: the tenant's overrides and effective settings. */
    private void getTenantConfig(ServerRequest request, ServerResponse response) {
        TenantId tenant = tenant(request);
        sendJson(response, Status.OK_200, tenantConfigJson(tenant, engine.tenantConfig(tenant)));
    }

    /**
     * {@code PATCH /v1/tenant/{tenant}/config}: a JSON merge patch of the tenant's overrides (a value sets one,
     * {@code null} removes it); answers like {@link #getTenantConfig}.
     */
    private void patchTenantConfig(ServerRequest request, ServerResponse response) throws IOException {
        TenantId tenant = tenant(request);
        JsonNode patch = jsonBody(request);
        TenantConfig updated = engine.updateOverrides(tenant, current -> current.merge(patch));
        sendJson(response, Status.OK_200, tenantConfigJson(tenant, updated));
    }

    private ObjectNode tenantConfigJson(TenantId tenant, TenantConfig config) {
        LocalEngine.EffectiveSettings settings = engine.effectiveSettings(tenant);
        ObjectNode node = JSON.createObjectNode();
        node.put("tenant_id", tenant.hex());
        node.set("overrides", config.overrides().toJson());
        ObjectNode effective = node.putObject("effective");
        settings.values().entrySet().stream().sorted(Map.Entry.comparingByKey(
                java.util.Comparator.comparing(TenantSetting::key)))
                .forEach(entry -> effective.set(entry.getKey().key(), entry.getKey().toJson(entry.getValue())));
        ArrayNode pending = node.putArray("pending_reload");
        settings.pendingReload().forEach(setting -> pending.add(setting.key()));
        return node;
    }

    /** A detached tenant is no longer on this node: the answer says so in the shape of {@link #tenantJson}. */
    private static ObjectNode detachedJson(TenantId tenant) {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", tenant.hex());
        node.put("state", "Detached");
        node.put("mode", TenantMode.DETACHED.wireName());
        node.put("generation", -1);
        node.put("timelines", 0);
        return node;
    }

    private void listLocationConfigs(ServerRequest request, ServerResponse response) {
        ArrayNode body = JSON.createArrayNode();
        engine.locations().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(entry -> {
            ObjectNode node = body.addObject();
            node.put("id", entry.getKey().hex());
            node.put("mode", entry.getValue().mode());
            node.put("generation", entry.getValue().generation().isNone() ? null : entry.getValue().generation().value());
        });
        sendJson(response, Status.OK_200, JSON.createObjectNode().set("tenant_shards", body));
    }

    // -- pages ---------------------------------------------------------------------------------------

    private void ingest(ServerRequest request, ServerResponse response) throws IOException {
        Timeline timeline = timeline(request);
        if (TenantMode.parse(engine.tenantConfig(timeline.tenantId()).mode()) == TenantMode.ATTACHED_STALE) {
            // A migration source has handed over: a write here would never reach the tenant's new location.
            throw new EngineException.Unavailable("tenant " + timeline.tenantId()
                    + " is AttachedStale on this node (being migrated away); write to its new location");
        }
        List<PageWire.Write> writes = PageWire.decodeIngest(request.content().as(byte[].class));
        List<PageWrite> batch = new ArrayList<>(writes.size());
        for (PageWire.Write write : writes) {
            batch.add(new PageWrite(write.key(), write.record()));
        }
        Lsn commit = timeline.ingest(batch);
        sendJson(response, Status.OK_200, JSON.createObjectNode().put("commit_lsn", commit.toString()));
    }

    private void getPage(ServerRequest request, ServerResponse response) throws IOException {
        Timeline timeline = timeline(request);
        Key key = Key.parse(requireQuery(request, "key"));
        Lsn lsn = lsnQuery(request, timeline);
        sendPages(response, lsn, List.of(new PageWire.Page(key, timeline.get(key, lsn))));
    }

    private void getPages(ServerRequest request, ServerResponse response) throws IOException {
        Timeline timeline = timeline(request);
        PageWire.PagesRequest pages = PageWire.decodePagesRequest(request.content().as(byte[].class));
        Lsn lsn = pages.lsn() == null ? timeline.lastRecordLsn() : pages.lsn();
        List<byte[]> found = timeline.getBatch(pages.keys(), lsn);
        List<PageWire.Page> out = new ArrayList<>(found.size());
        for (int i = 0; i < found.size(); i++) {
            out.add(new PageWire.Page(pages.keys().get(i), found.get(i)));
        }
        sendPages(response, lsn, out);
    }

    private void getRange(ServerRequest request, ServerResponse response) throws IOException {
        Timeline timeline = timeline(request);
        Key start = Key.parse(requireQuery(request, "start"));
        Key end = Key.parse(requireQuery(request, "end"));
        Lsn lsn = lsnQuery(request, timeline);
        List<PageWire.Page> out = new ArrayList<>();
        for (Map.Entry<Key, byte[]> entry : timeline.scan(start, end, lsn).entrySet()) {
            out.add(new PageWire.Page(entry.getKey(), entry.getValue()));
        }
        sendPages(response, lsn, out);
    }

    private static void sendPages(ServerResponse response, Lsn lsn, List<PageWire.Page> pages) {
        response.status(Status.OK_200).header(HeaderNames.CONTENT_TYPE, BINARY).send(PageWire.encodePages(lsn, pages));
    }

    // -- plumbing ------------------------------------------------------------------------------------

    private static TenantId tenant(ServerRequest request) {
        return TenantId.parse(request.path().pathParameters().get("tenant"));
    }

    private Timeline timeline(ServerRequest request) {
        return engine.timeline(tenant(request), TimelineId.parse(request.path().pathParameters().get("timeline")));
    }

    private static Lsn lsnQuery(ServerRequest request, Timeline timeline) {
        return request.query().first("lsn").map(Lsn::parse).orElseGet(timeline::lastRecordLsn);
    }

    private static String requireQuery(ServerRequest request, String name) {
        return request.query().first(name).orElseThrow(
                () -> new ApiError.BadRequestBody("query parameter '" + name + "' is required"));
    }

    private static JsonNode jsonBody(ServerRequest request) throws IOException {
        byte[] bytes = request.content().hasEntity() ? request.content().as(byte[].class) : new byte[0];
        if (bytes.length == 0) {
            throw new ApiError.BadRequestBody("a JSON body is required");
        }
        return JSON.readTree(bytes);
    }

    private static String requireText(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || !value.isTextual()) {
            throw new ApiError.BadRequestBody("field '" + field + "' is required and must be a string");
        }
        return value.asText();
    }

    private static void sendJson(ServerResponse response, Status status, JsonNode body) {
        response.status(status).header(HeaderNames.CONTENT_TYPE, "application/json").send(body.toString());
    }

}

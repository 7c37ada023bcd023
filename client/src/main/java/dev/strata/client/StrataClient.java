package dev.strata.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.client.wire.PageWire;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A client of one Strata node. Thread-safe; one instance per node is enough. Every method makes one HTTP
 * call and throws {@link StrataClientException} with the node's {@code msg} when the node refuses it.
 * Calls go over blocking HTTP/1.1 keep-alive connections, one per concurrent caller, so a small call such
 * as {@link #getPage} costs one write and one read on an open socket. A connection the node closed while
 * idle is replaced; a {@code POST} (ingest, create) that fails in transit is never sent again by the client.
 */
public final class StrataClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BINARY = "application/octet-stream";
    private static final byte[] NO_BODY = new byte[0];

    private final URI base;
    private final String token;
    private final Duration timeout;
    private final Http1Transport http;

    private StrataClient(URI base, String token, Duration timeout) {
        this.base = Objects.requireNonNull(base, "base is null");
        this.token = token;
        this.timeout = Objects.requireNonNull(timeout, "timeout is null");
        this.http = new Http1Transport(base, token, timeout);
    }

    /** A client of the node at {@code base} (for example {@code http://127.0.0.1:9898}). */
    public static StrataClient connect(URI base) {
        return new StrataClient(base, null, Duration.ofSeconds(30));
    }

    /** The same node, sending {@code token} as a bearer token. */
    public StrataClient withToken(String bearerToken) {
        return new StrataClient(base, bearerToken, timeout);
    }

    public URI base() {
        return base;
    }

    // -- management ----------------------------------------------------------------------------------

    public JsonNode status() {
        return json("GET", "/v1/status", null);
    }

    public TenantInfo createTenant(TenantId tenant) {
        ObjectNode body = JSON.createObjectNode().put("new_tenant_id", tenant.hex());
        return tenant(json("POST", "/v1/tenant", body));
    }

    public List<TenantInfo> listTenants() {
        List<TenantInfo> out = new ArrayList<>();
        for (JsonNode node : json("GET", "/v1/tenant", null)) {
            out.add(tenant(node));
        }
        return out;
    }

    public TenantInfo tenant(TenantId tenant) {
        return tenant(json("GET", "/v1/tenant/" + tenant.hex(), null));
    }

    public void deleteTenant(TenantId tenant) {
        json("DELETE", "/v1/tenant/" + tenant.hex(), null);
    }

    /** Creates a root timeline (idempotent). */
    public TimelineInfo createTimeline(TenantId tenant, TimelineId timeline) {
        ObjectNode body = JSON.createObjectNode().put("new_timeline_id", timeline.hex());
        return timeline(json("POST", tenantPath(tenant) + "/timeline", body));
    }

    /** Creates {@code child} as a branch of {@code parent} at {@code at} (idempotent), or at the parent's last record when null. */
    public TimelineInfo branch(TenantId tenant, TimelineId child, TimelineId parent, Lsn at) {
        ObjectNode body = JSON.createObjectNode().put("new_timeline_id", child.hex()).put("ancestor_timeline_id", parent.hex());
        if (at != null) {
            body.put("ancestor_start_lsn", at.toString());
        }
        return timeline(json("POST", tenantPath(tenant) + "/timeline", body));
    }

    public List<TimelineInfo> listTimelines(TenantId tenant) {
        List<TimelineInfo> out = new ArrayList<>();
        for (JsonNode node : json("GET", tenantPath(tenant) + "/timeline", null)) {
            out.add(timeline(node));
        }
        return out;
    }

    public TimelineInfo timeline(TenantId tenant, TimelineId timeline) {
        return timeline(json("GET", timelinePath(tenant, timeline), null));
    }

    public void deleteTimeline(TenantId tenant, TimelineId timeline) {
        json("DELETE", timelinePath(tenant, timeline), null);
    }

    /** Flushes in-memory data of the timeline to layer files. */
    public void checkpoint(TenantId tenant, TimelineId timeline) {
        json("PUT", timelinePath(tenant, timeline) + "/checkpoint", null);
    }

    public JsonNode compact(TenantId tenant, TimelineId timeline) {
        return json("PUT", timelinePath(tenant, timeline) + "/compact", null);
    }

    /** Lifts a pause that repeated compaction failures put on the timeline. */
    public void resetCompactionBreaker(TenantId tenant, TimelineId timeline) {
        json("PUT", timelinePath(tenant, timeline) + "/compaction_circuit_breaker/reset", null);
    }

    public JsonNode gc(TenantId tenant, TimelineId timeline) {
        return json("PUT", timelinePath(tenant, timeline) + "/do_gc", null);
    }

    /**
     * Moves a tenant between modes ({@code AttachedSingle}, {@code AttachedMulti}, {@code AttachedStale},
     * {@code Secondary}, {@code Detached}); attached modes need a generation, the others none (null).
     */
    public TenantInfo setLocation(TenantId tenant, String mode, Long generation) {
        ObjectNode body = JSON.createObjectNode().put("mode", mode);
        if (generation != null) {
            body.put("generation", generation);
        }
        return tenant(json("PUT", tenantPath(tenant) + "/location_config", body));
    }

    /** The tenant's state without waiting for it, and how far an attach from remote storage got. */
    public AttachProgressInfo attachProgress(TenantId tenant) {
        JsonNode node = json("GET", tenantPath(tenant) + "/attach_progress", null);
        return new AttachProgressInfo(TenantId.parse(node.path("tenant_id").asText()), node.path("state").asText(),
                node.has("timelines_total"), node.path("indexes_loaded").asInt(), node.path("timelines_total").asInt(-1),
                node.path("timelines_attached").asInt(), node.path("layers_total").asLong(),
                node.path("layers_attached").asLong());
    }

    /** The tenant's overrides of the node's defaults and its effective settings. */
    public TenantConfigInfo tenantConfig(TenantId tenant) {
        return tenantConfig(json("GET", tenantPath(tenant) + "/config", null));
    }

    /**
     * Changes the tenant's overrides with a JSON merge patch: a key with a value sets it, a key with
     * {@code null} removes the override (back to the node's default). Unknown keys and bad values are refused
     * (400) and change nothing.
     */
    public TenantConfigInfo patchTenantConfig(TenantId tenant, ObjectNode patch) {
        return tenantConfig(json("PATCH", tenantPath(tenant) + "/config", patch));
    }

    /** Sets failpoints: pairs of name and actions (for fault-injection tests). */
    public void configureFailpoint(String name, String actions) {
        ArrayNode body = JSON.createArrayNode();
        body.addObject().put("name", name).put("actions", actions);
        json("PUT", "/v1/failpoints", body);
    }

    // -- pages ---------------------------------------------------------------------------------------

    /** Appends a batch; returns its commit LSN once durable on the node. */
    public Lsn ingest(TenantId tenant, TimelineId timeline, List<PageWire.Write> writes) {
        Http1Connection.Response response = send("POST", timelinePath(tenant, timeline) + "/ingest", BINARY,
                PageWire.encodeIngest(writes));
        return Lsn.parse(parse(response).path("commit_lsn").asText());
    }

    /** The page of {@code key} at {@code lsn} (null: the latest); null when the key has no value there. */
    public byte[] getPage(TenantId tenant, TimelineId timeline, Key key, Lsn lsn) {
        String query = "?key=" + key + (lsn == null ? "" : "&lsn=" + lsn);
        Http1Connection.Response response = send("GET", timelinePath(tenant, timeline) + "/page" + query, null, NO_BODY);
        return PageWire.decodePages(response.body()).pages().getFirst().page();
    }

    /** Pages of several keys at one LSN (null: the latest), in the order asked. */
    public PageWire.Pages getPages(TenantId tenant, TimelineId timeline, List<Key> keys, Lsn lsn) {
        Http1Connection.Response response = send("POST", timelinePath(tenant, timeline) + "/pages", BINARY,
                PageWire.encodePagesRequest(lsn, keys));
        return PageWire.decodePages(response.body());
    }

    /** Every page with a value in [start, end) at {@code lsn} (null: the latest). */
    public NavigableMap<Key, byte[]> getRange(TenantId tenant, TimelineId timeline, Key start, Key end, Lsn lsn) {
        String query = "?start=" + start + "&end=" + end + (lsn == null ? "" : "&lsn=" + lsn);
        Http1Connection.Response response = send("GET", timelinePath(tenant, timeline) + "/range" + query, null, NO_BODY);
        NavigableMap<Key, byte[]> out = new TreeMap<>();
        for (PageWire.Page page : PageWire.decodePages(response.body()).pages()) {
            out.put(page.key(), page.page());
        }
        return out;
    }

    // -- plumbing ------------------------------------------------------------------------------------

    private static String tenantPath(TenantId tenant) {
        return "/v1/tenant/" + tenant.hex();
    }

    private static String timelinePath(TenantId tenant, TimelineId timeline) {
        return tenantPath(tenant) + "/timeline/" + timeline.hex();
    }

    private JsonNode json(String method, String path, JsonNode body) {
        if (body == null) {
            return parse(send(method, path, null, NO_BODY));
        }
        return parse(send(method, path, "application/json", body.toString().getBytes(StandardCharsets.UTF_8)));
    }

    private Http1Connection.Response send(String method, String target, String contentType, byte[] body) {
        Http1Connection.Response response;
        try {
            response = http.send(method, target, contentType, body);
        } catch (ConnectException e) {
            throw new StrataClientException(0, "cannot connect to " + base + ": " + e.getMessage(), e);
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw new StrataClientException(0, "interrupted: " + method + " " + base.resolve(target), e);
            }
            throw new StrataClientException(0, method + " " + base.resolve(target) + " failed: " + e, e);
        }
        if (response.status() >= 400) {
            String message;
            try {
                message = JSON.readTree(response.body()).path("msg").asText(new String(response.body(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                message = new String(response.body(), StandardCharsets.UTF_8);
            }
            throw new StrataClientException(response.status(), method + " " + base.resolve(target).getPath()
                    + ": " + response.status() + " " + message, null);
        }
        return response;
    }

    private static JsonNode parse(Http1Connection.Response response) {
        if (response.body().length == 0) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new StrataClientException(response.status(), "node answered with invalid JSON: " + e.getMessage(), e);
        }
    }

    private static TenantInfo tenant(JsonNode node) {
        return new TenantInfo(TenantId.parse(node.path("id").asText()), node.path("state").asText(),
                node.path("generation").asLong(), node.path("timelines").asInt());
    }

    private static TenantConfigInfo tenantConfig(JsonNode node) {
        List<String> pending = new ArrayList<>();
        node.path("pending_reload").forEach(key -> pending.add(key.asText()));
        return new TenantConfigInfo(TenantId.parse(node.path("tenant_id").asText()),
                node.path("overrides") instanceof ObjectNode overrides ? overrides : JSON.createObjectNode(),
                node.path("effective") instanceof ObjectNode effective ? effective : JSON.createObjectNode(), pending);
    }

    private static TimelineInfo timeline(JsonNode node) {
        return new TimelineInfo(TimelineId.parse(node.path("timeline_id").asText()),
                node.hasNonNull("ancestor_timeline_id") ? TimelineId.parse(node.get("ancestor_timeline_id").asText()) : null,
                lsn(node, "ancestor_lsn"), lsn(node, "last_record_lsn"), lsn(node, "disk_consistent_lsn"),
                lsn(node, "remote_consistent_lsn"), lsn(node, "remote_consistent_lsn_visible"),
                lsn(node, "latest_gc_cutoff_lsn"), node.path("layers").asInt(), node.path("layer_bytes").asLong(),
                node.path("state").asText());
    }

    private static Lsn lsn(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? Lsn.INVALID : Lsn.parse(value.asText());
    }

    @Override
    public void close() {
        http.close();
    }
}

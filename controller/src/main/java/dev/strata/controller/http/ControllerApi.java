package dev.strata.controller.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.api.TenantId;
import dev.strata.controller.Attachment;
import dev.strata.controller.ControllerException;
import dev.strata.controller.Migration;
import dev.strata.controller.Node;
import dev.strata.controller.Placement;
import dev.strata.controller.Tenant;
import dev.strata.controller.placement.Migrator;
import dev.strata.controller.placement.TenantPlacer;
import dev.strata.controller.store.ControllerStore;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The controller's HTTP API. The nodes' control plane under {@link #UPCALL_BASE} speaks the re-attach and
 * validate JSON of FORMATS.md; management calls are under {@code /control/v1}. Errors are {@code {"msg": …}}
 * with the status of the {@link ControllerException} category; database failures answer 503.
 */
public final class ControllerApi {
    /** The base URL path a node's {@code http} control plane provider is pointed at. */
    public static final String UPCALL_BASE = "/upcall/v1";
    /** At most this many tenants in one validate request (FORMATS.md). */
    public static final int MAX_VALIDATE = 128;

    private static final System.Logger LOG = System.getLogger(ControllerApi.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ControllerStore store;
    private final TenantPlacer placer;
    private final Migrator migrator;

    public ControllerApi(ControllerStore store, TenantPlacer placer, Migrator migrator) {
        this.store = Objects.requireNonNull(store, "store is null");
        this.placer = Objects.requireNonNull(placer, "placer is null");
        this.migrator = Objects.requireNonNull(migrator, "migrator is null");
    }

    public void register(HttpRouting.Builder routing) {
        routing.post(UPCALL_BASE + "/re-attach", guarded(this::reAttach))
                .post(UPCALL_BASE + "/validate", guarded(this::validate))
                .get("/control/v1/status", guarded(this::status))
                .post("/control/v1/node", guarded(this::registerNode))
                .get("/control/v1/node", guarded(this::listNodes))
                .post("/control/v1/tenant", guarded(this::createTenant))
                .get("/control/v1/tenant", guarded(this::listTenants))
                .get("/control/v1/tenant/{tenant}", guarded(this::getTenant))
                .put("/control/v1/tenant/{tenant}/migrate", guarded(this::migrate))
                .get("/control/v1/migration", guarded(this::listMigrations));
    }

    // -- upcalls -----------------------------------------------------------------------------------------

    private void reAttach(ServerRequest request, ServerResponse response) throws IOException, SQLException {
        JsonNode body = jsonBody(request);
        long nodeId = requireLong(body, "node_id");
        JsonNode register = body.get("register");
        URI address = register == null || register.isNull() ? null : registerAddress(register);
        JsonNode empty = body.get("empty_local_disk");
        if (empty != null && !empty.isNull() && !empty.isBoolean()) {
            throw new ControllerException.InvalidInput("empty_local_disk: expected true or false, got " + empty);
        }
        // An empty local disk changes nothing here: the node attaches from remote storage either way.
        List<Attachment> attachments = store.reAttach(nodeId, address);
        ObjectNode out = JSON.createObjectNode();
        ArrayNode tenants = out.putArray("tenants");
        for (Attachment attachment : attachments) {
            ObjectNode entry = tenants.addObject().put("id", attachment.tenant().hex());
            if (attachment.generation() != null) {
                entry.put("gen", attachment.generation());
            }
            entry.put("mode", attachment.mode().wireName());
        }
        LOG.log(Level.INFO, "node {0} re-attached: {1} tenant(s)", nodeId, attachments.size());
        sendJson(response, Status.OK_200, out);
    }

    private void validate(ServerRequest request, ServerResponse response) throws IOException, SQLException {
        JsonNode body = jsonBody(request);
        JsonNode tenants = body.get("tenants");
        if (tenants == null || !tenants.isArray()) {
            throw new ControllerException.InvalidInput("tenants: expected an array of {\"id\", \"gen\"}");
        }
        if (tenants.size() > MAX_VALIDATE) {
            throw new ControllerException.InvalidInput("tenants: at most " + MAX_VALIDATE + " per request, got " + tenants.size());
        }
        Map<TenantId, Long> generations = new LinkedHashMap<>();
        for (JsonNode entry : tenants) {
            TenantId tenant = tenantId(requireText(entry, "id"));
            long generation = requireLong(entry, "gen");
            Long previous = generations.putIfAbsent(tenant, generation);
            if (previous != null && previous != generation) {
                throw new ControllerException.InvalidInput("tenant " + tenant + " appears twice with generations "
                        + previous + " and " + generation);
            }
        }
        Map<TenantId, Boolean> valid = store.validate(generations);
        ObjectNode out = JSON.createObjectNode();
        ArrayNode answers = out.putArray("tenants");
        valid.forEach((tenant, isValid) -> answers.addObject().put("id", tenant.hex()).put("valid", isValid));
        sendJson(response, Status.OK_200, out);
    }

    // -- management --------------------------------------------------------------------------------------

    private void status(ServerRequest request, ServerResponse response) throws SQLException {
        ObjectNode out = JSON.createObjectNode();
        out.put("nodes", store.nodes().size());
        out.put("tenants", store.tenants().size());
        out.put("migrations", store.migrations().size());
        sendJson(response, Status.OK_200, out);
    }

    private void registerNode(ServerRequest request, ServerResponse response) throws IOException, SQLException {
        JsonNode body = jsonBody(request);
        Node node = store.registerNode(new Node(requireLong(body, "node_id"), address(requireText(body, "address"))));
        sendJson(response, Status.OK_200, node(node));
    }

    private void listNodes(ServerRequest request, ServerResponse response) throws SQLException {
        ArrayNode out = JSON.createArrayNode();
        store.nodes().forEach(node -> out.add(node(node)));
        sendJson(response, Status.OK_200, out);
    }

    private void createTenant(ServerRequest request, ServerResponse response) throws IOException, SQLException {
        JsonNode body = jsonBody(request);
        TenantId tenant = body.hasNonNull("tenant_id") ? tenantId(requireText(body, "tenant_id")) : TenantId.random();
        sendJson(response, Status.CREATED_201, tenant(placer.create(tenant)));
    }

    private void listTenants(ServerRequest request, ServerResponse response) throws SQLException {
        ArrayNode out = JSON.createArrayNode();
        store.tenants().forEach(tenant -> out.add(tenant(tenant)));
        sendJson(response, Status.OK_200, out);
    }

    private void getTenant(ServerRequest request, ServerResponse response) throws SQLException {
        sendJson(response, Status.OK_200, tenant(store.tenant(tenantId(request.path().pathParameters().get("tenant")))));
    }

    private void migrate(ServerRequest request, ServerResponse response) throws IOException, SQLException {
        TenantId tenant = tenantId(request.path().pathParameters().get("tenant"));
        long target = requireLong(jsonBody(request), "node_id");
        sendJson(response, Status.OK_200, tenant(migrator.migrate(tenant, target)));
    }

    private void listMigrations(ServerRequest request, ServerResponse response) throws SQLException {
        ArrayNode out = JSON.createArrayNode();
        store.migrations().forEach(migration -> out.add(migration(migration)));
        sendJson(response, Status.OK_200, out);
    }

    // -- JSON --------------------------------------------------------------------------------------------

    private static ObjectNode node(Node node) {
        return JSON.createObjectNode().put("node_id", node.id()).put("address", node.address().toString());
    }

    private static ObjectNode tenant(Tenant tenant) {
        ObjectNode out = JSON.createObjectNode().put("tenant_id", tenant.id().hex()).put("generation", tenant.generation());
        tenant.current().ifPresentOrElse(current -> out.put("attached_node", current.nodeId()), () -> out.putNull("attached_node"));
        ArrayNode placements = out.putArray("placements");
        for (Placement placement : tenant.placements()) {
            ObjectNode entry = placements.addObject().put("node_id", placement.nodeId()).put("mode", placement.mode().wireName());
            if (placement.generation() != null) {
                entry.put("generation", placement.generation());
            }
        }
        if (tenant.migration() == null) {
            out.putNull("migration");
        } else {
            out.set("migration", migration(tenant.migration()));
        }
        return out;
    }

    private static ObjectNode migration(Migration migration) {
        return JSON.createObjectNode().put("tenant_id", migration.tenant().hex()).put("source_node", migration.sourceNode())
                .put("target_node", migration.targetNode()).put("step", migration.step().name());
    }

    /** {@code {"address": "http://…"}}, or Neon's {@code {"listen_http_addr": host, "listen_http_port": port}}. */
    private static URI registerAddress(JsonNode register) {
        if (register.hasNonNull("address")) {
            return address(requireText(register, "address"));
        }
        if (register.hasNonNull("listen_http_addr")) {
            return address("http://" + requireText(register, "listen_http_addr") + ":" + requireLong(register, "listen_http_port"));
        }
        throw new ControllerException.InvalidInput("register: expected \"address\" (http://host:port) or "
                + "\"listen_http_addr\" and \"listen_http_port\", got " + register);
    }

    private static URI address(String text) {
        try {
            URI uri = new URI(text);
            if (uri.getHost() == null) {
                throw new ControllerException.InvalidInput("address: expected http://host:port, got '" + text + "'");
            }
            return uri;
        } catch (java.net.URISyntaxException e) {
            throw new ControllerException.InvalidInput("address: not a URL: '" + text + "'");
        }
    }

    private static TenantId tenantId(String text) {
        try {
            return TenantId.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ControllerException.InvalidInput("tenant id: expected 32 lower-case hex digits, got '" + text + "'");
        }
    }

    private static JsonNode jsonBody(ServerRequest request) throws IOException {
        byte[] bytes = request.content().as(byte[].class);
        if (bytes.length == 0) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode body = JSON.readTree(bytes);
            if (body == null || !body.isObject()) {
                throw new ControllerException.InvalidInput("request body: expected a JSON object");
            }
            return body;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ControllerException.InvalidInput("request body is not JSON: " + e.getOriginalMessage());
        }
    }

    private static String requireText(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || !value.isTextual()) {
            throw new ControllerException.InvalidInput(field + ": expected a string, got " + value);
        }
        return value.asText();
    }

    private static long requireLong(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || !value.canConvertToExactIntegral() || !value.canConvertToLong() || value.asLong() < 0) {
            throw new ControllerException.InvalidInput(field + ": expected a non-negative integer, got " + value);
        }
        return value.asLong();
    }

    // -- plumbing ----------------------------------------------------------------------------------------

    @FunctionalInterface
    private interface Call {
        void run(ServerRequest request, ServerResponse response) throws Exception;
    }

    private static Handler guarded(Call call) {
        return (request, response) -> {
            try {
                call.run(request, response);
            } catch (ControllerException e) {
                if (e.status() >= 500) {
                    LOG.log(Level.WARNING, request.prologue().method() + " " + request.path().path() + ": " + e.getMessage());
                }
                sendError(response, e.status(), e.getMessage());
            } catch (SQLException e) {
                LOG.log(Level.ERROR, request.prologue().method() + " " + request.path().path() + ": database failed", e);
                sendError(response, 503, "database unavailable: " + e.getMessage());
            } catch (Exception e) {
                LOG.log(Level.ERROR, request.prologue().method() + " " + request.path().path() + " failed", e);
                sendError(response, 500, e.toString());
            }
        };
    }

    static void sendError(ServerResponse response, int status, String message) {
        if (status == 503) {
            response.header(HeaderNames.RETRY_AFTER, "1");
        }
        response.status(Status.create(status)).header(HeaderNames.CONTENT_TYPE, "application/json")
                .send(JSON.createObjectNode().put("msg", message).toString());
    }

    private static void sendJson(ServerResponse response, Status status, JsonNode body) {
        response.status(status).header(HeaderNames.CONTENT_TYPE, "application/json").send(body.toString());
    }
}

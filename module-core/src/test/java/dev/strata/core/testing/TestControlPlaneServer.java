package dev.strata.core.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small control plane speaking the re-attach and validate JSON of FORMATS: tenants with generations, a
 * required bearer token, and a switch that makes it answer 503 (down) without closing the port.
 */
public final class TestControlPlaneServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final String token;
    private final Map<String, Long> generations = new ConcurrentHashMap<>();
    private final Map<String, String> modes = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile boolean down;

    public TestControlPlaneServer(String token) throws IOException {
        this.token = token;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/upcall/v1/re-attach", exchange -> handle(exchange, this::reAttach));
        server.createContext("/upcall/v1/validate", exchange -> handle(exchange, this::validate));
        server.start();
    }

    public URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/upcall/v1");
    }

    public TestControlPlaneServer set(String tenant, long generation, String mode) {
        generations.put(tenant, generation);
        modes.put(tenant, mode);
        return this;
    }

    public void down(boolean down) {
        this.down = down;
    }

    public int requests() {
        return requests.get();
    }

    private interface Handler {
        JsonNode answer(JsonNode request);
    }

    private void handle(HttpExchange exchange, Handler handler) throws IOException {
        try (exchange) {
            requests.incrementAndGet();
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (down) {
                send(exchange, 503, "{\"msg\":\"down\"}");
                return;
            }
            if (!("Bearer " + token).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                send(exchange, 401, "{\"msg\":\"bad token\"}");
                return;
            }
            if (!exchange.getRequestMethod().equals("POST")) {
                send(exchange, 405, "{\"msg\":\"POST only\"}");
                return;
            }
            send(exchange, 200, handler.answer(JSON.readTree(body)).toString());
        }
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private JsonNode reAttach(JsonNode request) {
        ObjectNode answer = JSON.createObjectNode();
        answer.put("a_future_field", "ignored");
        ArrayNode tenants = answer.putArray("tenants");
        generations.forEach((tenant, generation) -> {
            long next = generation + 1;
            generations.put(tenant, next);
            tenants.addObject().put("id", tenant).put("gen", next).put("mode", modes.get(tenant));
        });
        return answer;
    }

    private JsonNode validate(JsonNode request) {
        ObjectNode answer = JSON.createObjectNode();
        ArrayNode tenants = answer.putArray("tenants");
        for (JsonNode tenant : request.get("tenants")) {
            String id = tenant.get("id").asText();
            Long current = generations.get(id);
            if (current != null) {
                tenants.addObject().put("id", id).put("valid", current == tenant.get("gen").asLong());
            }
        }
        return answer;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

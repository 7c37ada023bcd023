package dev.strata.core.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.api.Generation;
import dev.strata.api.TenantId;
import dev.strata.api.controlplane.ControlPlane;
import dev.strata.api.controlplane.ControlPlaneException;
import dev.strata.api.controlplane.TenantAttachment;
import dev.strata.api.controlplane.TenantGeneration;
import dev.strata.api.controlplane.TenantMode;
import dev.strata.api.remote.CallContext;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The {@code http} control plane: the re-attach and validate JSON of FORMATS "Control plane (http provider)"
 * over {@link HttpClient}, with a bearer token when one is configured.
 *
 * <p>Connection failures, timeouts, 429 and 5xx are retried with jittered exponential backoff until the call's
 * deadline, its cancellation, or {@link #close()}; other 4xx answers and malformed bodies are
 * {@link ControlPlaneException.Rejected}. Answers are read with unknown fields ignored.
 */
final class HttpControlPlane implements ControlPlane {
    private static final System.Logger LOG = System.getLogger(HttpControlPlane.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration FIRST_RETRY_DELAY = Duration.ofMillis(50);

    private final URI base;
    private final String token;
    private final Duration requestTimeout;
    private final Duration maxRetryDelay;
    private final HttpClient client;
    private volatile boolean closed;

    HttpControlPlane(URI base, String token, Duration requestTimeout, Duration maxRetryDelay) {
        this.base = Objects.requireNonNull(base, "base is null");
        this.token = token;
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout is null");
        this.maxRetryDelay = Objects.requireNonNull(maxRetryDelay, "maxRetryDelay is null");
        this.client = HttpClient.newBuilder().connectTimeout(requestTimeout).build();
    }

    @Override
    public List<TenantAttachment> reAttach(long nodeId, boolean emptyLocalDisk, CallContext context)
            throws ControlPlaneException {
        ObjectNode request = JSON.createObjectNode();
        request.put("node_id", nodeId);
        request.put("empty_local_disk", emptyLocalDisk);
        JsonNode answer = call("re-attach", request, context);
        JsonNode tenants = answer.get("tenants");
        if (tenants == null || !tenants.isArray()) {
            throw new ControlPlaneException.Rejected("re-attach at " + base + ": answer has no 'tenants' list: " + answer, null);
        }
        List<TenantAttachment> attachments = new ArrayList<>();
        Set<TenantId> seen = new HashSet<>();
        for (JsonNode tenant : tenants) {
            try {
                TenantId id = TenantId.parse(tenant.path("id").asText());
                TenantMode mode = tenant.hasNonNull("mode") ? TenantMode.parse(tenant.get("mode").asText()) : TenantMode.ATTACHED_SINGLE;
                JsonNode gen = tenant.get("gen");
                if (!seen.add(id)) {
                    throw new IllegalArgumentException("tenant " + id + " is listed twice");
                }
                // Detached, or attached without a generation: not to be held by this node.
                if (mode == TenantMode.DETACHED || (mode.attached() && (gen == null || gen.isNull()))) {
                    continue;
                }
                Generation generation = gen == null || gen.isNull() ? Generation.NONE : Generation.of(generation(gen));
                attachments.add(new TenantAttachment(id, generation, mode));
            } catch (IllegalArgumentException e) {
                throw new ControlPlaneException.Rejected("re-attach at " + base + ": bad tenant entry " + tenant + ": "
                        + e.getMessage(), e);
            }
        }
        return attachments;
    }

    @Override
    public Map<TenantGeneration, Boolean> validate(List<TenantGeneration> pairs, CallContext context)
            throws ControlPlaneException {
        if (pairs.size() > MAX_VALIDATE_BATCH) {
            throw new IllegalArgumentException("validate takes at most " + MAX_VALIDATE_BATCH + " tenants, got " + pairs.size());
        }
        Map<TenantId, TenantGeneration> byTenant = new LinkedHashMap<>();
        ObjectNode request = JSON.createObjectNode();
        ArrayNode list = request.putArray("tenants");
        for (TenantGeneration pair : pairs) {
            if (byTenant.put(pair.tenant(), pair) != null) {
                throw new IllegalArgumentException("tenant " + pair.tenant() + " is listed twice in one validate call");
            }
            list.addObject().put("id", pair.tenant().hex()).put("gen", pair.generation().value());
        }
        Map<TenantGeneration, Boolean> answers = new LinkedHashMap<>();
        pairs.forEach(pair -> answers.put(pair, false));
        if (pairs.isEmpty()) {
            return answers;
        }
        JsonNode answer = call("validate", request, context);
        JsonNode tenants = answer.get("tenants");
        if (tenants == null || !tenants.isArray()) {
            throw new ControlPlaneException.Rejected("validate at " + base + ": answer has no 'tenants' list: " + answer, null);
        }
        for (JsonNode tenant : tenants) {
            TenantGeneration asked;
            try {
                asked = byTenant.get(TenantId.parse(tenant.path("id").asText()));
            } catch (IllegalArgumentException e) {
                throw new ControlPlaneException.Rejected("validate at " + base + ": bad tenant id in " + tenant, e);
            }
            // An answer about a tenant not asked about is ignored; one that is absent means invalid.
            if (asked != null) {
                answers.put(asked, tenant.path("valid").asBoolean(false));
            }
        }
        return answers;
    }

    private static long generation(JsonNode gen) {
        if (!gen.isIntegralNumber()) {
            throw new IllegalArgumentException("'gen' = " + gen + " is not an integer");
        }
        BigInteger value = gen.bigIntegerValue();
        if (value.signum() < 0 || value.bitLength() > 32) {
            throw new IllegalArgumentException("'gen' = " + value + " is not an unsigned 32-bit generation");
        }
        return value.longValue();
    }

    /** POSTs {@code body} to {@code <base>/<path>}, retrying transient failures (see the class comment). */
    private JsonNode call(String path, JsonNode body, CallContext context) throws ControlPlaneException {
        URI uri = URI.create(base.toString().endsWith("/") ? base + path : base + "/" + path);
        byte[] bytes = body.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Duration delay = FIRST_RETRY_DELAY;
        int attempt = 0;
        String last = "no attempt";
        while (true) {
            attempt++;
            if (closed || context.cancellation().isCancelled()) {
                throw new ControlPlaneException.Cancelled(path + " at " + uri + ": cancelled after " + (attempt - 1)
                        + " attempts (last: " + last + ")", null);
            }
            if (context.deadline().isExpired()) {
                throw new ControlPlaneException.Unavailable(path + " at " + uri + ": no answer after " + (attempt - 1)
                        + " attempts (last: " + last + ")", null);
            }
            Duration timeout = requestTimeout;
            if (!context.deadline().isUnbounded() && context.deadline().remaining().compareTo(timeout) < 0) {
                timeout = context.deadline().remaining();
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout.isZero() ? Duration.ofMillis(1) : timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            try {
                HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
                int status = response.statusCode();
                if (status / 100 == 2) {
                    try {
                        JsonNode answer = JSON.readTree(response.body());
                        if (answer == null || !answer.isObject()) {
                            throw new IOException("not a JSON object");
                        }
                        return answer;
                    } catch (IOException e) {
                        throw new ControlPlaneException.Rejected(path + " at " + uri + ": answer is not valid JSON: "
                                + e.getMessage(), e);
                    }
                }
                String text = new String(response.body(), java.nio.charset.StandardCharsets.UTF_8);
                if (status != 429 && status != 408 && status / 100 == 4) {
                    throw new ControlPlaneException.Rejected(path + " at " + uri + " answered " + status + ": " + text, null);
                }
                last = "status " + status;
            } catch (ControlPlaneException e) {
                throw e;
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ControlPlaneException.Cancelled(path + " at " + uri + ": interrupted", e);
            }
            LOG.log(System.Logger.Level.WARNING, "control plane {0} at {1} failed (attempt {2}), retrying in {3} ms: {4}",
                    path, uri, attempt, delay.toMillis(), last);
            long sleep = delay.toMillis() / 2 + ThreadLocalRandom.current().nextLong(delay.toMillis() / 2 + 1);
            if (!context.deadline().isUnbounded()) {
                sleep = Math.min(sleep, Math.max(0, context.deadline().remaining().toMillis()));
            }
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ControlPlaneException.Cancelled(path + " at " + uri + ": interrupted", e);
            }
            Duration doubled = delay.multipliedBy(2);
            delay = doubled.compareTo(maxRetryDelay) > 0 ? maxRetryDelay : doubled;
        }
    }

    @Override
    public void close() {
        closed = true;
        client.close();
    }

    @Override
    public String toString() {
        // Never the token.
        return "http control plane " + base;
    }
}

package dev.strata.core.http;

import dev.strata.core.metrics.NodeMetrics;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.logging.log4j.CloseableThreadContext;

/**
 * Observes every request: counts it by route class and status in the node's metrics, and puts the tenant and
 * timeline of its path into the Log4j thread context while it runs, so every log line of the request carries
 * them. Also serves {@code GET /metrics} (Prometheus text), which needs no token.
 */
final class RequestObserver implements Filter {
    static final String METRICS_PATH = "/metrics";

    private final NodeMetrics metrics;

    RequestObserver(NodeMetrics metrics) {
        this.metrics = Objects.requireNonNull(metrics, "metrics is null");
    }

    /** Adds the filter (first, so it sees the status of requests that authentication refuses) and the route. */
    void register(HttpRouting.Builder routing) {
        routing.addFilter(this);
        routing.get(METRICS_PATH, (request, response) -> {
            response.status(Status.OK_200).header(HeaderNames.CONTENT_TYPE, metrics.prometheusContentType());
            try (OutputStream out = response.outputStream()) {
                metrics.writePrometheusText(out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        long started = System.nanoTime();
        String path = request.path().path();
        String[] parts = path.split("/");
        // /v1/tenant/{tenant}/timeline/{timeline}/{operation}: parts[0] is the empty string before the first slash.
        // One putAll: each separate put copies the thread's context map.
        Map<String, String> fields = new HashMap<>(4);
        fields.put("http_method", request.prologue().method().text());
        if (parts.length > 3 && parts[2].equals("tenant")) {
            fields.put("tenant_id", parts[3]);
        }
        if (parts.length > 5 && parts[4].equals("timeline")) {
            fields.put("timeline_id", parts[5]);
        }
        try (CloseableThreadContext.Instance context = CloseableThreadContext.putAll(fields)) {
            chain.proceed();
        } finally {
            metrics.httpRequest(routeClass(parts), response.status().code(), System.nanoTime() - started);
        }
    }

    static boolean isPublic(String path) {
        return path.equals(METRICS_PATH);
    }

    /** The route class of a path, one of {@link NodeMetrics#HTTP_ROUTE_CLASSES}. */
    static String routeClass(String[] parts) {
        if (parts.length == 2 && ("/" + parts[1]).equals(METRICS_PATH)) {
            return "metrics";
        }
        if (parts.length < 2 || !parts[1].equals("v1")) {
            return "other";
        }
        if (parts.length == 7 && parts[4].equals("timeline")) {
            return switch (parts[6]) {
                case "ingest" -> "ingest";
                case "page" -> "page";
                case "pages" -> "pages";
                case "range" -> "range";
                case "checkpoint", "compact", "do_gc" -> "maintenance";
                default -> "other";
            };
        }
        return "management";
    }
}

package dev.strata.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.core.metrics.NodeMetrics;
import org.junit.jupiter.api.Test;

/** Route classes of request paths: every class is one the metrics know, so none is created on the fly. */
class RequestObserverTest {
    private static String routeClass(String path) {
        return RequestObserver.routeClass(path.split("/"));
    }

    @Test
    void pathsMapToTheirRouteClass() {
        String timeline = "/v1/tenant/0123456789abcdef0123456789abcdef/timeline/fedcba9876543210fedcba9876543210";
        assertEquals("ingest", routeClass(timeline + "/ingest"));
        assertEquals("page", routeClass(timeline + "/page"));
        assertEquals("pages", routeClass(timeline + "/pages"));
        assertEquals("range", routeClass(timeline + "/range"));
        assertEquals("maintenance", routeClass(timeline + "/checkpoint"));
        assertEquals("maintenance", routeClass(timeline + "/compact"));
        assertEquals("maintenance", routeClass(timeline + "/do_gc"));
        assertEquals("other", routeClass(timeline + "/unknown"));
        assertEquals("management", routeClass(timeline));
        assertEquals("management", routeClass("/v1/tenant"));
        assertEquals("management", routeClass("/v1/status"));
        assertEquals("management", routeClass("/v1/failpoints"));
        assertEquals("metrics", routeClass("/metrics"));
        assertEquals("other", routeClass("/"));
        assertEquals("other", routeClass("/favicon.ico"));
        for (String path : new String[] {timeline + "/ingest", "/v1/status", "/metrics", "/x/y/z"}) {
            assertTrue(NodeMetrics.HTTP_ROUTE_CLASSES.contains(routeClass(path)), path);
        }
    }

    @Test
    void onlyMetricsArePublic() {
        assertTrue(RequestObserver.isPublic("/metrics"));
        assertEquals(false, RequestObserver.isPublic("/metrics/"));
        assertEquals(false, RequestObserver.isPublic("/v1/status"));
    }
}

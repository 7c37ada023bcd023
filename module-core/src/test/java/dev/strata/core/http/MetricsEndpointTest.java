package dev.strata.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Key;
import dev.strata.api.PageRecord;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.client.StrataClient;
import dev.strata.client.StrataClientException;
import dev.strata.client.wire.PageWire;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.metrics.NodeMetrics;
import dev.strata.core.tenant.EngineOptions;
import dev.strata.core.testing.PrometheusSamples;
import dev.strata.core.tenant.LocalEngine;
import java.net.URI;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /metrics} over real HTTP: Prometheus text from the Dropwizard registry, before and after traffic. */
class MetricsEndpointTest {
    @TempDir Path workdir;
    private LocalEngine engine;
    private NodeServer server;
    private final TenantId tenant = TenantId.random();
    private final TimelineId main = TimelineId.random();

    private static Key key(int n) {
        return Key.ofRelationPage(1663, 5, 16384, 0, n);
    }

    @BeforeEach
    void start() throws Exception {
        // Compaction is driven by the test, so its count is exact.
        engine = LocalEngine.open(workdir, EngineOptions.DEFAULT.withBackgroundCompaction(false), new NodeMetrics());
        server = NodeServer.start(engine, Failpoints.disabled(), 3, "127.0.0.1", 0, 4 << 20, null);
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        engine.close();
    }

    @Test
    void everyMetricIsThereAtZeroBeforeTheFirstRequest() throws Exception {
        Scrape response = scrapeResponse();
        assertEquals(200, response.status());
        assertTrue(response.contentType().startsWith("text/plain; version=0.0.4"), response.contentType());
        Map<String, Double> samples = PrometheusSamples.parse(response.body());
        for (String name : List.of("strata_ingest_batches_total", "strata_ingest_records_total",
                "strata_ingest_bytes_total", "strata_ingest_latency_count", "strata_read_requests_total",
                "strata_read_pages_total", "strata_read_latency_count", "strata_read_layers_visited_count", "strata_flushes_total", "strata_compactions_total",
                "strata_gc_runs_total", "strata_background_failures_total",
                "strata_http_requests_total{route=\"ingest\",status=\"2xx\"}",
                "strata_http_requests_total{route=\"page\",status=\"4xx\"}",
                "strata_http_requests_total{route=\"metrics\",status=\"2xx\"}",
                "strata_http_latency_count{route=\"management\"}")) {
            assertEquals(0.0, samples.get(name), name + " in\n" + response.body());
        }
        assertEquals(0.0, samples.get("strata_fsyncs_total{kind=\"wal\"}"), response.body());
        assertEquals(0.0, samples.get("strata_fsyncs_total{kind=\"layer\"}"), response.body());
        for (String kind : List.of("l0_delta", "l1_delta", "image", "frozen")) {
            assertEquals(0.0, samples.get("strata_layers{kind=\"" + kind + "\"}"), kind + " in\n" + response.body());
        }
        assertEquals(0.0, samples.get("strata_upload_queue_operations{state=\"queued\"}"), response.body());
        assertEquals(0.0, samples.get("strata_upload_queue_operations{state=\"in_flight\"}"), response.body());
        assertEquals(0.0, samples.get("strata_upload_queue_bytes"), response.body());
        for (String name : List.of("strata_in_memory_layers_bytes", "strata_in_memory_layers_frozen_bytes",
                "strata_in_memory_layers_budget_freezes", "strata_in_memory_layers_stall_seconds")) {
            assertEquals(0.0, samples.get(name), name + " in\n" + response.body());
        }
        assertEquals((double) engine.resources().memory().limitBytes(), samples.get("strata_in_memory_layers_limit_bytes"),
                response.body());
        assertEquals(0.0, samples.get("strata_tenants"));
        assertEquals(0.0, samples.get("strata_timelines"));
        assertTrue(response.body().contains("# TYPE strata_ingest_latency summary"), response.body());
        assertTrue(response.body().contains("strata_ingest_latency{quantile=\"0.99\"}"), response.body());
    }

    @Test
    void ingestReadsMaintenanceAndErrorsMoveTheirMetrics() throws Exception {
        try (StrataClient client = StrataClient.connect(URI.create("http://127.0.0.1:" + server.port()))) {
            client.createTenant(tenant);
            client.createTimeline(tenant, main);
            client.ingest(tenant, main, List.of(new PageWire.Write(key(1), new PageRecord.Image(bytes("one"))),
                    new PageWire.Write(key(2), new PageRecord.Image(bytes("two")))));
            client.ingest(tenant, main, List.of(new PageWire.Write(key(1), new PageRecord.Append(bytes("+")))));
            client.getPage(tenant, main, key(1), null);
            client.getPages(tenant, main, List.of(key(1), key(2), key(3)), null);
            client.checkpoint(tenant, main);
            client.compact(tenant, main);
            client.gc(tenant, main);
            // Now from a persistent layer: the page's records are read from at least one layer file.
            client.getPage(tenant, main, key(2), null);
            StrataClientException missing = org.junit.jupiter.api.Assertions.assertThrows(StrataClientException.class,
                    () -> client.getPage(tenant, TimelineId.random(), key(1), null));
            assertEquals(404, missing.status());
        }

        String text = scrapeResponse().body();
        Map<String, Double> samples = PrometheusSamples.parse(text);
        assertEquals(2.0, samples.get("strata_ingest_batches_total"), text);
        assertEquals(3.0, samples.get("strata_ingest_records_total"), text);
        assertEquals(7.0, samples.get("strata_ingest_bytes_total"), text);
        assertEquals(2.0, samples.get("strata_ingest_latency_count"), text);
        assertEquals(3.0, samples.get("strata_read_requests_total"), text);
        assertEquals(5.0, samples.get("strata_read_pages_total"), text);
        assertEquals(5.0, samples.get("strata_read_layers_visited_count"), "one sample per page rebuilt:\n" + text);
        assertTrue(samples.get("strata_read_layers_visited{quantile=\"0.99\"}") >= 1,
                "the read after the checkpoint visited a layer file:\n" + text);
        assertTrue(samples.get("strata_read_latency{quantile=\"0.5\"}") > 0, text);
        assertEquals(1.0, samples.get("strata_flushes_total"), text);
        assertEquals(1.0, samples.get("strata_compactions_total"), text);
        assertEquals(1.0, samples.get("strata_gc_runs_total"), text);
        assertTrue(samples.get("strata_fsyncs_total{kind=\"wal\"}") >= 2, "one per acknowledged batch at least:\n" + text);
        assertTrue(samples.get("strata_fsyncs_total{kind=\"layer\"}") >= 1, "the flushed layer:\n" + text);
        // Labels are written in name order: kind, tenant_id, timeline_id.
        java.util.function.Function<String, Double> lsn = kind -> samples.get("strata_timeline_lsn{kind=\"" + kind
                + "\",tenant_id=\"" + tenant + "\",timeline_id=\"" + main + "\"}");
        assertTrue(lsn.apply("last_record") > 0, text);
        assertEquals(lsn.apply("last_record"), lsn.apply("disk_consistent"), "checkpointed:\n" + text);
        assertEquals(0.0, lsn.apply("remote_consistent_visible"), "no remote storage:\n" + text);
        assertEquals(1.0, samples.get("strata_tenants"), text);
        assertEquals(1.0, samples.get("strata_timelines"), text);
        double persistent = samples.get("strata_layers{kind=\"l0_delta\"}") + samples.get("strata_layers{kind=\"l1_delta\"}")
                + samples.get("strata_layers{kind=\"image\"}");
        assertTrue(persistent >= 1, text);
        assertEquals(2.0, samples.get("strata_http_requests_total{route=\"ingest\",status=\"2xx\"}"), text);
        assertEquals(2.0, samples.get("strata_http_requests_total{route=\"page\",status=\"2xx\"}"), text);
        assertEquals(1.0, samples.get("strata_http_requests_total{route=\"page\",status=\"4xx\"}"), text);
        assertEquals(1.0, samples.get("strata_http_requests_total{route=\"pages\",status=\"2xx\"}"), text);
        assertEquals(3.0, samples.get("strata_http_requests_total{route=\"maintenance\",status=\"2xx\"}"), text);
        assertEquals(2.0, samples.get("strata_http_requests_total{route=\"management\",status=\"2xx\"}"), text);
        assertEquals(0.0, samples.get("strata_http_requests_total{route=\"metrics\",status=\"2xx\"}"), text);
        Map<String, Double> again = PrometheusSamples.parse(scrapeResponse().body());
        assertEquals(1.0, again.get("strata_http_requests_total{route=\"metrics\",status=\"2xx\"}"),
                "a scrape is counted once it is answered");
    }

    private record Scrape(int status, String contentType, String body) {}

    /** GET /metrics with java.base only (the core module does not read java.net.http). */
    private Scrape scrapeResponse() throws Exception {
        HttpURLConnection connection = (HttpURLConnection)
                URI.create("http://127.0.0.1:" + server.port() + "/metrics").toURL().openConnection();
        try {
            int status = connection.getResponseCode();
            String body = new String(connection.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Scrape(status, String.valueOf(connection.getContentType()), body);
        } finally {
            connection.disconnect();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}

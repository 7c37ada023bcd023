package dev.strata.core.tenant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Generation;
import dev.strata.api.Key;
import dev.strata.api.PageRecord;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.client.StrataClient;
import dev.strata.client.TenantInfo;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.http.NodeServer;
import dev.strata.core.metrics.NodeMetrics;
import dev.strata.core.page.PageWrite;
import dev.strata.core.testing.PrometheusSamples;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start-up attach in the background with bounded concurrency: a request for a tenant still waiting moves it to
 * the front of the queue; start-up phases and tenant states show in {@code /metrics}; a tenant whose attach
 * fails is broken (500) while the others serve.
 */
final class StartupAttachTest {
    private static final int TENANTS = 300;
    private static final Key KEY = Key.ofRelationPage(1663, 5, 16384, 0, 0);

    @TempDir Path workdir;

    @Test
    void aRequestedTenantIsAttachedBeforeTheOthersThatWait() throws Exception {
        List<TenantId> tenants = new ArrayList<>();
        for (int i = 0; i < TENANTS; i++) {
            tenants.add(TenantId.random());
        }
        tenants.sort(null);
        TenantId last = tenants.getLast();
        TimelineId timeline = TimelineId.random();
        try (LocalEngine engine = LocalEngine.open(workdir, EngineOptions.DEFAULT)) {
            for (TenantId tenant : tenants) {
                engine.createTenant(tenant, Generation.of(1));
            }
            engine.createTimeline(last, timeline).ingest(List.of(new PageWrite(KEY, new PageRecord.Image(new byte[] {42}))));
        }

        Failpoints failpoints = Failpoints.create();
        // The two workers stop at their first tenants until the request below is queued: the order is then fixed.
        failpoints.configure("startup-before-tenant-attach", "pause");
        EngineOptions options = EngineOptions.DEFAULT.withFailpoints(failpoints)
                .withStartup(new StartupAttach(true, 2, Duration.ofSeconds(30)));
        NodeMetrics metrics = new NodeMetrics();
        try (LocalEngine engine = LocalEngine.open(workdir, options, metrics);
             NodeServer server = NodeServer.start(engine, failpoints, 1, "127.0.0.1", 0, 1 << 20, null);
             StrataClient client = StrataClient.connect(URI.create("http://127.0.0.1:" + server.port()));
             java.util.concurrent.ExecutorService requests = java.util.concurrent.Executors.newSingleThreadExecutor()) {
            assertEquals(TENANTS, engine.startupAttachPending(), "open returned before any tenant was attached");
            List<TenantInfo> listed = client.listTenants();
            assertEquals(TENANTS, listed.size(), "a listing shows every tenant, attaching or not, without waiting");
            assertEquals("Attaching", listed.getLast().state());
            assertEquals(TENANTS, client.status().path("startup_attach_pending").asInt(), "the status shows the queue");

            Map<String, Double> early = PrometheusSamples.parse(scrape(server));
            assertEquals(TENANTS, early.get("strata_tenant_states{state=\"attaching\"}"), early.toString());
            assertEquals(0.0, early.get("strata_tenant_states{state=\"active\"}"));
            assertEquals(0.0, early.get("strata_startup_phase_seconds{phase=\"attach\"}"), "attach not finished yet");
            assertEquals(0.0, early.get("strata_startup_phase_seconds{phase=\"control_plane\"}"), "no control plane");
            assertTrue(early.get("strata_startup_phase_seconds{phase=\"read_configs\"}") > 0, early.toString());
            assertEquals(0.0, early.get("strata_startup_phase_seconds{phase=\"deletion_queue_recovery\"}"));

            // The page read waits for its tenant, which jumps the queue: it is the next one a worker takes.
            java.util.concurrent.Future<byte[]> read = requests.submit(() -> client.getPage(last, timeline, KEY, null));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (engine.startupPrioritized() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, engine.startupPrioritized(), "the request moved its tenant to the front");
            failpoints.configure("startup-before-tenant-attach", "sleep(20)");
            assertArrayEquals(new byte[] {42}, read.get(30, java.util.concurrent.TimeUnit.SECONDS));
            int pendingWhenServed = engine.startupAttachPending();
            assertEquals("Active", engine.tenantState(last).orElseThrow());
            assertTrue(pendingWhenServed > TENANTS / 2, "when the last tenant in order was served, most others were still"
                    + " waiting: " + pendingWhenServed + " of " + TENANTS);
            failpoints.configure("startup-before-tenant-attach", "off");

            deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (engine.startupAttachPending() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(0, engine.startupAttachPending(), "every tenant attached in the end");
            assertEquals(0, client.status().path("startup_attach_pending").asInt());
            Map<String, Double> done = PrometheusSamples.parse(scrape(server));
            assertEquals(TENANTS, done.get("strata_tenant_states{state=\"active\"}"), done.toString());
            assertEquals(0.0, done.get("strata_tenant_states{state=\"attaching\"}"));
            assertTrue(done.get("strata_startup_phase_seconds{phase=\"attach\"}") > 0, done.toString());
            assertEquals(TENANTS, client.listTenants().stream().filter(info -> info.state().equals("Active")).count());
        }
    }

    @Test
    void aTenantThatFailsToAttachInTheBackgroundIsBrokenAndTheOthersServe() throws Exception {
        TenantId good = TenantId.random();
        TenantId bad = TenantId.random();
        try (LocalEngine engine = LocalEngine.open(workdir, EngineOptions.DEFAULT)) {
            engine.createTenant(good, Generation.of(1));
            engine.createTenant(bad, Generation.of(1));
        }
        Files.writeString(workdir.resolve("tenants").resolve(bad.hex()).resolve("timelines").resolve("not-a-timeline"), "x");
        NodeMetrics metrics = new NodeMetrics();
        try (LocalEngine engine = LocalEngine.open(workdir, EngineOptions.DEFAULT.withStartup(
                StartupAttach.DEFAULT.inBackground()), metrics);
             NodeServer server = NodeServer.start(engine, Failpoints.disabled(), 1, "127.0.0.1", 0, 1 << 20, null);
             StrataClient client = StrataClient.connect(URI.create("http://127.0.0.1:" + server.port()))) {
            assertEquals("Active", client.tenant(good).state());
            dev.strata.client.StrataClientException broken = org.junit.jupiter.api.Assertions.assertThrows(
                    dev.strata.client.StrataClientException.class, () -> client.tenant(bad));
            assertEquals(500, broken.status(), broken.getMessage());
            assertTrue(broken.getMessage().contains("not-a-timeline"), "the reason names the file: " + broken.getMessage());
            assertEquals("Broken", engine.tenantState(bad).orElseThrow());
            Map<String, Double> samples = PrometheusSamples.parse(scrape(server));
            assertEquals(1.0, samples.get("strata_tenant_states{state=\"broken\"}"));
            assertEquals(1.0, samples.get("strata_tenant_states{state=\"active\"}"));
        }
    }

    private static String scrape(NodeServer server) throws Exception {
        HttpURLConnection connection = (HttpURLConnection)
                URI.create("http://127.0.0.1:" + server.port() + "/metrics").toURL().openConnection();
        try {
            return new String(connection.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            connection.disconnect();
        }
    }
}

package dev.strata.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.api.Key;
import dev.strata.api.PageRecord;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.client.StrataClient;
import dev.strata.client.StrataClientException;
import dev.strata.client.TenantConfigInfo;
import dev.strata.client.wire.PageWire;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.tenant.EngineOptions;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.timeline.Timeline;
import dev.strata.core.timeline.TimelineSettings;
import dev.strata.core.wal.Durability;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-tenant settings over real HTTP: {@code GET|PATCH /v1/tenant/{id}/config} as a JSON merge patch, bad input
 * refused naming the key and value, changes applied to running timelines, persisted in {@code config-v1} across a
 * restart, and {@code tenant_conf} of {@code location_config} at the same generation.
 */
final class TenantConfigRouteTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TimelineSettings DEFAULTS = TimelineSettings.DEFAULT.withCheckpointDistance(1L << 20);

    @TempDir Path workdir;
    private LocalEngine engine;
    private NodeServer server;
    private StrataClient client;
    private final TenantId tenant = TenantId.random();
    private final TimelineId timeline = TimelineId.random();

    @BeforeEach
    void start() throws IOException {
        open();
        client.createTenant(tenant);
        client.createTimeline(tenant, timeline);
    }

    private void open() throws IOException {
        engine = LocalEngine.open(workdir, EngineOptions.DEFAULT.withTimelineSettings(DEFAULTS));
        server = NodeServer.start(engine, Failpoints.disabled(), 1, "127.0.0.1", 0, 1 << 20, null);
        client = StrataClient.connect(URI.create("http://127.0.0.1:" + server.port()));
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
        server.close();
        engine.close();
    }

    private static ObjectNode patch(String json) throws IOException {
        return (ObjectNode) JSON.readTree(json);
    }

    @Test
    void patchMergesOverridesAndRunningTimelinesApplyThem() throws Exception {
        TenantConfigInfo initial = client.tenantConfig(tenant);
        assertTrue(initial.overrides().isEmpty(), initial.toString());
        assertEquals(1L << 20, initial.effective().get("checkpoint_distance").asLong(), "the node's default");
        assertEquals("1d", initial.effective().get("eviction_idle_threshold").asText(), "the node's [eviction] threshold");

        TenantConfigInfo patched = client.patchTenantConfig(tenant, patch("""
                {"checkpoint_distance": 4096, "compaction_threshold": 3, "pitr_interval": "1h", "durability": "periodic"}"""));
        assertEquals(4, patched.overrides().size(), patched.toString());
        assertEquals(4096, patched.effective().get("checkpoint_distance").asLong());
        assertEquals("1h", patched.effective().get("pitr_interval").asText());
        assertEquals(List.of("durability"), patched.pendingReload(), "the WAL's durability waits for the next load");

        TimelineSettings running = engine.timeline(tenant, timeline).settings();
        assertEquals(4096, running.checkpointDistance(), "applied to the running timeline");
        assertEquals(3, running.compactionThreshold());
        assertEquals(Duration.ofHours(1), running.pitrInterval());
        assertEquals(Durability.FSYNC, running.wal().durability(), "the open WAL keeps its options");

        // The new checkpoint distance takes effect on the next writes: more than 4 KiB of records are flushed.
        Key key = Key.ofRelationPage(1663, 5, 16384, 0, 0);
        for (int i = 0; i < 4; i++) {
            client.ingest(tenant, timeline, List.of(new PageWire.Write(key, new PageRecord.Image(new byte[2048]))));
        }
        Timeline live = engine.timeline(tenant, timeline);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (live.layerFileNames().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(!live.layerFileNames().isEmpty(), "a flush at the tenant's checkpoint distance, not the node's 1 MiB");

        TenantConfigInfo removed = client.patchTenantConfig(tenant, patch("{\"checkpoint_distance\": null}"));
        assertEquals(List.of("compaction_threshold", "durability", "pitr_interval"),
                iterable(removed.overrides()), "null removes one override, the others stay");
        assertEquals(1L << 20, removed.effective().get("checkpoint_distance").asLong(), "back to the default");
        assertEquals(1L << 20, engine.timeline(tenant, timeline).settings().checkpointDistance());
    }

    @Test
    void badPatchesAreRefusedNamingTheKeyAndValueAndChangeNothing() throws Exception {
        client.patchTenantConfig(tenant, patch("{\"gc_horizon\": 1000}"));
        assertBadRequest("{\"colour\": \"red\"}", "colour");
        assertBadRequest("{\"checkpoint_distance\": \"abc\"}", "checkpoint_distance", "abc");
        assertBadRequest("{\"checkpoint_distance\": 1.5}", "checkpoint_distance", "1.5");
        assertBadRequest("{\"compaction_threshold\": 1}", "compaction_threshold", "1");
        assertBadRequest("{\"pitr_interval\": \"soon\"}", "pitr_interval", "soon");
        assertBadRequest("{\"durability\": \"maybe\"}", "durability", "maybe");
        assertBadRequest("{\"compress\": \"yes\"}", "compress", "yes");
        assertBadRequest("{\"wal_segment_size\": 5}", "wal_segment_size", "5");
        assertBadRequest("{\"wal_spare_segments\": -2}", "wal_spare_segments", "-2");
        assertBadRequest("{\"gc_horizon\": 5, \"colour\": 1}", "colour");
        assertBadRequest("[1, 2]", "JSON object");
        assertEquals("{\"gc_horizon\":1000}", client.tenantConfig(tenant).overrides().toString(),
                "a refused patch changes nothing, not even its valid keys");
        assertEquals(1000, engine.timeline(tenant, timeline).settings().gcHorizon());

        StrataClientException unknownTenant = assertThrows(StrataClientException.class,
                () -> client.tenantConfig(TenantId.random()));
        assertEquals(404, unknownTenant.status());
    }

    /** Sends a PATCH as raw text (the client only sends objects) and checks a 400 naming every given word. */
    private void assertBadRequest(String body, String... named) throws Exception {
        try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
            java.net.http.HttpResponse<String> response = http.send(java.net.http.HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + server.port() + "/v1/tenant/" + tenant + "/config"))
                    .method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(400, response.statusCode(), body + ": " + response.body());
            for (String name : named) {
                assertTrue(response.body().contains(name), body + " must be named in: " + response.body());
            }
        }
    }

    @Test
    void overridesSurviveARestartAndUnknownStoredKeysAreIgnored() throws Exception {
        client.patchTenantConfig(tenant, patch("{\"durability\": \"periodic\", \"image_creation_threshold\": 7}"));
        Path config = workdir.resolve("tenants").resolve(tenant.hex()).resolve("config-v1");
        String stored = Files.readString(config);
        assertTrue(stored.contains("tenant_conf.durability = 'periodic'"), stored);
        stop();
        // A newer release may have written keys this one does not know: they are ignored.
        Files.writeString(config, stored + "later_setting = 1\ntenant_conf.colour = 'red'\n");
        open();
        TenantConfigInfo reloaded = client.tenantConfig(tenant);
        assertEquals("{\"durability\":\"periodic\",\"image_creation_threshold\":7}", reloaded.overrides().toString());
        assertEquals(List.of(), reloaded.pendingReload(), "the reload applied the WAL's durability");
        TimelineSettings running = engine.timeline(tenant, timeline).settings();
        assertEquals(Durability.PERIODIC, running.wal().durability());
        assertEquals(7, running.imageCreationThreshold());
    }

    @Test
    void locationConfigAtTheSameGenerationReplacesOverridesInPlace() throws Exception {
        client.patchTenantConfig(tenant, patch("{\"gc_horizon\": 1000}"));
        ObjectNode body = patch("{\"mode\": \"AttachedMulti\", \"generation\": 1, \"tenant_conf\": {\"checkpoint_timeout\": \"30s\"}}");
        putLocation(body, 200);
        TenantConfigInfo info = client.tenantConfig(tenant);
        assertEquals("{\"checkpoint_timeout\":\"30s\"}", info.overrides().toString(), "tenant_conf is the complete set");
        assertEquals(Duration.ofSeconds(30), engine.timeline(tenant, timeline).settings().checkpointTimeout(),
                "updated in place: the same timeline object, no re-attach");
        assertEquals("AttachedMulti", engine.tenantConfig(tenant).mode());

        putLocation(patch("{\"mode\": \"AttachedSingle\", \"generation\": 1}"), 200);
        assertEquals("{\"checkpoint_timeout\":\"30s\"}", client.tenantConfig(tenant).overrides().toString(),
                "no tenant_conf keeps the overrides");

        String refused = putLocation(patch("{\"mode\": \"AttachedSingle\", \"generation\": 1, \"tenant_conf\": {\"gc_horizon\": -1}}"), 400);
        assertTrue(refused.contains("gc_horizon"), refused);
        refused = putLocation(patch("{\"mode\": \"AttachedSingle\", \"generation\": 1, \"tenant_conf\": {\"colour\": 1}}"), 400);
        assertTrue(refused.contains("colour"), refused);
        assertEquals("{\"checkpoint_timeout\":\"30s\"}", client.tenantConfig(tenant).overrides().toString());
    }

    private String putLocation(ObjectNode body, int status) throws IOException {
        java.net.HttpURLConnection connection = (java.net.HttpURLConnection) URI.create("http://127.0.0.1:"
                + server.port() + "/v1/tenant/" + tenant + "/location_config").toURL().openConnection();
        connection.setRequestMethod("PUT");
        connection.setDoOutput(true);
        connection.getOutputStream().write(body.toString().getBytes());
        assertEquals(status, connection.getResponseCode(), body.toString());
        return new String((status >= 400 ? connection.getErrorStream() : connection.getInputStream()).readAllBytes());
    }

    private static List<String> iterable(ObjectNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}

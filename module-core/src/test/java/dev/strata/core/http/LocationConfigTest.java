package dev.strata.core.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.client.StrataClient;
import dev.strata.client.StrataClientException;
import dev.strata.client.TenantInfo;
import dev.strata.client.wire.PageWire;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.tenant.EngineOptions;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.testing.LocalBucket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code PUT /v1/tenant/{id}/location_config}: attach, detach, idempotence, generations, modes and refusals. */
class LocationConfigTest {
    @TempDir Path workdir;
    private LocalEngine engine;
    private NodeServer server;
    private StrataClient client;
    private final TenantId tenant = TenantId.random();

    @BeforeEach
    void start() throws Exception {
        engine = LocalEngine.open(workdir, EngineOptions.DEFAULT);
        server = NodeServer.start(engine, Failpoints.disabled(), 1, "127.0.0.1", 0, 1 << 20, null);
        client = StrataClient.connect(URI.create("http://127.0.0.1:" + server.port()));
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        server.close();
        engine.close();
    }

    @Test
    void attachIsIdempotentAndNewerGenerationsReattach() throws Exception {
        TenantInfo attached = client.setLocation(tenant, "AttachedSingle", 3L);
        assertEquals(3, attached.generation());
        assertEquals(3, client.setLocation(tenant, "AttachedSingle", 3L).generation(), "the same request again");
        TimelineId timeline = TimelineId.random();
        client.createTimeline(tenant, timeline);
        Key key = Key.ofRelationPage(1663, 5, 16384, 0, 0);
        Lsn commit = client.ingest(tenant, timeline, List.of(new PageWire.Write(key, new PageRecord.Image(new byte[] {5}))));
        client.checkpoint(tenant, timeline);

        StrataClientException older = assertThrows(StrataClientException.class, () -> client.setLocation(tenant, "AttachedSingle", 2L));
        assertEquals(409, older.status());
        assertTrue(older.getMessage().contains("generation"), older.getMessage());

        client.setLocation(tenant, "AttachedMulti", 3L);
        assertEquals("AttachedMulti", engine.tenantConfig(tenant).mode(), "same generation: mode changed in place");
        TenantInfo reattached = client.setLocation(tenant, "AttachedSingle", 4L);
        assertEquals(4, reattached.generation());
        assertArrayEquals(new byte[] {5}, client.getPage(tenant, timeline, key, commit), "data survives a re-attach");
        client.ingest(tenant, timeline, List.of(new PageWire.Write(key, new PageRecord.Image(new byte[] {6}))));
        client.checkpoint(tenant, timeline);
        try (Stream<Path> files = Files.list(workdir.resolve("tenants").resolve(tenant.hex()).resolve("timelines").resolve(timeline.hex()))) {
            List<String> names = files.map(p -> p.getFileName().toString()).toList();
            assertTrue(names.stream().anyMatch(n -> n.endsWith("-v1-00000003")), names.toString());
            assertTrue(names.stream().anyMatch(n -> n.endsWith("-v1-00000004")), "new layers carry the new generation: " + names);
        }

        TenantInfo stale = client.setLocation(tenant, "AttachedStale", 4L);
        assertEquals(4, stale.generation());
        assertEquals(client.timeline(tenant, timeline).lastRecordLsn(), client.timeline(tenant, timeline).diskConsistentLsn(),
                "a stale attachment flushed everything it holds");
    }

    @Test
    void badRequestsAndModesThatNeedRemoteStorageAreRefused() throws Exception {
        assertEquals(400, assertThrows(StrataClientException.class, () -> client.setLocation(tenant, "AttachedSingle", null)).status());
        assertEquals(400, assertThrows(StrataClientException.class, () -> client.setLocation(tenant, "Detached", 1L)).status());
        StrataClientException badMode = assertThrows(StrataClientException.class, () -> client.setLocation(tenant, "Attached", 1L));
        assertEquals(400, badMode.status());
        assertTrue(badMode.getMessage().contains("Attached"), badMode.getMessage());

        client.setLocation(tenant, "AttachedSingle", 1L);
        StrataClientException detach = assertThrows(StrataClientException.class, () -> client.setLocation(tenant, "Detached", null));
        assertEquals(409, detach.status());
        assertTrue(detach.getMessage().contains("remote storage"), detach.getMessage());
        assertEquals(409, assertThrows(StrataClientException.class, () -> client.setLocation(tenant, "Secondary", null)).status());
        assertEquals(1, client.tenant(tenant).generation(), "a refused change leaves the tenant as it was");

        java.net.HttpURLConnection connection = (java.net.HttpURLConnection) URI.create("http://127.0.0.1:" + server.port()
                + "/v1/tenant/" + tenant + "/location_config").toURL().openConnection();
        connection.setRequestMethod("PUT");
        connection.setDoOutput(true);
        connection.getOutputStream().write("{\"mode\":\"AttachedSingle\",\"generation\":1,\"colour\":\"red\"}".getBytes());
        assertEquals(400, connection.getResponseCode());
        assertTrue(new String(connection.getErrorStream().readAllBytes()).contains("colour"));
    }

    @Test
    void detachWithRemoteStorageAnswersTheTenantAsDetachedAndAttachLoadsItBack() throws Exception {
        try (LocalBucket bucket = new LocalBucket(workdir.resolve("bucket"), 1);
             LocalEngine tiered = LocalEngine.open(workdir.resolve("tiered"), EngineOptions.DEFAULT.withRemote(bucket.resources()));
             NodeServer node = NodeServer.start(tiered, Failpoints.disabled(), 2, "127.0.0.1", 0, 1 << 20, null);
             StrataClient tieredClient = StrataClient.connect(URI.create("http://127.0.0.1:" + node.port()))) {
            tieredClient.setLocation(tenant, "AttachedSingle", 1L);
            TimelineId timeline = TimelineId.random();
            tieredClient.createTimeline(tenant, timeline);
            Key key = Key.ofRelationPage(1663, 5, 16384, 0, 0);
            tieredClient.ingest(tenant, timeline, List.of(new PageWire.Write(key, new PageRecord.Image(new byte[] {7}))));

            TenantInfo detached = tieredClient.setLocation(tenant, "Detached", null);
            assertEquals(tenant, detached.id());
            assertEquals("Detached", detached.state());
            assertEquals(404, assertThrows(StrataClientException.class, () -> tieredClient.tenant(tenant)).status());
            assertEquals("Detached", tieredClient.setLocation(tenant, "Detached", null).state(), "detaching again is a no-op");

            TenantInfo attached = tieredClient.setLocation(tenant, "AttachedSingle", 2L);
            assertEquals(2, attached.generation());
            assertEquals(1, attached.timelines());
            assertArrayEquals(new byte[] {7}, tieredClient.getPage(tenant, timeline, key, null), "loaded back from the bucket");
        }
    }

    @Test
    void aStaleMigrationSourceRefusesWritesButServesReads() {
        client.setLocation(tenant, "AttachedSingle", 1L);
        TimelineId timeline = TimelineId.random();
        client.createTimeline(tenant, timeline);
        Key key = Key.ofRelationPage(1663, 5, 16384, 0, 0);
        Lsn commit = client.ingest(tenant, timeline, List.of(new PageWire.Write(key, new PageRecord.Image(new byte[] {1}))));
        client.setLocation(tenant, "AttachedStale", 1L);

        StrataClientException refused = assertThrows(StrataClientException.class,
                () -> client.ingest(tenant, timeline, List.of(new PageWire.Write(key, new PageRecord.Image(new byte[] {2})))));
        assertEquals(503, refused.status(), "the writer retries at the tenant's new location");
        assertTrue(refused.getMessage().contains("AttachedStale"), refused.getMessage());
        assertArrayEquals(new byte[] {1}, client.getPage(tenant, timeline, key, commit));
        assertEquals(commit, client.timeline(tenant, timeline).diskConsistentLsn(), "the hand-over flushed everything");
    }

    @Test
    void flushMsHandsEverythingToTheBucketAndBadValuesAreRefused() throws Exception {
        try (LocalBucket bucket = new LocalBucket(workdir.resolve("bucket"), 1);
             LocalEngine tiered = LocalEngine.open(workdir.resolve("tiered"), EngineOptions.DEFAULT.withRemote(bucket.resources()));
             NodeServer node = NodeServer.start(tiered, Failpoints.disabled(), 2, "127.0.0.1", 0, 1 << 20, null);
             StrataClient tieredClient = StrataClient.connect(URI.create("http://127.0.0.1:" + node.port()));
             java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
            tieredClient.setLocation(tenant, "AttachedSingle", 1L);
            TimelineId timeline = TimelineId.random();
            tieredClient.createTimeline(tenant, timeline);
            for (int i = 0; i < 3; i++) {
                tieredClient.ingest(tenant, timeline, List.of(new PageWire.Write(Key.ofRelationPage(1663, 5, 16384, 0, i),
                        new PageRecord.Image(new byte[] {(byte) i}))));
            }
            String path = "http://127.0.0.1:" + node.port() + "/v1/tenant/" + tenant + "/location_config";
            java.util.function.BiFunction<String, String, java.net.http.HttpResponse<String>> put = (query, body) -> {
                try {
                    return http.send(java.net.http.HttpRequest.newBuilder(URI.create(path + query))
                            .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
                } catch (java.io.IOException | InterruptedException e) {
                    throw new AssertionError(e);
                }
            };
            for (String bad : List.of("-1", "soon", "600001")) {
                var refused = put.apply("?flush_ms=" + bad, "{\"mode\":\"AttachedStale\",\"generation\":1}");
                assertEquals(400, refused.statusCode(), refused.body());
                assertTrue(refused.body().contains("'" + bad + "'"), refused.body());
            }
            var detach = put.apply("?flush_ms=10", "{\"mode\":\"Detached\"}");
            assertEquals(400, detach.statusCode(), detach.body());

            var stale = put.apply("?flush_ms=30000", "{\"mode\":\"AttachedStale\",\"generation\":1}");
            assertEquals(200, stale.statusCode(), stale.body());
            assertTrue(stale.body().contains("\"flushed\":true"), stale.body());
            dev.strata.core.index.IndexPart index = dev.strata.core.index.IndexPart.parse(
                    bucket.read(bucket.layout().indexKey(tenant, timeline, dev.strata.api.Generation.of(1))));
            assertEquals(tiered.timeline(tenant, timeline).lastRecordLsn(), index.diskConsistentLsn(),
                    "the bucket's index holds every acknowledged write");
        }
    }
}

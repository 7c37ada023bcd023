package dev.strata.core.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.api.Generation;
import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.controlplane.TenantMode;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.PutOptions;
import dev.strata.client.StrataClient;
import dev.strata.client.StrataClientException;
import dev.strata.client.wire.PageWire;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.page.PageWrite;
import dev.strata.core.remote.ContentSource;
import dev.strata.core.tenant.EngineOptions;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.tenant.LocationConfig;
import dev.strata.core.tenant.SecondaryOptions;
import dev.strata.core.tenant.SecondaryProgress;
import dev.strata.core.testing.LocalBucket;
import dev.strata.core.testing.RandomSeed;
import dev.strata.core.tiered.Heatmap;
import dev.strata.core.timeline.Timeline;
import dev.strata.core.timeline.TimelineSettings;
import dev.strata.core.walbackup.WalBackupOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secondary locations: node A (attached) uploads a heatmap, node B (Secondary) downloads the layers it lists
 * without writing to the bucket, serves nothing meanwhile, and once promoted serves every page from the layers it
 * already has; a broken heatmap leaves the warm copy as it was. In-process nodes share one localfs bucket.
 */
final class SecondaryModeTest {
    @RegisterExtension
    static final RandomSeed SEED = new RandomSeed();
    private static final TimelineId MAIN = TimelineId.parse("11111111111111111111111111111111");
    private static final TimelineId CHILD = TimelineId.parse("22222222222222222222222222222222");
    private static final int KEYS = 40;
    private static final TimelineSettings SETTINGS = TimelineSettings.DEFAULT.withCheckpointDistance(32 << 10);
    /** Long periods: the tests drive uploads and download passes themselves. */
    private static final SecondaryOptions MANUAL = new SecondaryOptions(Duration.ofHours(1), Duration.ofHours(1), 3);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path root;
    private final TenantId tenant = TenantId.random();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable closeable : toClose.reversed()) {
            closeable.close();
        }
    }

    private record Node(LocalEngine engine, NodeServer server, StrataClient client) {
        long onDemandDownloads() {
            return engine.metrics().registry().timer("strata.layer.downloads").getCount();
        }

        long secondaryDownloads() {
            return engine.metrics().registry().counter("strata.secondary.layers.downloaded").getCount();
        }

        JsonNode tenantJson(TenantId tenant) throws Exception {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/v1/tenant/" + tenant.hex())).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
            return JSON.readTree(response.body());
        }
    }

    private LocalBucket bucket(Random random) throws IOException {
        LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong());
        toClose.add(bucket);
        return bucket;
    }

    private Node node(String name, LocalBucket bucket, SecondaryOptions secondary) throws IOException {
        LocalEngine engine = LocalEngine.open(root.resolve(name), options(bucket, secondary));
        NodeServer server = NodeServer.start(engine, Failpoints.disabled(), 1, "127.0.0.1", 0, 1 << 20, null);
        StrataClient client = StrataClient.connect(URI.create("http://127.0.0.1:" + server.port()));
        toClose.add(engine);
        toClose.add(server);
        toClose.add(client);
        return new Node(engine, server, client);
    }

    private static EngineOptions options(LocalBucket bucket, SecondaryOptions secondary) {
        return EngineOptions.DEFAULT.withTimelineSettings(SETTINGS).withRemote(bucket.resources())
                .withBackgroundCompaction(false).withWalBackup(new WalBackupOptions(false, 1, Duration.ofSeconds(1), 4))
                .withSecondary(secondary);
    }

    private static Key key(int n) {
        return Key.ofRelationPage(1663, 5, 16384, 0, n);
    }

    /** Writes images of every key in several flushed layers on both timelines; returns the last LSN of each. */
    private Map<TimelineId, Lsn> writeLayers(LocalEngine engine, Random random) throws IOException {
        engine.applyLocation(tenant, new LocationConfig(TenantMode.ATTACHED_SINGLE, Generation.of(1), false));
        Timeline main = engine.createTimeline(tenant, MAIN);
        for (int round = 0; round < 3; round++) {
            write(main, random);
            main.checkpoint();
        }
        Timeline child = engine.branch(tenant, CHILD, MAIN, main.lastRecordLsn());
        write(child, random);
        child.checkpoint();
        for (Timeline timeline : List.of(main, child)) {
            timeline.remote().waitCompletion(Duration.ofSeconds(30));
        }
        return Map.of(MAIN, main.lastRecordLsn(), CHILD, child.lastRecordLsn());
    }

    private static void write(Timeline timeline, Random random) throws IOException {
        List<PageWrite> batch = new ArrayList<>();
        for (int n = 0; n < KEYS; n++) {
            byte[] page = new byte[1024];
            random.nextBytes(page);
            batch.add(new PageWrite(key(n), new PageRecord.Image(page)));
        }
        timeline.ingest(batch);
    }

    private static Map<String, byte[]> pages(StrataClient client, TenantId tenant, Map<TimelineId, Lsn> lsns) {
        Map<String, byte[]> pages = new LinkedHashMap<>();
        lsns.forEach((timeline, lsn) -> {
            for (int n = 0; n < KEYS; n++) {
                pages.put(timeline + "/" + n, client.getPage(tenant, timeline, key(n), lsn));
            }
        });
        return pages;
    }

    /** Every layer file under a node's tenant directory, as {@code <timeline>/<file>}. */
    private TreeSet<String> localLayers(String node) throws IOException {
        TreeSet<String> names = new TreeSet<>();
        Path timelines = root.resolve(node).resolve("tenants").resolve(tenant.hex()).resolve("timelines");
        if (!Files.isDirectory(timelines)) {
            return names;
        }
        try (Stream<Path> files = Files.walk(timelines)) {
            files.filter(Files::isRegularFile).filter(file -> file.getFileName().toString().contains("__"))
                    .forEach(file -> names.add(file.getParent().getFileName() + "/" + file.getFileName()));
        }
        return names;
    }

    private static TreeSet<String> heatmapLayers(Heatmap heatmap) {
        TreeSet<String> names = new TreeSet<>();
        heatmap.timelines().forEach(timeline -> timeline.layers().forEach(layer ->
                names.add(timeline.timelineId().hex() + "/" + layer.fileName().localFileName())));
        return names;
    }

    @Test
    void aSecondaryDownloadsTheHeatmapLayersAndItsPromotionDownloadsNothing(Random random) throws Exception {
        LocalBucket bucket = bucket(random);
        {
            Node a = node("node-a", bucket, MANUAL);
            Node b = node("node-b", bucket, MANUAL);
            Map<TimelineId, Lsn> lsns = writeLayers(a.engine(), random);
            Map<String, byte[]> expected = pages(a.client(), tenant, lsns);
            Heatmap heatmap = a.engine().uploadHeatmap(tenant);
            assertEquals(2, heatmap.timelines().size());
            assertTrue(heatmap.layerCount() >= 4, "three flushes on main and one on the branch: " + heatmap.layerCount());
            assertEquals(heatmapLayers(heatmap), localLayers("node-a"), "A's heatmap lists every layer it holds");

            b.client().setLocation(tenant, "Secondary", null);
            assertEquals("Secondary", b.engine().tenantConfig(tenant).mode());
            List<String> bucketBefore = bucket.keys("");
            SecondaryProgress progress = b.engine().downloadSecondary(tenant);
            assertEquals(bucketBefore, bucket.keys(""), "a Secondary never writes to the bucket");
            assertTrue(progress.complete(), progress.toString());
            assertEquals(heatmap.layerCount(), progress.layersResident());
            assertEquals(heatmap.totalBytes(), progress.bytesResident());
            assertEquals(heatmapLayers(heatmap), localLayers("node-b"));
            assertEquals(heatmap.layerCount(), b.secondaryDownloads());
            assertEquals(0, b.onDemandDownloads());

            JsonNode shown = b.tenantJson(tenant);
            assertEquals("Secondary", shown.path("mode").asText(), shown.toString());
            assertEquals(2, shown.path("timelines").asInt(), shown.toString());
            assertEquals(heatmap.layerCount(), shown.path("secondary").path("layers_downloaded").asLong(), shown.toString());
            assertEquals(heatmap.layerCount(), shown.path("secondary").path("layers_total").asLong(), shown.toString());
            assertEquals(heatmap.totalBytes(), shown.path("secondary").path("bytes_downloaded").asLong(), shown.toString());
            assertTrue(shown.path("secondary").path("last_error").isNull(), shown.toString());
            Map<String, Double> metrics = dev.strata.core.testing.PrometheusSamples.parse(scrape(b));
            assertEquals((double) heatmap.layerCount(), metrics.get("strata_secondary_layers_downloaded_total"), metrics.toString());
            assertEquals((double) heatmap.totalBytes(), metrics.get("strata_secondary_bytes_downloaded_total"));
            assertEquals(1.0, metrics.get("strata_secondary_tenants"));
            assertTrue(metrics.get("strata_secondary_heatmap_age_seconds") < 60, metrics.toString());

            // A Secondary serves neither reads nor writes: 503 with Retry-After, never 404.
            HttpResponse<String> read = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + b.server().port() + "/v1/tenant/" + tenant.hex() + "/timeline/" + MAIN.hex()
                            + "/page?key=" + key(0))).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, read.statusCode(), read.body());
            assertEquals("1", read.headers().firstValue("Retry-After").orElse(null));
            assertTrue(read.body().contains("Secondary"), read.body());
            StrataClientException write = assertThrows(StrataClientException.class, () -> b.client().ingest(tenant, MAIN,
                    List.of(new PageWire.Write(key(0), new PageRecord.Image(new byte[] {1})))));
            assertEquals(503, write.status());
            assertEquals(409, assertThrows(StrataClientException.class, () -> b.client().deleteTenant(tenant)).status(),
                    "deleting a tenant from its Secondary would delete its data in the bucket");

            // Migration: A hands over, B is promoted and serves every page from the layers it downloaded.
            a.client().setLocation(tenant, "AttachedStale", 1L);
            assertEquals(2, b.client().setLocation(tenant, "AttachedSingle", 2L).generation());
            assertSamePages(expected, pages(b.client(), tenant, lsns));
            assertEquals(0, b.onDemandDownloads(), "promotion used the warm copy: no layer was downloaded on demand");

            // A becomes the Secondary: B's heatmap lists what A already has, so its pass downloads nothing.
            a.client().setLocation(tenant, "Secondary", null);
            Heatmap fromB = b.engine().uploadHeatmap(tenant);
            assertEquals(Generation.of(2), fromB.generation());
            List<String> bucketBeforeA = bucket.keys("");
            SecondaryProgress onA = a.engine().downloadSecondary(tenant);
            assertEquals(bucketBeforeA, bucket.keys(""), "a Secondary never writes to the bucket");
            assertTrue(onA.complete(), onA.toString());
            assertEquals(0, a.secondaryDownloads(), "A kept its layer files when it became Secondary");
            assertEquals(heatmapLayers(fromB), localLayers("node-a"));

            // Detaching a Secondary removes its copy and leaves the bucket alone.
            a.client().setLocation(tenant, "Detached", null);
            assertFalse(a.engine().tenants().contains(tenant));
            assertFalse(Files.exists(root.resolve("node-a").resolve("tenants").resolve(tenant.hex())));
            assertEquals(bucketBeforeA, bucket.keys(""), "detaching a Secondary writes nothing to the bucket");
            assertSamePages(expected, pages(b.client(), tenant, lsns));
        }
    }

    @Test
    void aMissingCorruptOrUnknownVersionHeatmapKeepsTheOldCopy(Random random) throws Exception {
        LocalBucket bucket = bucket(random);
        {
            Node a = node("node-a", bucket, MANUAL);
            Node b = node("node-b", bucket, MANUAL);
            writeLayers(a.engine(), random);
            b.engine().applyLocation(tenant, new LocationConfig(TenantMode.SECONDARY, Generation.NONE, false));
            IOException missing = assertThrows(IOException.class, () -> b.engine().downloadSecondary(tenant));
            assertTrue(missing.getMessage().contains("heatmap-v1.json") && missing.getMessage().contains("does not exist"),
                    missing.getMessage());

            Heatmap heatmap = a.engine().uploadHeatmap(tenant);
            assertTrue(b.engine().downloadSecondary(tenant).complete());
            TreeSet<String> warm = localLayers("node-b");
            assertEquals(heatmapLayers(heatmap), warm);

            String key = bucket.layout().heatmapKey(tenant);
            String current = new String(bucket.read(key), java.nio.charset.StandardCharsets.UTF_8);
            Map<String, String> broken = new LinkedHashMap<>();
            broken.put("{\"version\":1,\"timelines\":[", "not valid JSON");
            broken.put(current.replace("\"version\":1", "\"version\":2"), "version 2");
            broken.put(current.replace("\"file_size\":", "\"file_size\":-"), "file_size");
            broken.put(current.replace("\"timelines\"", "\"timeline_list\""), "timelines");
            for (Map.Entry<String, String> entry : broken.entrySet()) {
                put(bucket, key, entry.getKey());
                IOException failure = assertThrows(IOException.class, () -> b.engine().downloadSecondary(tenant),
                        entry.getValue());
                assertTrue(failure.getMessage().contains(key) && failure.getMessage().contains(entry.getValue()),
                        failure.getMessage());
                assertEquals(warm, localLayers("node-b"), "the old copy is kept after: " + failure.getMessage());
                SecondaryProgress progress = b.engine().secondaryProgress(tenant).orElseThrow();
                assertEquals(failure.getMessage(), progress.lastError());
                assertEquals(heatmap.layerCount(), progress.layersResident(), "the progress of the last good pass stays");
            }
            // At least: the engine's own first pass may have met the missing heatmap too.
            long errors = b.engine().metrics().registry().counter("strata.secondary.heatmap.errors").getCount();
            assertTrue(errors >= 1 + broken.size(), "heatmap errors counted: " + errors);

            // Unknown fields are ignored; a layer the heatmap no longer lists leaves the local disk.
            Heatmap.TimelineHeatmap main = heatmap.timelines().stream().filter(t -> t.timelineId().equals(MAIN)).findFirst()
                    .orElseThrow();
            Heatmap.HeatmapLayer dropped = main.layers().getLast();
            List<Heatmap.TimelineHeatmap> fewer = new ArrayList<>();
            for (Heatmap.TimelineHeatmap timeline : heatmap.timelines()) {
                fewer.add(timeline == main ? new Heatmap.TimelineHeatmap(MAIN,
                        main.layers().subList(0, main.layers().size() - 1)) : timeline);
            }
            String smaller = new String(new Heatmap(heatmap.generation(), heatmap.generatedAt(), heatmap.uploadPeriod(), fewer)
                    .toJson(), java.nio.charset.StandardCharsets.UTF_8).replace("{\"version\":1,", "{\"version\":1,\"colour\":\"red\",");
            put(bucket, key, smaller);
            SecondaryProgress progress = b.engine().downloadSecondary(tenant);
            assertNull(progress.lastError());
            TreeSet<String> expected = new TreeSet<>(warm);
            expected.remove(MAIN.hex() + "/" + dropped.fileName().localFileName());
            assertEquals(expected, localLayers("node-b"));
            assertEquals(heatmap.layerCount() - 1, progress.layersTotal());

            // A restart keeps the tenant Secondary with its copy, and the next pass finds nothing to download.
            b.server().close();
            b.engine().close();
            try (LocalEngine reopened = LocalEngine.open(root.resolve("node-b"), options(bucket, MANUAL))) {
                assertEquals("Secondary", reopened.tenantConfig(tenant).mode());
                assertEquals(expected, localLayers("node-b"));
                assertTrue(reopened.downloadSecondary(tenant).complete());
                assertEquals(0, reopened.metrics().registry().counter("strata.secondary.layers.downloaded").getCount());
            }
        }
    }

    @Test
    void heatmapsAreUploadedOnShutdownAndSecondariesFollowOnTheirOwn(Random random) throws Exception {
        LocalBucket bucket = bucket(random);
        {
            SecondaryOptions fast = new SecondaryOptions(Duration.ofMillis(500), Duration.ofMillis(500), 2);
            Node a = node("node-a", bucket, fast);
            Node b = node("node-b", bucket, fast);
            writeLayers(a.engine(), random);
            TreeSet<String> onA = localLayers("node-a");
            b.client().setLocation(tenant, "Secondary", null);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            SecondaryProgress progress = b.engine().secondaryProgress(tenant).orElseThrow();
            while (!(progress.complete() && progress.layersTotal() == onA.size()) && System.nanoTime() < deadline) {
                Thread.sleep(100);
                progress = b.engine().secondaryProgress(tenant).orElseThrow();
            }
            assertTrue(progress.complete(), "the periodic upload and download passes warmed B: " + progress);
            assertEquals(onA, localLayers("node-b"));
            assertTrue(a.engine().scheduler().started(dev.strata.core.tenant.BackgroundScheduler.Kind.HEATMAP_UPLOAD) >= 1);
            assertTrue(b.engine().scheduler().started(dev.strata.core.tenant.BackgroundScheduler.Kind.SECONDARY_DOWNLOAD) >= 1);

            // A graceful shutdown uploads a last heatmap.
            bucket.storage().delete(bucket.layout().heatmapKey(tenant), CallContext.NONE);
            a.engine().close();
            Heatmap last = Heatmap.parse("test", bucket.read(bucket.layout().heatmapKey(tenant)));
            assertEquals(onA, heatmapLayers(last));
            assertNotNull(last.generatedAt());
            assertFalse(last.timelines().isEmpty());
        }
    }

    private static void put(LocalBucket bucket, String key, String content) throws IOException {
        byte[] bytes = content.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        bucket.storage().put(key, ContentSource.of(bytes), bytes.length, PutOptions.DEFAULT, CallContext.NONE);
    }

    private static String scrape(Node node) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        node.engine().metrics().writePrometheusText(out);
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static void assertSamePages(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (Map.Entry<String, byte[]> entry : expected.entrySet()) {
            assertArrayEquals(entry.getValue(), actual.get(entry.getKey()), "page " + entry.getKey());
        }
    }
}

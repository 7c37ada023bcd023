package dev.strata.core.walbackup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.client.StrataClient;
import dev.strata.client.wire.PageWire;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.http.NodeServer;
import dev.strata.core.tenant.EngineOptions;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.testing.LocalBucket;
import dev.strata.core.testing.PrometheusSamples;
import dev.strata.testkit.FaultInjectingRemoteStorage;
import java.net.URI;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backed-up LSN and the lag in the timeline JSON of the HTTP API, and the backup-lag gauges (node-wide and per
 * timeline) in {@code /metrics}.
 */
final class WalBackupEndpointsTest {
    @TempDir
    Path root;

    @Test
    void timelineInfoShowsTheBackedUpLsnAndMetricsShowTheLag() throws Exception {
        TenantId tenant = TenantId.random();
        TimelineId timeline = TimelineId.random();
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), 1);
             LocalEngine engine = LocalEngine.open(root.resolve("node"), EngineOptions.DEFAULT.withRemote(bucket.resources())
                     .withWalBackup(WalBackupOptions.DEFAULT.withPartialInterval(Duration.ofMillis(20))));
             NodeServer node = NodeServer.start(engine, Failpoints.disabled(), 2, "127.0.0.1", 0, 1 << 20, null);
             StrataClient client = StrataClient.connect(URI.create("http://127.0.0.1:" + node.port()))) {
            client.setLocation(tenant, "AttachedSingle", 1L);
            client.createTimeline(tenant, timeline);
            Lsn written = client.ingest(tenant, timeline, List.of(new PageWire.Write(Key.ofRelationPage(1663, 5, 16384, 0, 0),
                    new PageRecord.Image(new byte[] {7}))));
            URI info = URI.create("http://127.0.0.1:" + node.port() + "/v1/tenant/" + tenant + "/timeline/" + timeline);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            Lsn backedUp = Lsn.INVALID;
            while (backedUp.isBefore(written)) {
                assertTrue(System.nanoTime() < deadline, "wal_backup_lsn did not reach " + written + ": " + backedUp);
                JsonNode json = new ObjectMapper().readTree(get(info));
                assertNotNull(json.get("wal_backup_lsn"), json.toString());
                backedUp = Lsn.parse(json.get("wal_backup_lsn").asText());
                Thread.sleep(20);
            }
            URI metricsUri = URI.create("http://127.0.0.1:" + node.port() + "/metrics");
            String metrics = get(metricsUri);
            assertEquals(0.0, PrometheusSamples.parse(metrics).get("strata_wal_backup_lag_bytes"), metrics);
            assertEquals(1.0, PrometheusSamples.parse(metrics).get("strata_wal_backup_timelines"), metrics);
            String labels = "{tenant_id=\"" + tenant + "\",timeline_id=\"" + timeline + "\"}";
            Map<String, Double> samples = PrometheusSamples.parse(metrics);
            assertEquals(0.0, samples.get("strata_wal_backup_timeline_lag_bytes" + labels), metrics);
            assertEquals(0.0, samples.get("strata_wal_backup_timeline_lag_seconds" + labels), metrics);
            assertEquals(0.0, samples.get("strata_wal_backup_timeline_conflicts" + labels), metrics);
            JsonNode caughtUp = new ObjectMapper().readTree(get(info));
            assertEquals(0, caughtUp.get("wal_backup_lag_bytes").asLong(), caughtUp.toString());
            assertTrue(caughtUp.get("wal_backup_conflict").isNull(), caughtUp.toString());

            // Uploads fail: the lag grows in bytes and in seconds, for this timeline.
            bucket.faults().setFaults(FaultInjectingRemoteStorage.Faults.NONE
                    .withFailFirst(FaultInjectingRemoteStorage.Operation.PUT, Integer.MAX_VALUE));
            Lsn behind = client.ingest(tenant, timeline, List.of(new PageWire.Write(Key.ofRelationPage(1663, 5, 16384, 0, 1),
                    new PageRecord.Image(new byte[] {8}))));
            Thread.sleep(300);
            samples = PrometheusSamples.parse(get(metricsUri));
            assertEquals((double) (behind.value() - written.value()), samples.get("strata_wal_backup_timeline_lag_bytes" + labels));
            double seconds = samples.get("strata_wal_backup_timeline_lag_seconds" + labels);
            assertTrue(seconds >= 0.2 && seconds < 20, "lag seconds " + seconds);
            JsonNode lagging = new ObjectMapper().readTree(get(info));
            assertEquals(behind.value() - written.value(), lagging.get("wal_backup_lag_bytes").asLong(), lagging.toString());
            assertTrue(lagging.get("wal_backup_lag_seconds").asDouble() >= seconds, lagging.toString());

            bucket.faults().setFaults(FaultInjectingRemoteStorage.Faults.NONE);
            deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (PrometheusSamples.parse(get(metricsUri)).get("strata_wal_backup_timeline_lag_bytes" + labels) > 0) {
                assertTrue(System.nanoTime() < deadline, "the backup did not catch up once uploads worked again");
                Thread.sleep(20);
            }
            assertEquals(0.0, PrometheusSamples.parse(get(metricsUri)).get("strata_wal_backup_timeline_lag_seconds" + labels));

            // A deleted timeline's series leave /metrics.
            client.deleteTimeline(tenant, timeline);
            deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (get(metricsUri).contains("timeline_id=\"" + timeline + "\"")) {
                assertTrue(System.nanoTime() < deadline, "the timeline's metrics were not removed");
                Thread.sleep(20);
            }
        }
    }

    private static String get(URI uri) throws IOException {
        try (InputStream in = uri.toURL().openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}

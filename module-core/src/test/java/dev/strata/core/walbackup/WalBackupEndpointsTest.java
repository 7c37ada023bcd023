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
import java.net.URI;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backed-up LSN in the timeline JSON of the HTTP API, and the backup-lag gauge in {@code /metrics}. */
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
            String metrics = get(URI.create("http://127.0.0.1:" + node.port() + "/metrics"));
            assertEquals(0.0, PrometheusSamples.parse(metrics).get("strata_wal_backup_lag_bytes"), metrics);
            assertEquals(1.0, PrometheusSamples.parse(metrics).get("strata_wal_backup_timelines"), metrics);
        }
    }

    private static String get(URI uri) throws IOException {
        try (InputStream in = uri.toURL().openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}

package dev.strata.core.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Key;
import dev.strata.api.PageRecord;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.client.AttachProgressInfo;
import dev.strata.client.StrataClient;
import dev.strata.client.StrataClientException;
import dev.strata.client.TenantInfo;
import dev.strata.client.wire.PageWire;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.tenant.EngineOptions;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.testing.LocalBucket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v1/tenant/{id}/attach_progress} over real HTTP: while a tenant attaches from remote storage it
 * answers the timelines and layers loaded of total, without waiting for the attach.
 */
final class AttachProgressTest {
    @TempDir Path workdir;

    @Test
    void progressShowsTimelinesAndLayersWhileATenantAttaches() throws Exception {
        TenantId tenant = TenantId.random();
        TimelineId main = TimelineId.random();
        TimelineId branch = TimelineId.random();
        Key key = Key.ofRelationPage(1663, 5, 16384, 0, 0);
        Failpoints failpoints = Failpoints.create();
        try (LocalBucket bucket = new LocalBucket(workdir.resolve("bucket"), 1);
             LocalEngine engine = LocalEngine.open(workdir.resolve("node"),
                     EngineOptions.DEFAULT.withRemote(bucket.resources()).withFailpoints(failpoints));
             NodeServer server = NodeServer.start(engine, failpoints, 1, "127.0.0.1", 0, 1 << 20, null);
             StrataClient client = StrataClient.connect(URI.create("http://127.0.0.1:" + server.port()));
             ExecutorService background = Executors.newSingleThreadExecutor()) {
            client.setLocation(tenant, "AttachedSingle", 1L);
            client.createTimeline(tenant, main);
            client.ingest(tenant, main, List.of(new PageWire.Write(key, new PageRecord.Image(new byte[] {7}))));
            client.checkpoint(tenant, main);
            client.branch(tenant, branch, main, null);
            long layers = client.timeline(tenant, main).layers() + client.timeline(tenant, branch).layers();
            assertTrue(layers > 0);
            assertEquals("Active", client.attachProgress(tenant).state());
            assertFalse(client.attachProgress(tenant).attaching(), "no attach runs");
            client.setLocation(tenant, "Detached", null);
            assertEquals(404, assertThrows(StrataClientException.class, () -> client.attachProgress(tenant)).status());

            failpoints.configure("attach-before-timeline-load", "pause");
            try {
                checkProgressWhilePaused(client, failpoints, background, tenant, layers);
            } finally {
                failpoints.clear();
            }
            AttachProgressInfo done = client.attachProgress(tenant);
            assertEquals("Active", done.state());
            assertFalse(done.attaching());
            assertArrayEquals(new byte[] {7}, client.getPage(tenant, branch, key, null));
        }
    }

    private static void checkProgressWhilePaused(StrataClient client, Failpoints failpoints, ExecutorService background,
                                                 TenantId tenant, long layers) throws Exception {
        Future<TenantInfo> attach = background.submit(() -> client.setLocation(tenant, "AttachedSingle", 2L));
        AttachProgressInfo progress = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while ((progress == null || !progress.attaching() || progress.timelinesTotal() < 0)
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
            try {
                progress = client.attachProgress(tenant);
            } catch (StrataClientException e) {
                assertEquals(404, e.status(), "until the attach created the tenant: " + e.getMessage());
            }
        }
        assertTrue(progress != null, "the attach never showed");
        assertEquals("Attaching", progress.state());
        assertEquals(2, progress.indexesLoaded(), progress.toString());
        assertEquals(2, progress.timelinesTotal(), progress.toString());
        assertEquals(0, progress.timelinesAttached(), "paused before the first timeline loads");
        assertEquals(layers, progress.layersTotal());
        assertEquals("Attaching: timelines 0/2, layers 0/" + layers, progress.describe());

        failpoints.configure("attach-before-timeline-load", "off");
        assertEquals(2, attach.get(30, TimeUnit.SECONDS).timelines());
    }
}

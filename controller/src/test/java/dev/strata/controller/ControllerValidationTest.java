package dev.strata.controller;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.api.Key;
import dev.strata.api.PageRecord;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.client.wire.PageWire;
import dev.strata.controller.placement.MigrationObserver;
import dev.strata.controller.testing.ControllerHttp;
import dev.strata.controller.testing.LocalNodes;
import dev.strata.controller.testing.SharedBucket;
import dev.strata.core.deletion.DeletionQueue;
import dev.strata.core.deletion.DeletionQueueSettings;
import dev.strata.core.scrub.GarbageReport;
import dev.strata.core.scrub.MetadataReport;
import dev.strata.core.timeline.TimelineSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes whose control plane is the real controller (the {@code http} provider, with a bearer token): a node
 * re-attaches through it at start, and its deletion queue validates every deletion with it. After the controller
 * migrates a tenant from node 1 to node 2, the deletions node 1 queued under the old generation are dropped by
 * the controller's validate (they stay in the bucket as leaks), while node 2's deletions under the new generation
 * are carried out; no deletion ever removes an object the newest index references.
 */
class ControllerValidationTest {
    private static final String DROPPED = "strata.deletion.keys.dropped";
    private static final String EXECUTED = "strata.deletion.keys.executed";
    /** Deletions are held until a flush, so the test decides when they are validated. */
    private static final DeletionQueueSettings HOLD_UNTIL_FLUSH = new DeletionQueueSettings(1_000_000, Duration.ofHours(1),
            Duration.ofMillis(100), Duration.ofHours(1));
    private static final TimelineSettings SMALL_LAYERS = TimelineSettings.DEFAULT.withCheckpointDistance(64 << 10)
            .withCompaction(3, 1 << 20, 2);

    @TempDir Path directory;
    private SharedBucket bucket;
    private LocalNodes nodes;
    private Controller controller;
    private ControllerHttp http;
    private LocalNodes.ControllerAccess access;

    @BeforeEach
    void start() throws Exception {
        Path tokenFile = Files.writeString(directory.resolve("controller.token"), "upcall-secret\n");
        ControllerConfig config = ControllerConfig.defaults(ControllerConfig.DatabaseConfig.embedded(directory.resolve("db")))
                .withTokenFile(tokenFile).withCatchUpTimeout(Duration.ofSeconds(60));
        controller = Controller.start(config, MigrationObserver.NONE, Duration.ofMillis(20));
        http = new ControllerHttp(controller.port(), "upcall-secret");
        access = new LocalNodes.ControllerAccess(controller.port(), tokenFile);
        bucket = new SharedBucket(directory.resolve("bucket"));
        nodes = new LocalNodes(directory, bucket.referencedDeletionGuard());
    }

    @AfterEach
    void stop() throws Exception {
        if (nodes != null) {
            nodes.close();
        }
        if (http != null) {
            http.close();
        }
        if (controller != null) {
            controller.close();
        }
        if (bucket != null) {
            bucket.close();
        }
    }

    @Test
    void staleDeletionsAreDroppedByTheControllerAndCurrentOnesExecuted() throws Exception {
        LocalNodes.NodeTuning tuning = new LocalNodes.NodeTuning(SMALL_LAYERS, HOLD_UNTIL_FLUSH);
        LocalNodes.Node first = nodes.start(1, access, tuning);
        LocalNodes.Node second = nodes.start(2, access, tuning);

        TenantId tenant = TenantId.random();
        ControllerHttp.Answer created = http.post("/control/v1/tenant", "{\"tenant_id\":\"" + tenant.hex() + "\"}");
        assertEquals(201, created.status(), created.body().toString());
        assertEquals(1, created.body().path("attached_node").asLong(), created.body().toString());
        TimelineId timeline = TimelineId.random();
        first.client().createTimeline(tenant, timeline);

        List<byte[]> pages = new ArrayList<>();
        writeAndCompact(first, tenant, timeline, pages, 0);
        DeletionQueue firstQueue = first.engine().deletionQueue().orElseThrow();
        long queued = awaitPending(firstQueue);
        Set<String> replaced = replacedLayers(tenant, timeline);
        assertFalse(replaced.isEmpty(), "compaction on node 1 replaced layers: " + bucket.layerKeys(tenant, timeline));
        assertEquals(replaced.size(), queued, "node 1 queued exactly the replaced layers " + replaced);

        ControllerHttp.Answer migrated = http.put("/control/v1/tenant/" + tenant.hex() + "/migrate", "{\"node_id\":2}");
        assertEquals(200, migrated.status(), migrated.body().toString());
        assertEquals(2, migrated.body().path("attached_node").asLong(), migrated.body().toString());
        assertEquals(2, migrated.body().path("generation").asLong(), migrated.body().toString());

        // Node 1's generation 1 is no longer current: the controller's validate drops its deletions, including
        // any that its hand-over (a checkpoint, maybe a compaction while stale) queued after those above.
        long pendingAfterMigration = firstQueue.pendingKeys();
        assertTrue(pendingAfterMigration >= queued, pendingAfterMigration + " pending, " + queued + " before");
        firstQueue.flushExecute(Duration.ofSeconds(30));
        assertEquals(pendingAfterMigration, first.counter(DROPPED), "node 1's deletions of generation 1 were dropped");
        assertEquals(0, first.counter(EXECUTED), "node 1 deleted nothing");
        assertTrue(bucket.layerKeys(tenant, timeline).containsAll(replaced), "the dropped deletions left their objects");
        GarbageReport garbage = bucket.findGarbage();
        Set<String> leaked = new TreeSet<>();
        garbage.items().forEach(item -> leaked.add(item.key()));
        assertTrue(leaked.containsAll(replaced), "the scrubber counts them as leaks: " + garbage.toJson(false));

        // Node 2 holds the current generation: its deletions are validated and carried out.
        writeAndCompact(second, tenant, timeline, pages, pages.size());
        DeletionQueue secondQueue = second.engine().deletionQueue().orElseThrow();
        long secondQueued = awaitPending(secondQueue);
        Set<String> replacedOnSecond = new TreeSet<>(replacedLayers(tenant, timeline));
        replacedOnSecond.removeAll(replaced);
        secondQueue.flushExecute(Duration.ofSeconds(30));
        assertEquals(secondQueued, second.counter(EXECUTED), "node 2's deletions were executed");
        assertEquals(0, second.counter(DROPPED), "none of node 2's deletions was dropped");
        Set<String> remaining = bucket.layerKeys(tenant, timeline);
        for (String key : replacedOnSecond) {
            assertFalse(remaining.contains(key), "node 2 deleted " + key);
        }
        assertTrue(remaining.containsAll(replaced), "node 1's leaks are still there");

        assertEquals(List.of(), bucket.violations(), "no deletion removed an object the newest index references");
        MetadataReport report = bucket.scanMetadata();
        assertEquals(0, report.errorCount(), report.toJson());
        for (int index = 0; index < pages.size(); index++) {
            assertArrayEquals(pages.get(index), second.client().getPage(tenant, timeline, key(index), null), "page " + index);
        }
    }

    /** Four flushed rounds of writes, then a compaction that replaces the L0 layers they made. */
    private static void writeAndCompact(LocalNodes.Node node, TenantId tenant, TimelineId timeline, List<byte[]> pages,
                                        int firstPage) {
        for (int round = 0; round < 4; round++) {
            List<PageWire.Write> batch = new ArrayList<>();
            for (int index = firstPage; index < firstPage + 40; index++) {
                byte[] value = new byte[512];
                java.util.Arrays.fill(value, (byte) (index * 31 + round));
                if (round == 3) {
                    pages.add(value);
                }
                batch.add(new PageWire.Write(key(index), new PageRecord.Image(value)));
            }
            node.client().ingest(tenant, timeline, batch);
            node.client().checkpoint(tenant, timeline);
        }
        JsonNode compacted = node.client().compact(tenant, timeline);
        assertTrue(compacted != null, "compaction answered");
    }

    /** Waits until the queue holds pushed deletions (pushed after the index that stopped listing them). */
    private static long awaitPending(DeletionQueue queue) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        long pending = queue.pendingKeys();
        while (pending == 0) {
            assertTrue(System.nanoTime() < deadline, "no deletion was queued within 30 s");
            Thread.sleep(10);
            pending = queue.pendingKeys();
        }
        Thread.sleep(200); // let the rest of the same compaction's deletions arrive
        return queue.pendingKeys();
    }

    /** Layer objects in the bucket that the newest index does not list. */
    private Set<String> replacedLayers(TenantId tenant, TimelineId timeline) throws Exception {
        Set<String> keys = new TreeSet<>(bucket.layerKeys(tenant, timeline));
        keys.removeAll(bucket.newestIndex(tenant, timeline).orElseThrow().layerKeys());
        return keys;
    }

    private static Key key(int index) {
        return Key.ofRelationPage(1663, 5, 16384, 0, index);
    }
}

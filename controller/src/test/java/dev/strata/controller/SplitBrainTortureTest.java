package dev.strata.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.client.StrataClientException;
import dev.strata.client.TimelineInfo;
import dev.strata.client.wire.PageWire;
import dev.strata.controller.placement.MigrationObserver;
import dev.strata.controller.testing.ControllerHttp;
import dev.strata.controller.testing.LocalNodes;
import dev.strata.controller.testing.SharedBucket;
import dev.strata.core.deletion.DeletionQueueSettings;
import dev.strata.core.scrub.GarbageReport;
import dev.strata.core.scrub.MetadataReport;
import dev.strata.core.timeline.TimelineSettings;
import dev.strata.testkit.TestSeeds;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Split brain with a real controller: two nodes on one bucket, both with the {@code http} control plane, both
 * receiving writes for the same tenant all the time (the one that does not hold it, or holds it stale, refuses
 * them), while the controller migrates the tenant back and forth. During each migration the two nodes hold the
 * tenant at different generations; a chaos thread checkpoints and compacts on both at random moments, so the
 * stale node keeps uploading and queueing deletions under its old generation, which the controller's validate
 * must drop; now and then the owner restarts cleanly and re-attaches under the next generation. Timing is
 * random from one seed ({@code -Dstrata.test.seed=<hex>} replays it); the number of
 * migrations is {@code -Dstrata.torture.migrations=N} (default 4, a few seconds).
 *
 * <p>Afterwards: every acknowledged write is readable at its LSN on the final owner; a third node with an empty
 * disk, to which the controller then migrates the tenant, reads the same pages from the bucket; the scrubber's
 * scan-metadata finds no error; no deletion ever removed an object the newest index listed. Leaks (deletions
 * dropped as stale) are allowed and counted.
 */
class SplitBrainTortureTest {
    /** The system property with the number of migrations. */
    static final String MIGRATIONS_PROPERTY = "strata.torture.migrations";
    private static final int KEYS = 48;

    @TempDir Path directory;

    /** One acknowledged write: the unique value written to a key, and the LSN the node acknowledged it at. */
    private record Ack(long node, int key, byte[] value, Lsn lsn) {}

    @Test
    void migrationsBackAndForthUnderWritesToBothNodesLoseNoAcknowledgedWrite() throws Throwable {
        long seed = TestSeeds.seed();
        int migrations = Integer.getInteger(MIGRATIONS_PROPERTY, 4);
        String context = TestSeeds.describe(seed);
        System.out.println("split-brain torture: " + migrations + " migrations, " + context);
        try {
            run(new Random(seed), migrations, context);
        } catch (Throwable failure) {
            System.err.println("split-brain torture failed with " + context);
            throw new AssertionError("split-brain torture failed (" + context + "): " + failure.getMessage(), failure);
        }
    }

    private void run(Random random, int migrations, String context) throws Exception {
        ControllerConfig config = ControllerConfig.defaults(ControllerConfig.DatabaseConfig.embedded(directory.resolve("db")))
                .withCatchUpTimeout(Duration.ofSeconds(60));
        // Small layers so that flushes and compactions (and with them deletions) happen all the time; a deletion
        // queue whose batching differs per run, so validations land at varied moments.
        LocalNodes.NodeTuning tuning = new LocalNodes.NodeTuning(
                TimelineSettings.DEFAULT.withCheckpointDistance(16 << 10).withCompaction(3, 256 << 10, 2),
                new DeletionQueueSettings(1 + random.nextInt(32), Duration.ofMillis(10 + random.nextInt(300)),
                        Duration.ofMillis(100), Duration.ofHours(1)));
        try (Controller controller = Controller.start(config, MigrationObserver.NONE, Duration.ofMillis(10));
             ControllerHttp http = new ControllerHttp(controller.port(), null);
             SharedBucket bucket = new SharedBucket(directory.resolve("bucket"));
             LocalNodes nodes = new LocalNodes(directory, bucket.referencedDeletionGuard())) {
            LocalNodes.ControllerAccess access = new LocalNodes.ControllerAccess(controller.port(), null);
            AtomicReferenceArray<LocalNodes.Node> running = new AtomicReferenceArray<>(3);
            running.set(1, nodes.start(1, access, tuning));
            running.set(2, nodes.start(2, access, tuning));

            TenantId tenant = TenantId.random();
            ControllerHttp.Answer created = http.post("/control/v1/tenant", "{\"tenant_id\":\"" + tenant.hex() + "\"}");
            assertEquals(201, created.status(), created.body() + "; " + context);
            long owner = created.body().path("attached_node").asLong();
            TimelineId timeline = TimelineId.random();
            running.get((int) owner).client().createTimeline(tenant, timeline);

            Load load = new Load(tenant, timeline, running, random.nextLong());
            DeletionCounters counters = new DeletionCounters();
            int restarts = 0;
            try {
                load.awaitAcknowledged(20, context);
                for (int migration = 0; migration < migrations; migration++) {
                    Thread.sleep(50 + random.nextInt(350));
                    long target = owner == 1 ? 2 : 1;
                    JsonNode moved = migrate(http, tenant, target, context);
                    assertEquals(target, moved.path("attached_node").asLong(), moved + "; " + context);
                    owner = target;
                    if (random.nextInt(3) == 0) {
                        // A clean restart of the owner: its re-attach takes the next generation, so whatever its
                        // deletion queue persisted under the previous one is dropped when validated.
                        restarts++;
                        LocalNodes.Node old = running.getAndSet((int) owner, null);
                        nodes.stop(old);
                        counters.add(old);
                        running.set((int) owner, nodes.start(owner, access, tuning));
                    }
                }
                Thread.sleep(50 + random.nextInt(200));
            } finally {
                load.stop();
            }
            load.rethrowFailure(context);
            List<Ack> acks = load.acknowledged();
            LocalNodes.Node finalOwner = running.get((int) owner);
            System.out.println("split-brain torture: " + acks.size() + " acknowledged writes " + load.acknowledgedByNode()
                    + ", refusals by status " + load.refusals() + ", chaos calls refused " + load.chaosRefusals());
            assertTrue(load.acknowledgedByNode().size() == 2 || migrations == 0,
                    "both nodes acknowledged writes: " + load.acknowledgedByNode() + "; " + context);

            assertReadable(finalOwner, tenant, timeline, acks, "the final owner, node " + owner, context);

            // Decide every queued deletion: a stale generation's are dropped, the current one's executed.
            for (int id = 1; id <= 2; id++) {
                running.get(id).engine().deletionQueue().orElseThrow().flushExecute(Duration.ofSeconds(60));
                counters.add(running.get(id));
            }
            TimelineInfo before = finalOwner.client().timeline(tenant, timeline);

            // A fresh node, attached by the controller from the bucket alone, reads the same pages.
            LocalNodes.Node fresh = nodes.start(3, access, tuning);
            JsonNode moved = migrate(http, tenant, 3, context);
            assertEquals(3, moved.path("attached_node").asLong(), moved + "; " + context);
            TimelineInfo after = fresh.client().timeline(tenant, timeline);
            assertEquals(before.lastRecordLsn(), after.lastRecordLsn(), "the fresh node ends where the owner did; " + context);
            assertReadable(fresh, tenant, timeline, acks, "the fresh node 3", context);
            fresh.engine().deletionQueue().orElseThrow().flushExecute(Duration.ofSeconds(60));

            assertEquals(List.of(), bucket.violations(), "no deletion removed an object the newest index listed; " + context);
            MetadataReport report = bucket.scanMetadata();
            assertEquals(0, report.errorCount(), report.toJson() + "; " + context);
            GarbageReport garbage = bucket.findGarbage();
            System.out.println("split-brain torture: passed; " + restarts + " restarts, deletions executed "
                    + counters.executed + ", dropped as stale " + counters.dropped + ", leaked objects "
                    + garbage.items().size() + " (" + garbage.bytes() + " bytes), final generation "
                    + moved.path("generation").asLong() + "; " + context);
        }
    }

    /** Deletion-queue counters summed over nodes, including the incarnations a restart replaced. */
    private static final class DeletionCounters {
        long dropped;
        long executed;

        void add(LocalNodes.Node node) {
            dropped += node.counter("strata.deletion.keys.dropped");
            executed += node.counter("strata.deletion.keys.executed");
        }
    }

    /** Migrates and returns the tenant; a 503 (a node did not answer in time) continues the same migration. */
    private static JsonNode migrate(ControllerHttp http, TenantId tenant, long target, String context) throws Exception {
        for (int attempt = 0; ; attempt++) {
            ControllerHttp.Answer answer = http.put("/control/v1/tenant/" + tenant.hex() + "/migrate",
                    "{\"node_id\":" + target + "}");
            if (answer.status() == 200) {
                return answer.body();
            }
            assertTrue(answer.status() == 503 && attempt < 5, "migrate to node " + target + ": " + answer.status() + " "
                    + answer.body() + "; " + context);
        }
    }

    /** Every acknowledged write reads back at its LSN on {@code node}; lists up to ten that do not. */
    private static void assertReadable(LocalNodes.Node node, TenantId tenant, TimelineId timeline, List<Ack> acks,
                                       String where, String context) {
        List<String> lost = new ArrayList<>();
        int lostCount = 0;
        for (Ack ack : acks) {
            byte[] read;
            try {
                read = node.client().getPage(tenant, timeline, key(ack.key()), ack.lsn());
            } catch (StrataClientException e) {
                if (lost.size() < 10) {
                    lost.add("key " + ack.key() + " at " + ack.lsn() + " (from node " + ack.node() + "): " + e.getMessage());
                }
                lostCount++;
                continue;
            }
            if (!Arrays.equals(ack.value(), read)) {
                if (lost.size() < 10) {
                    lost.add("key " + ack.key() + " at " + ack.lsn() + " (from node " + ack.node() + "): read "
                            + describe(read) + ", acknowledged " + describe(ack.value()));
                }
                lostCount++;
            }
        }
        assertEquals(0, lostCount, lostCount + " of " + acks.size() + " acknowledged writes are not readable at their LSN on "
                + where + ", for example " + lost + "; " + context);
    }

    private static String describe(byte[] value) {
        if (value == null || value.length < 20) {
            return value == null ? "nothing" : value.length + " bytes";
        }
        ByteBuffer buffer = ByteBuffer.wrap(value);
        return "write " + buffer.getLong() + " by node " + buffer.getLong();
    }

    private static Key key(int index) {
        return Key.ofRelationPage(1663, 5, 16384, 0, index);
    }

    /**
     * A writer per node that writes unique values to random keys as fast as its node acknowledges them and
     * retries elsewhere in time when refused, and a chaos thread that checkpoints and compacts on both nodes.
     */
    private static final class Load {
        private final TenantId tenant;
        private final TimelineId timeline;
        private final AtomicReferenceArray<LocalNodes.Node> nodes;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicLong writeIds = new AtomicLong();
        private final ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
        private final Map<Long, AtomicLong> acknowledgedByNode = new ConcurrentHashMap<>();
        private final Map<Integer, AtomicLong> refusals = new ConcurrentHashMap<>();
        private final AtomicLong chaosRefusals = new AtomicLong();
        private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        private final List<Future<?>> tasks = new ArrayList<>();

        Load(TenantId tenant, TimelineId timeline, AtomicReferenceArray<LocalNodes.Node> nodes, long seed) {
            this.tenant = tenant;
            this.timeline = timeline;
            this.nodes = nodes;
            for (int id = 1; id <= 2; id++) {
                long nodeId = id;
                Random random = new Random(seed + id);
                tasks.add(executor.submit(() -> {
                    write(nodeId, random);
                    return null;
                }));
            }
            Random chaos = new Random(seed - 1);
            tasks.add(executor.submit(() -> {
                chaos(chaos);
                return null;
            }));
        }

        private void write(long nodeId, Random random) throws InterruptedException {
            while (!stop.get()) {
                int key = random.nextInt(KEYS);
                long id = writeIds.incrementAndGet();
                byte[] value = ByteBuffer.allocate(64).putLong(id).putLong(nodeId).putInt(key).array();
                LocalNodes.Node node = nodes.get((int) nodeId);
                if (node == null) {
                    Thread.sleep(2); // restarting
                    continue;
                }
                try {
                    Lsn lsn = node.client().ingest(tenant, timeline,
                            List.of(new PageWire.Write(key(key), new PageRecord.Image(value))));
                    acks.add(new Ack(nodeId, key, value, lsn));
                    acknowledgedByNode.computeIfAbsent(nodeId, ignored -> new AtomicLong()).incrementAndGet();
                } catch (RuntimeException e) {
                    // Not acknowledged: refused (not here, stale, attaching), or the node stopped under the call
                    // (-1: its client was closed). Only acknowledged writes count.
                    int status = e instanceof StrataClientException refused ? refused.status() : -1;
                    refusals.computeIfAbsent(status, ignored -> new AtomicLong()).incrementAndGet();
                    Thread.sleep(1 + random.nextInt(5));
                }
            }
        }

        private void chaos(Random random) throws InterruptedException {
            while (!stop.get()) {
                Thread.sleep(10 + random.nextInt(120));
                LocalNodes.Node node = nodes.get(1 + random.nextInt(2));
                if (node == null) {
                    continue; // restarting
                }
                try {
                    if (random.nextInt(3) == 0) {
                        node.client().compact(tenant, timeline);
                    } else {
                        node.client().checkpoint(tenant, timeline);
                    }
                } catch (RuntimeException e) {
                    // The node does not hold the tenant now, is in transition, or stopped under the call.
                    chaosRefusals.incrementAndGet();
                }
            }
        }

        void awaitAcknowledged(int count, String context) throws Exception {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (acks.size() < count) {
                for (Future<?> task : tasks) {
                    if (task.isDone()) {
                        task.get();
                    }
                }
                assertTrue(System.nanoTime() < deadline, "timed out waiting for " + count + " acknowledged writes; " + context);
                Thread.sleep(5);
            }
        }

        void stop() {
            stop.set(true);
            executor.shutdown();
            try {
                executor.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Throws what ended a writer or the chaos thread early, if anything did. */
        void rethrowFailure(String context) throws Exception {
            for (Future<?> task : tasks) {
                try {
                    task.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new AssertionError("a load thread failed: " + e.getCause() + "; " + context, e.getCause());
                }
            }
        }

        List<Ack> acknowledged() {
            return List.copyOf(acks);
        }

        Map<Long, Long> acknowledgedByNode() {
            Map<Long, Long> out = new java.util.TreeMap<>();
            acknowledgedByNode.forEach((node, count) -> out.put(node, count.get()));
            return out;
        }

        Map<Integer, Long> refusals() {
            Map<Integer, Long> out = new java.util.TreeMap<>();
            refusals.forEach((status, count) -> out.put(status, count.get()));
            return out;
        }

        long chaosRefusals() {
            return chaosRefusals.get();
        }
    }
}

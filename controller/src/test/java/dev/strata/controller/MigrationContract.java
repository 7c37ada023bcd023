package dev.strata.controller;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.client.StrataClient;
import dev.strata.client.StrataClientException;
import dev.strata.client.wire.PageWire;
import dev.strata.controller.placement.MigrationObserver;
import dev.strata.controller.testing.ControllerHttp;
import dev.strata.controller.testing.LocalNodes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Migrations between two real nodes sharing a bucket, under a steady write load that follows the controller's
 * placement the way a client would: every write the load saw acknowledged must be readable on the target
 * afterwards, including when the controller stops in the middle of the migration and a new one continues it.
 * Each database runs it through a subclass.
 */
abstract class MigrationContract {
    @TempDir Path directory;
    private LocalNodes nodes;
    private LocalNodes.Node source;
    private LocalNodes.Node target;
    private Controller controller;
    private final AtomicReference<ControllerHttp> http = new AtomicReference<>();

    /** A new, empty database for one test. */
    abstract ControllerConfig.DatabaseConfig database() throws Exception;

    /** Thrown by the observer where a controller is to stop, as if it died there. */
    private static final class SimulatedCrash extends RuntimeException {
        SimulatedCrash(MigrationStep step) {
            super("controller stopped after step " + step);
        }
    }

    @BeforeEach
    void startNodes() throws Exception {
        nodes = new LocalNodes(directory);
        source = nodes.start(1);
        target = nodes.start(2);
    }

    @AfterEach
    void stopAll() throws Exception {
        if (http.get() != null) {
            http.get().close();
        }
        if (controller != null) {
            controller.close();
        }
        nodes.close();
    }

    @Test
    void migrationUnderWriteLoadLosesNoAcknowledgedWrite() throws Exception {
        ControllerConfig config = ControllerConfig.defaults(database()).withCatchUpTimeout(Duration.ofSeconds(60));
        startController(config, MigrationObserver.NONE);
        TenantId tenant = createTenantWithTimeline();

        try (WriteLoad load = new WriteLoad(tenant)) {
            load.awaitAcknowledged(50);
            ControllerHttp.Answer migrated = http.get().put("/control/v1/tenant/" + tenant.hex() + "/migrate", "{\"node_id\":2}");
            assertEquals(200, migrated.status(), migrated.body().toString());
            assertMovedToTarget(migrated.body());
            load.awaitAcknowledgedOn(target.id(), 50);
            load.stopAndVerify();
        }
        assertEquals("Secondary", source.engine().tenantConfig(tenant).mode(), "the source keeps a warm copy as Secondary");
    }

    @ParameterizedTest
    @EnumSource(MigrationStep.class)
    void migrationResumesAfterControllerRestart(MigrationStep crashAfter) throws Exception {
        ControllerConfig config = ControllerConfig.defaults(database()).withCatchUpTimeout(Duration.ofSeconds(60));
        AtomicBoolean crashed = new AtomicBoolean();
        startController(config, migration -> {
            if (migration.step() == crashAfter && crashed.compareAndSet(false, true)) {
                throw new SimulatedCrash(crashAfter);
            }
        });
        TenantId tenant = createTenantWithTimeline();

        try (WriteLoad load = new WriteLoad(tenant)) {
            load.awaitAcknowledged(50);
            ControllerHttp.Answer interrupted = http.get().put("/control/v1/tenant/" + tenant.hex() + "/migrate", "{\"node_id\":2}");
            assertEquals(500, interrupted.status(), interrupted.body().toString());
            assertTrue(crashed.get());
            JsonNode halfway = http.get().get("/control/v1/tenant/" + tenant.hex()).body();
            assertEquals(crashAfter.name(), halfway.path("migration").path("step").asText(), halfway.toString());

            controller.close();
            http.get().close();
            startController(config, MigrationObserver.NONE);
            controller.awaitResumed();
            JsonNode moved = http.get().get("/control/v1/tenant/" + tenant.hex()).body();
            assertMovedToTarget(moved);
            load.awaitAcknowledgedOn(target.id(), 50);
            load.stopAndVerify();
        }
    }

    private void startController(ControllerConfig config, MigrationObserver observer) throws Exception {
        controller = Controller.start(config, observer, Duration.ofMillis(20));
        http.set(new ControllerHttp(controller.port(), null));
        for (LocalNodes.Node node : List.of(source, target)) {
            ControllerHttp.Answer registered = http.get().post("/control/v1/node",
                    "{\"node_id\":" + node.id() + ",\"address\":\"" + node.address() + "\"}");
            assertEquals(200, registered.status(), registered.body().toString());
        }
    }

    private TimelineId timeline;

    private TenantId createTenantWithTimeline() throws Exception {
        TenantId tenant = TenantId.random();
        ControllerHttp.Answer created = http.get().post("/control/v1/tenant", "{\"tenant_id\":\"" + tenant.hex() + "\"}");
        assertEquals(201, created.status(), created.body().toString());
        assertEquals(1, created.body().path("attached_node").asLong(), "the first node, both being empty");
        assertEquals(1, source.client().tenant(tenant).generation(), "the controller attached it on the node");
        timeline = TimelineId.random();
        source.client().createTimeline(tenant, timeline);
        return tenant;
    }

    private static void assertMovedToTarget(JsonNode tenant) {
        assertEquals(2, tenant.path("attached_node").asLong(), tenant.toString());
        assertEquals(2, tenant.path("generation").asLong(), "one generation issued for the move: " + tenant);
        // Placements by node id: the source stays as a Secondary (a warm copy), the target holds the generation.
        assertEquals(2, tenant.path("placements").size(), tenant.toString());
        assertEquals(1, tenant.path("placements").get(0).path("node_id").asLong(), tenant.toString());
        assertEquals("Secondary", tenant.path("placements").get(0).path("mode").asText(), tenant.toString());
        assertEquals(2, tenant.path("placements").get(1).path("node_id").asLong(), tenant.toString());
        assertEquals("AttachedSingle", tenant.path("placements").get(1).path("mode").asText(), tenant.toString());
        assertTrue(tenant.path("migration").isNull(), tenant.toString());
    }

    private static Key key(int index) {
        return Key.ofRelationPage(1663, 5, 16384, 0, index);
    }

    private static byte[] value(int index) {
        return ByteBuffer.allocate(8).putInt(index).putInt(~index).array();
    }

    /**
     * Writes page after page to wherever the controller says the tenant is attached, retrying the same page on
     * refusals (503 stale or attaching, 404 not there yet) and when the controller cannot be reached.
     */
    private final class WriteLoad implements AutoCloseable {
        private final TenantId tenant;
        private final Map<Integer, Long> acknowledged = new ConcurrentHashMap<>();
        private final AtomicInteger acknowledgedOnTarget = new AtomicInteger();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        private final Future<Integer> writer;

        WriteLoad(TenantId tenant) {
            this.tenant = tenant;
            this.writer = executor.submit(this::run);
        }

        private int run() throws Exception {
            int next = 0;
            LocalNodes.Node node = null;
            while (!stop.get()) {
                if (node == null) {
                    node = route();
                    if (node == null) {
                        Thread.sleep(5);
                        continue;
                    }
                }
                try {
                    Lsn commit = node.client().ingest(tenant, timeline,
                            List.of(new PageWire.Write(key(next), new PageRecord.Image(value(next)))));
                    acknowledged.put(next, node.id());
                    if (node.id() == target.id()) {
                        acknowledgedOnTarget.incrementAndGet();
                    }
                    assertTrue(commit.isValid());
                    next++;
                } catch (StrataClientException e) {
                    if (e.status() != 503 && e.status() != 404 && e.status() != 0) {
                        throw e;
                    }
                    node = null;
                    Thread.sleep(2);
                }
            }
            return next;
        }

        /** The node the controller places the tenant on now, or null while none may write. */
        private LocalNodes.Node route() {
            try {
                ControllerHttp.Answer answer = http.get().get("/control/v1/tenant/" + tenant.hex());
                if (answer.status() != 200 || answer.body().path("attached_node").isNull()) {
                    return null;
                }
                long id = answer.body().path("attached_node").asLong();
                return id == source.id() ? source : target;
            } catch (IOException e) {
                return null; // the controller is restarting
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }

        void awaitAcknowledged(int count) throws Exception {
            await(() -> acknowledged.size() >= count, count + " acknowledged writes");
        }

        void awaitAcknowledgedOn(long nodeId, int count) throws Exception {
            assertEquals(target.id(), nodeId);
            await(() -> acknowledgedOnTarget.get() >= count, count + " acknowledged writes on node " + nodeId);
        }

        private void await(java.util.function.BooleanSupplier condition, String what) throws Exception {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!condition.getAsBoolean()) {
                if (writer.isDone()) {
                    writer.get(); // throws what stopped it
                }
                assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
                Thread.sleep(10);
            }
        }

        /** Stops writing and reads every acknowledged page back from the target. */
        void stopAndVerify() throws Exception {
            stop.set(true);
            int written = writer.get();
            assertEquals(written, acknowledged.size());
            StrataClient client = target.client();
            for (int index = 0; index < written; index++) {
                assertArrayEquals(value(index), client.getPage(tenant, timeline, key(index), null),
                        "write " + index + " acknowledged by node " + acknowledged.get(index) + " is lost");
            }
        }

        @Override
        public void close() {
            stop.set(true);
            executor.shutdownNow();
            executor.close();
        }
    }
}

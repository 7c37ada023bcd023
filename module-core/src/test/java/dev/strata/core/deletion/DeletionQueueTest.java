package dev.strata.core.deletion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.api.Generation;
import dev.strata.api.Lsn;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.PutOptions;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.testing.FakeControlPlane;
import dev.strata.core.testing.LocalBucket;
import dev.strata.core.testing.RandomSeed;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deletion queue against a real bucket (localfs) and real list files: deletions wait for validation, a
 * stale generation's are dropped, and persisted lists survive restarts at every step.
 */
final class DeletionQueueTest {
    @RegisterExtension
    static final RandomSeed SEED = new RandomSeed();
    private static final TenantId TENANT = TenantId.parse("0123456789abcdef0123456789abcdef");
    private static final TimelineId TIMELINE = TimelineId.parse("11111111111111111111111111111111");
    private static final Duration SHORT = Duration.ofMillis(300);
    private static final DeletionQueueSettings FAST = new DeletionQueueSettings(64, Duration.ofMillis(20),
            Duration.ofMillis(50), Duration.ofHours(1));

    @TempDir
    Path root;

    private DeletionQueue open(LocalBucket bucket, FakeControlPlane controlPlane, Failpoints failpoints,
                               DeletionQueueMetrics metrics) throws IOException {
        return DeletionQueue.open(root.resolve("node/deletion"), bucket.layout(), controlPlane,
                new ImmediateDeletionExecutor(bucket.faults()), FAST, failpoints, metrics, false);
    }

    /** Puts {@code count} objects under the timeline's prefix and returns their keys. */
    private static List<String> objects(LocalBucket bucket, String tag, int count) throws IOException {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String key = bucket.layout().timelinePrefix(TENANT, TIMELINE) + "layer-" + tag + "-" + i + "-00000001";
            byte[] content = key.getBytes(StandardCharsets.UTF_8);
            bucket.faults().put(key, new java.io.ByteArrayInputStream(content), content.length, PutOptions.DEFAULT, CallContext.NONE);
            keys.add(key);
        }
        return keys;
    }

    private static boolean allExist(LocalBucket bucket, List<String> keys) throws IOException {
        return bucket.keys(bucket.layout().timelinePrefix(TENANT, TIMELINE)).containsAll(keys);
    }

    private static boolean noneExist(LocalBucket bucket, List<String> keys) throws IOException {
        List<String> present = bucket.keys(bucket.layout().timelinePrefix(TENANT, TIMELINE));
        return keys.stream().noneMatch(present::contains);
    }

    private List<Path> listFiles() throws IOException {
        try (Stream<Path> files = Files.list(root.resolve("node/deletion"))) {
            return files.filter(file -> file.getFileName().toString().endsWith(".list")).sorted().toList();
        }
    }

    @Test
    void aDeletionWaitsForValidationAndIsDroppedOnceTheGenerationMovedOn(Random random) throws IOException {
        FakeControlPlane controlPlane = new FakeControlPlane().set(TENANT, Generation.of(1));
        controlPlane.down(true);
        DeletionQueueMetrics metrics = DeletionQueueMetrics.unregistered();
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong());
             DeletionQueue queue = open(bucket, controlPlane, Failpoints.create(), metrics)) {
            List<String> keys = objects(bucket, "a", 5);
            queue.delete(TENANT, TIMELINE, Generation.of(1), keys);
            assertThrows(IOException.class, () -> queue.flushExecute(SHORT));
            assertTrue(allExist(bucket, keys), "nothing is deleted before validation");
            assertEquals(1, listFiles().size(), "the deletions are persisted while they wait");

            // Another node took the tenant over meanwhile.
            controlPlane.set(TENANT, Generation.of(2));
            controlPlane.down(false);
            queue.flushExecute(Duration.ofSeconds(10));
            assertTrue(allExist(bucket, keys), "a stale generation's deletions are dropped");
            assertEquals(5, metrics.droppedKeys());
            assertEquals(List.of(), listFiles());
            assertEquals(0, queue.pendingKeys());
        }
    }

    @Test
    void aValidatedDeletionIsExecutedAndItsListRemoved(Random random) throws IOException {
        FakeControlPlane controlPlane = new FakeControlPlane().set(TENANT, Generation.of(3));
        DeletionQueueMetrics metrics = DeletionQueueMetrics.unregistered();
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong());
             DeletionQueue queue = open(bucket, controlPlane, Failpoints.create(), metrics)) {
            List<String> keys = objects(bucket, "b", 300);
            // A key that is already gone counts as deleted.
            List<String> pushed = new ArrayList<>(keys);
            pushed.add(bucket.layout().timelinePrefix(TENANT, TIMELINE) + "never-written-00000003");
            queue.delete(TENANT, TIMELINE, Generation.of(3), pushed);
            queue.flushExecute(Duration.ofSeconds(10));
            assertTrue(noneExist(bucket, keys));
            assertEquals(301, metrics.executedKeys());
            assertEquals(0, metrics.droppedKeys());
            assertEquals(List.of(), listFiles());
            JsonNode header = new ObjectMapper().readTree(Files.readAllBytes(root.resolve("node/deletion/header-01")));
            assertTrue(header.get("validated_sequence").asLong() >= 1, header.toString());
        }
    }

    @Test
    void aListHoldsOneGenerationPerTenantInTheDocumentedFormat(Random random) throws IOException {
        FakeControlPlane controlPlane = new FakeControlPlane();
        controlPlane.down(true);
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong());
             DeletionQueue queue = open(bucket, controlPlane, Failpoints.create(), DeletionQueueMetrics.unregistered())) {
            List<String> keys = objects(bucket, "c", 3);
            queue.delete(TENANT, TIMELINE, Generation.of(4), keys.subList(0, 2));
            queue.delete(TENANT, TIMELINE, Generation.of(5), keys.subList(2, 3));
            queue.flush();
            List<Path> lists = listFiles();
            assertEquals(List.of("0000000000000001-01.list", "0000000000000002-01.list"),
                    lists.stream().map(file -> file.getFileName().toString()).toList());
            JsonNode first = new ObjectMapper().readTree(Files.readAllBytes(lists.getFirst()));
            assertEquals(1, first.get("version").asInt());
            assertEquals(1, first.get("sequence").asLong());
            assertEquals(2, first.get("size").asInt());
            assertFalse(first.has("validated"), "validated appears only when true");
            JsonNode tenant = first.get("tenants").get(TENANT.hex());
            assertEquals(4, tenant.get("generation").asInt());
            assertEquals("layer-c-0-00000001", tenant.get("timelines").get(TIMELINE.hex()).get(0).asText());
        }
    }

    @Test
    void validatedListsAreExecutedAfterARestartWithoutAskingAgain(Random random) throws IOException {
        FakeControlPlane controlPlane = new FakeControlPlane().set(TENANT, Generation.of(1));
        Failpoints failpoints = Failpoints.create();
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            List<String> keys = objects(bucket, "d", 4);
            failpoints.configure(DeletionQueue.FAILPOINT_BEFORE_EXECUTE, "return");
            try (DeletionQueue queue = open(bucket, controlPlane, failpoints, DeletionQueueMetrics.unregistered())) {
                queue.delete(TENANT, TIMELINE, Generation.of(1), keys);
                assertThrows(IOException.class, () -> queue.flushExecute(SHORT));
            }
            assertTrue(allExist(bucket, keys), "the crash came before execution");
            JsonNode list = new ObjectMapper().readTree(Files.readAllBytes(listFiles().getFirst()));
            assertTrue(list.get("validated").asBoolean(), list.toString());
            failpoints.clear();
            // Even though the generation moves on now, the validation from before the restart stands.
            controlPlane.set(TENANT, Generation.of(2));
            int asked = controlPlane.validateCalls();
            try (DeletionQueue queue = open(bucket, controlPlane, failpoints, DeletionQueueMetrics.unregistered())) {
                queue.flushExecute(Duration.ofSeconds(10));
            }
            assertTrue(noneExist(bucket, keys));
            assertEquals(asked, controlPlane.validateCalls(), "a validated list is not validated again");
            assertEquals(List.of(), listFiles());
        }
    }

    @Test
    void aHeldTenantsDeletionsArePersistedButNotValidatedUntilReleasedAcrossARestart(Random random) throws IOException {
        TenantId other = TenantId.parse("fedcba9876543210fedcba9876543210");
        FakeControlPlane controlPlane = new FakeControlPlane().set(TENANT, Generation.of(1)).set(other, Generation.of(4));
        java.util.concurrent.atomic.AtomicBoolean migrating = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.function.Predicate<TenantId> held = tenant -> tenant.equals(TENANT) && migrating.get();
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            List<String> heldKeys = objects(bucket, "h", 4);
            String otherKey = bucket.layout().timelinePrefix(other, TIMELINE) + "layer-o-00000004";
            bucket.faults().put(otherKey, new java.io.ByteArrayInputStream(new byte[] {1}), 1, PutOptions.DEFAULT,
                    CallContext.NONE);
            try (DeletionQueue queue = DeletionQueue.open(root.resolve("node/deletion"), bucket.layout(), controlPlane,
                    new ImmediateDeletionExecutor(bucket.faults()), FAST, Failpoints.create(),
                    DeletionQueueMetrics.unregistered(), false, held)) {
                queue.delete(TENANT, TIMELINE, Generation.of(1), heldKeys);
                queue.delete(other, TIMELINE, Generation.of(4), List.of(otherKey));
                IOException e = assertThrows(IOException.class, () -> queue.flushExecute(SHORT));
                assertTrue(e.getMessage().contains("1 lists await validation (1 of them held for tenants in"
                        + " AttachedMulti or AttachedStale)"), e.getMessage());
                assertFalse(bucket.keys(bucket.layout().timelinePrefix(other, TIMELINE)).contains(otherKey),
                        "another tenant pushed alongside is not held back");
                assertTrue(allExist(bucket, heldKeys), "the held tenant's objects stay");
                assertFalse(controlPlane.askedAbout().contains(TENANT), "a held tenant's deletions are not even validated");
                assertEquals(1, listFiles().size(), "they are persisted in a list of their own");
            }
            // After a restart the list is still unvalidated (the header did not pass it) and still held.
            try (DeletionQueue queue = DeletionQueue.open(root.resolve("node/deletion"), bucket.layout(), controlPlane,
                    new ImmediateDeletionExecutor(bucket.faults()), FAST, Failpoints.create(),
                    DeletionQueueMetrics.unregistered(), false, held)) {
                assertThrows(IOException.class, () -> queue.flushExecute(SHORT));
                assertTrue(allExist(bucket, heldKeys));
                assertFalse(controlPlane.askedAbout().contains(TENANT));

                migrating.set(false);
                queue.holdsChanged();
                queue.flushExecute(Duration.ofSeconds(10));
                assertTrue(noneExist(bucket, heldKeys), "once released, validation lets them go");
                assertTrue(controlPlane.askedAbout().contains(TENANT));
                assertEquals(List.of(), listFiles());
            }
        }
    }

    @Test
    void validationAndExecutorBatchesKeepToTheConfiguredSizes(Random random) throws IOException {
        FakeControlPlane controlPlane = new FakeControlPlane();
        List<TenantId> tenants = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            TenantId tenant = TenantId.parse("%032x".formatted(i + 1));
            controlPlane.set(tenant, Generation.of(1));
            tenants.add(tenant);
        }
        List<Integer> executorCalls = java.util.Collections.synchronizedList(new ArrayList<>());
        DeletionQueueSettings settings = new DeletionQueueSettings(64, Duration.ofMillis(20), Duration.ofMillis(50),
                Duration.ofHours(1), 2, 3);
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            ImmediateDeletionExecutor immediate = new ImmediateDeletionExecutor(bucket.faults());
            dev.strata.api.deletion.DeletionExecutor counting = new dev.strata.api.deletion.DeletionExecutor() {
                @Override
                public int maxKeysPerCall() {
                    return immediate.maxKeysPerCall();
                }

                @Override
                public List<dev.strata.api.remote.DeleteResult> delete(List<String> keys, CallContext context)
                        throws dev.strata.api.remote.RemoteStorageException {
                    executorCalls.add(keys.size());
                    return immediate.delete(keys, context);
                }
            };
            List<String> all = new ArrayList<>();
            try (DeletionQueue queue = DeletionQueue.open(root.resolve("node/deletion"), bucket.layout(), controlPlane,
                    counting, settings, Failpoints.create(), DeletionQueueMetrics.unregistered(), false)) {
                for (TenantId tenant : tenants) {
                    List<String> keys = new ArrayList<>();
                    for (int i = 0; i < 2; i++) {
                        String key = bucket.layout().timelinePrefix(tenant, TIMELINE) + "layer-" + i + "-00000001";
                        bucket.faults().put(key, new java.io.ByteArrayInputStream(new byte[] {1}), 1, PutOptions.DEFAULT,
                                CallContext.NONE);
                        keys.add(key);
                    }
                    all.addAll(keys);
                    queue.delete(tenant, TIMELINE, Generation.of(1), keys);
                }
                queue.flushExecute(Duration.ofSeconds(10));
            }
            assertEquals(2, controlPlane.largestBatch(), "five tenants are validated two at a time");
            assertEquals(all.size(), executorCalls.stream().mapToInt(Integer::intValue).sum());
            assertTrue(executorCalls.stream().allMatch(size -> size <= 3), executorCalls.toString());
            assertTrue(bucket.keys("").stream().noneMatch(all::contains), "every object was deleted");
        }
    }

    @Test
    void unvalidatedListsAreValidatedAfterARestart(Random random) throws IOException {
        FakeControlPlane controlPlane = new FakeControlPlane().set(TENANT, Generation.of(1));
        Failpoints failpoints = Failpoints.create();
        DeletionQueueMetrics metrics = DeletionQueueMetrics.unregistered();
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            List<String> stale = objects(bucket, "e", 3);
            failpoints.configure(DeletionQueue.FAILPOINT_VALIDATE, "return");
            try (DeletionQueue queue = open(bucket, controlPlane, failpoints, DeletionQueueMetrics.unregistered())) {
                queue.delete(TENANT, TIMELINE, Generation.of(1), stale);
                assertThrows(IOException.class, () -> queue.flushExecute(SHORT));
            }
            assertEquals(1, listFiles().size());
            failpoints.clear();
            controlPlane.set(TENANT, Generation.of(2));
            List<String> current = objects(bucket, "f", 2);
            try (DeletionQueue queue = open(bucket, controlPlane, failpoints, metrics)) {
                queue.delete(TENANT, TIMELINE, Generation.of(2), current);
                queue.flushExecute(Duration.ofSeconds(10));
            }
            assertTrue(allExist(bucket, stale), "the list from before the restart had a stale generation");
            assertTrue(noneExist(bucket, current));
            assertEquals(3, metrics.droppedKeys());
            assertEquals(List.of(), listFiles());
        }
    }

    @Test
    void anUnreadableListIsDroppedAndCounted(Random random) throws IOException {
        FakeControlPlane controlPlane = new FakeControlPlane().set(TENANT, Generation.of(1));
        DeletionQueueMetrics metrics = DeletionQueueMetrics.unregistered();
        Path directory = root.resolve("node/deletion");
        Files.createDirectories(directory);
        Files.writeString(directory.resolve("0000000000000007-01.list"), "{\"version\":1,\"sequ");
        Files.writeString(directory.resolve("0000000000000008-01.list"),
                "{\"version\":1,\"sequence\":8,\"tenants\":{},\"size\":0,\"a_future_field\":{\"x\":1}}");
        Files.writeString(directory.resolve("header-01"), "{\"version\":1,\"validated_sequence\":6,\"later\":true}");
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong());
             DeletionQueue queue = open(bucket, controlPlane, Failpoints.create(), metrics)) {
            assertEquals(1, metrics.unreadableLists());
            assertFalse(Files.exists(directory.resolve("0000000000000007-01.list")));
            queue.flushExecute(Duration.ofSeconds(10));
            List<String> keys = objects(bucket, "g", 1);
            queue.delete(TENANT, TIMELINE, Generation.of(1), keys);
            queue.flush();
            assertTrue(Files.exists(directory.resolve("0000000000000009-01.list")), "sequences are never reused");
        }
    }

    @Test
    void aProjectedLsnBecomesVisibleOnlyAfterValidation(Random random) throws IOException, InterruptedException {
        FakeControlPlane controlPlane = new FakeControlPlane().set(TENANT, Generation.of(1));
        controlPlane.down(true);
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong());
             DeletionQueue queue = open(bucket, controlPlane, Failpoints.create(), DeletionQueueMetrics.unregistered())) {
            AtomicReference<Lsn> visible = new AtomicReference<>();
            queue.remoteConsistentLsnProjected(TENANT, TIMELINE, Generation.of(1), Lsn.of(0x1000), visible::set);
            Thread.sleep(200);
            assertEquals(null, visible.get(), "nothing becomes visible while the control plane is down");
            controlPlane.down(false);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (visible.get() == null && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(Lsn.of(0x1000), visible.get());
            AtomicReference<Lsn> stale = new AtomicReference<>();
            queue.remoteConsistentLsnProjected(TENANT, TIMELINE, Generation.of(0), Lsn.of(0x2000), stale::set);
            Thread.sleep(300);
            assertEquals(null, stale.get(), "a stale generation's LSN never becomes visible");
        }
    }
}

package dev.strata.core.tenant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Generation;
import dev.strata.api.Key;
import dev.strata.api.LayerFileName;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.controlplane.ControlPlane;
import dev.strata.api.controlplane.TenantMode;
import dev.strata.api.controlplane.ControlPlaneProvider;
import dev.strata.api.deletion.DeletionExecutor;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.core.controlplane.EmergencyMode;
import dev.strata.core.deletion.DeletionQueue;
import dev.strata.core.deletion.DeletionQueueSettings;
import dev.strata.core.deletion.ImmediateDeletionExecutorProvider;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.metrics.NodeMetrics;
import dev.strata.core.page.PageWrite;
import dev.strata.core.plugin.ControlPlaneProviders;
import dev.strata.core.testing.FakeControlPlane;
import dev.strata.core.testing.LocalBucket;
import dev.strata.core.testing.RandomSeed;
import dev.strata.core.timeline.Timeline;
import dev.strata.core.timeline.TimelineSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes with a control plane on a real bucket: deletions and visible LSNs wait for validation, emergency mode
 * serves without the control plane and holds both, and of two nodes writing one tenant at generations g and g+1
 * only the newer one deletes anything.
 */
final class ControlPlaneEngineTest {
    @RegisterExtension
    static final RandomSeed SEED = new RandomSeed();
    private static final TenantId TENANT = TenantId.parse("0123456789abcdef0123456789abcdef");
    private static final TimelineId MAIN = TimelineId.parse("11111111111111111111111111111111");
    private static final int KEYS = 32;
    private static final TimelineSettings SETTINGS = TimelineSettings.DEFAULT
            .withCheckpointDistance(16 << 10)
            .withCompaction(2, 48 << 10, 2)
            .withGc(64 << 10, Duration.ZERO);
    private static final DeletionQueueSettings QUEUE = new DeletionQueueSettings(64, Duration.ofMillis(20),
            Duration.ofMillis(50), Duration.ofHours(1));

    @TempDir
    Path root;

    private LocalEngine open(Path workdir, LocalBucket bucket, ControlPlane controlPlane, EmergencyMode emergency)
            throws IOException {
        DeletionExecutor executor = new ImmediateDeletionExecutorProvider().create(
                ProviderConfig.parse("deletion", Map.of(), List.of()), bucket.faults());
        return LocalEngine.open(workdir, EngineOptions.DEFAULT.withTimelineSettings(SETTINGS).withRemote(bucket.resources())
                        .withBackgroundCompaction(false).withFailpoints(Failpoints.create()), new NodeMetrics(),
                new ControlPlaneSetup(controlPlane, 1, emergency, executor, QUEUE));
    }

    private static Key key(int n) {
        return Key.ofRelationPage(1663, 5, 16384, 0, n);
    }

    private static List<Lsn> write(Timeline timeline, Random random, int batches) throws IOException {
        List<Lsn> commits = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            List<PageWrite> batch = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                byte[] page = new byte[512];
                random.nextBytes(page);
                batch.add(new PageWrite(key(random.nextInt(KEYS)), new PageRecord.Image(page)));
            }
            commits.add(timeline.ingest(batch));
        }
        return commits;
    }

    /** Writes, flushes and compacts until compaction replaced layers; returns the remote keys of the replaced ones. */
    private static List<String> churn(Timeline timeline, LocalBucket bucket, Random random) throws IOException {
        List<LayerFileName> before = new ArrayList<>(timeline.layerFileNames());
        for (int round = 0; round < 3; round++) {
            write(timeline, random, 40);
            timeline.checkpoint();
            before.addAll(timeline.layerFileNames());
            timeline.compact();
        }
        timeline.remote().waitCompletion(Duration.ofSeconds(30));
        List<LayerFileName> replaced = new ArrayList<>(before);
        replaced.removeAll(timeline.layerFileNames());
        assertFalse(replaced.isEmpty(), "compaction replaced layers");
        return replaced.stream().distinct()
                .map(layer -> bucket.layout().layerKey(timeline.tenantId(), timeline.timelineId(), layer)).toList();
    }

    private static Map<String, byte[]> snapshot(Timeline timeline, List<Lsn> lsns) throws IOException {
        Map<String, byte[]> pages = new LinkedHashMap<>();
        for (Lsn lsn : lsns) {
            for (int n = 0; n < KEYS; n++) {
                pages.put(lsn + "/" + n, timeline.get(key(n), lsn));
            }
        }
        return pages;
    }

    @Test
    void deletionsWaitForValidationAndTheVisibleLsnFollowsIt(Random random) throws IOException {
        FakeControlPlane controlPlane = new FakeControlPlane();
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong());
             LocalEngine engine = open(root.resolve("node"), bucket, controlPlane, EmergencyMode.OFF)) {
            controlPlane.set(TENANT, Generation.of(1));
            engine.createTenant(TENANT, Generation.of(1));
            Timeline main = engine.createTimeline(TENANT, MAIN);
            List<String> replaced = churn(main, bucket, random);
            DeletionQueue queue = engine.deletionQueue().orElseThrow();
            queue.flushExecute(Duration.ofSeconds(30));
            List<String> present = bucket.keys(bucket.layout().timelinePrefix(TENANT, MAIN));
            assertTrue(replaced.stream().noneMatch(present::contains), "validated deletions were executed");
            assertEquals(main.remote().projectedRemoteConsistentLsn(), waitVisible(main));
        }
    }

    @Test
    void aMigrationTargetHoldsItsDeletionsUntilItIsTheSingleAttachment(Random random) throws IOException {
        FakeControlPlane controlPlane = new FakeControlPlane().set(TENANT, Generation.of(1));
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong());
             LocalEngine engine = open(root.resolve("node"), bucket, controlPlane, EmergencyMode.OFF)) {
            engine.createTenant(TENANT, Generation.of(1));
            Timeline main = engine.createTimeline(TENANT, MAIN);
            engine.applyLocation(TENANT, new LocationConfig(TenantMode.ATTACHED_MULTI, Generation.of(1), false));
            List<String> replaced = churn(main, bucket, random);
            DeletionQueue queue = engine.deletionQueue().orElseThrow();
            IOException held = assertThrows(IOException.class, () -> queue.flushExecute(Duration.ofMillis(500)));
            assertTrue(held.getMessage().contains("held for tenants in AttachedMulti or AttachedStale"), held.getMessage());
            assertTrue(bucket.keys(bucket.layout().timelinePrefix(TENANT, MAIN)).containsAll(replaced),
                    "nothing is deleted while the tenant is AttachedMulti");
            assertTrue(queue.pendingKeys() >= replaced.size(), "the held deletions are persisted in the queue");
            try (java.util.stream.Stream<Path> lists = java.nio.file.Files.list(root.resolve("node/deletion"))) {
                assertTrue(lists.anyMatch(file -> file.getFileName().toString().endsWith(".list")));
            }

            engine.applyLocation(TENANT, new LocationConfig(TenantMode.ATTACHED_SINGLE, Generation.of(1), false));
            queue.flushExecute(Duration.ofSeconds(30));
            List<String> present = bucket.keys(bucket.layout().timelinePrefix(TENANT, MAIN));
            assertTrue(replaced.stream().noneMatch(present::contains), "once AttachedSingle, validation lets them go");
        }
    }

    private static Lsn waitVisible(Timeline timeline) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline
                && !timeline.remote().visibleRemoteConsistentLsn().equals(timeline.remote().projectedRemoteConsistentLsn())) {
            Thread.onSpinWait();
        }
        return timeline.remote().visibleRemoteConsistentLsn();
    }

    @Test
    void emergencyModeServesWithoutTheControlPlaneAndHoldsDeletionsUntilItAnswers(Random random) throws IOException {
        FakeControlPlane controlPlane = new FakeControlPlane().set(TENANT, Generation.of(1));
        Path workdir = root.resolve("node");
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            try (LocalEngine engine = open(workdir, bucket, controlPlane, EmergencyMode.OFF)) {
                engine.createTenant(TENANT, Generation.of(1));
                write(engine.createTimeline(TENANT, MAIN), random, 20);
            }
            controlPlane.down(true);
            try (LocalEngine engine = open(workdir, bucket, controlPlane, new EmergencyMode.After(Duration.ofMillis(200)))) {
                DeletionQueue queue = engine.deletionQueue().orElseThrow();
                assertTrue(queue.emergency(), "the node started in emergency mode");
                assertEquals(Generation.of(1), engine.tenantConfig(TENANT).generation(), "attached at the local generation");
                Timeline main = engine.timeline(TENANT, MAIN);
                Lsn frozen = main.remote().visibleRemoteConsistentLsn();
                List<Lsn> commits = write(main, random, 5);
                List<String> replaced = churn(main, bucket, random);
                assertTrue(main.get(key(1), commits.getLast()) != null, "reads are served");
                assertTrue(main.remote().projectedRemoteConsistentLsn().isAfter(frozen), "uploads continue");
                assertEquals(frozen, main.remote().visibleRemoteConsistentLsn(), "the visible LSN is frozen");
                queue.flush();
                assertTrue(bucket.keys(bucket.layout().timelinePrefix(TENANT, MAIN)).containsAll(replaced),
                        "nothing is deleted in emergency mode");
                assertTrue(queue.pendingKeys() >= replaced.size());

                controlPlane.down(false);
                queue.flushExecute(Duration.ofSeconds(30));
                assertFalse(queue.emergency(), "the first answer ends emergency mode");
                List<String> present = bucket.keys(bucket.layout().timelinePrefix(TENANT, MAIN));
                assertTrue(replaced.stream().noneMatch(present::contains), "the held deletions drained");
                assertEquals(main.remote().projectedRemoteConsistentLsn(), waitVisible(main));
            }
        }
    }

    @Test
    void ofTwoNodesOnOneBucketOnlyTheNewerGenerationDeletes(Random random) throws IOException {
        FakeControlPlane controlPlane = new FakeControlPlane();
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            Map<String, byte[]> expected;
            List<Lsn> lsns = new ArrayList<>();
            try (LocalEngine older = open(root.resolve("node-a"), bucket, controlPlane, EmergencyMode.OFF)) {
                controlPlane.set(TENANT, Generation.of(1));
                older.createTenant(TENANT, Generation.of(1));
                Timeline oldMain = older.createTimeline(TENANT, MAIN);
                write(oldMain, random, 60);
                oldMain.checkpoint();
                oldMain.remote().waitCompletion(Duration.ofSeconds(30));

                // The control plane moves the tenant to a second node; the first does not know yet.
                controlPlane.set(TENANT, Generation.of(2));
                try (LocalEngine newer = open(root.resolve("node-b"), bucket, controlPlane, EmergencyMode.OFF)) {
                    assertEquals(Generation.of(2), newer.tenantConfig(TENANT).generation());
                    Timeline newMain = newer.timeline(TENANT, MAIN);

                    // Split brain: both write and compact; the older one's deletions would remove layers the
                    // newer one's index references.
                    List<String> staleReplaced = churn(oldMain, bucket, random);
                    DeletionQueue oldQueue = older.deletionQueue().orElseThrow();
                    oldQueue.flushExecute(Duration.ofSeconds(30));
                    assertTrue(bucket.keys(bucket.layout().timelinePrefix(TENANT, MAIN)).containsAll(staleReplaced),
                            "every deletion of the stale generation was dropped");
                    assertTrue(older.metrics().registry().counter("strata.deletion.keys.dropped").getCount() >= staleReplaced.size());
                    assertTrue(oldMain.remote().visibleRemoteConsistentLsn().isBefore(oldMain.remote().projectedRemoteConsistentLsn()),
                            "the stale node's visible LSN does not advance");

                    List<String> replaced = churn(newMain, bucket, random);
                    lsns.add(newMain.lastRecordLsn());
                    lsns.add(newMain.remote().projectedRemoteConsistentLsn());
                    newer.deletionQueue().orElseThrow().flushExecute(Duration.ofSeconds(30));
                    List<String> present = bucket.keys(bucket.layout().timelinePrefix(TENANT, MAIN));
                    assertTrue(replaced.stream().noneMatch(present::contains), "the current generation deletes");
                    newMain.checkpoint();
                    newMain.remote().waitCompletion(Duration.ofSeconds(30));
                    expected = snapshot(newMain, lsns);
                }
            }
            controlPlane.set(TENANT, Generation.of(3));
            try (LocalEngine third = open(root.resolve("node-c"), bucket, controlPlane, EmergencyMode.OFF)) {
                Map<String, byte[]> actual = snapshot(third.timeline(TENANT, MAIN), lsns);
                assertEquals(expected.keySet(), actual.keySet());
                for (Map.Entry<String, byte[]> entry : expected.entrySet()) {
                    assertArrayEquals(entry.getValue(), actual.get(entry.getKey()), "page " + entry.getKey());
                }
            }
        }
    }

    @Test
    void theLocalControlPlaneBumpsTheGenerationOnRestartAndDropsDeletionsOfTheOldOne(Random random) throws IOException {
        Path workdir = root.resolve("node");
        ControlPlaneProvider local = ControlPlaneProviders.builtIn().controlPlane("local");
        ProviderConfig config = ProviderConfig.parse("control_plane", Map.of(), local.configKeys());
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            List<String> heldAtRestart;
            try (ControlPlane controlPlane = local.create(config, workdir);
                 LocalEngine engine = open(workdir, bucket, controlPlane, EmergencyMode.OFF)) {
                engine.createTenant(TENANT, Generation.of(1));
                Timeline main = engine.createTimeline(TENANT, MAIN);
                List<String> replaced = churn(main, bucket, random);
                engine.deletionQueue().orElseThrow().flushExecute(Duration.ofSeconds(30));
                List<String> present = bucket.keys(bucket.layout().timelinePrefix(TENANT, MAIN));
                assertTrue(replaced.stream().noneMatch(present::contains), "a single node validates its own generation");
                engine.resources().failpoints().configure(DeletionQueue.FAILPOINT_VALIDATE, "return");
                heldAtRestart = churn(main, bucket, random);
                engine.deletionQueue().orElseThrow().flush();
            }
            try (ControlPlane controlPlane = local.create(config, workdir);
                 LocalEngine engine = open(workdir, bucket, controlPlane, EmergencyMode.OFF)) {
                assertEquals(Generation.of(2), engine.tenantConfig(TENANT).generation(), "every start bumps the generation");
                engine.deletionQueue().orElseThrow().flushExecute(Duration.ofSeconds(30));
                assertTrue(bucket.keys(bucket.layout().timelinePrefix(TENANT, MAIN)).containsAll(heldAtRestart),
                        "deletions of the generation before the restart are dropped, not executed");
                assertTrue(engine.metrics().registry().counter("strata.deletion.keys.dropped").getCount() >= heldAtRestart.size());
                Timeline main = engine.timeline(TENANT, MAIN);
                List<String> replaced = churn(main, bucket, random);
                engine.deletionQueue().orElseThrow().flushExecute(Duration.ofSeconds(30));
                List<String> present = bucket.keys(bucket.layout().timelinePrefix(TENANT, MAIN));
                assertTrue(replaced.stream().noneMatch(present::contains), "the new generation deletes");
            }
        }
    }

    /** Re-attach answering an older generation than the local one demotes the tenant to Secondary: it must not write. */
    @Test
    void aReAttachWithAnOlderGenerationThanTheLocalOneDemotesToSecondary(Random random) throws IOException {
        Path workdir = root.resolve("node");
        FakeControlPlane controlPlane = new FakeControlPlane().set(TENANT, Generation.of(5));
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            try (LocalEngine engine = open(workdir, bucket, controlPlane, EmergencyMode.OFF)) {
                engine.createTenant(TENANT, Generation.of(5));
                Timeline main = engine.createTimeline(TENANT, MAIN);
                write(main, random, 4);
                main.checkpoint();
                main.remote().waitCompletion(Duration.ofSeconds(30));
            }
            List<String> before = new ArrayList<>(bucket.keys(bucket.layout().tenantPrefix(TENANT)));
            controlPlane.set(TENANT, Generation.of(3));
            try (LocalEngine engine = open(workdir, bucket, controlPlane, EmergencyMode.OFF)) {
                assertEquals(TenantMode.SECONDARY.wireName(), engine.tenantConfig(TENANT).mode());
                assertTrue(engine.tenantConfig(TENANT).generation().isNone(), "a Secondary holds no generation");
            }
            List<String> after = new ArrayList<>(bucket.keys(bucket.layout().tenantPrefix(TENANT)));
            after.removeIf(key -> key.endsWith("heatmap-v1.json"));
            before.removeIf(key -> key.endsWith("heatmap-v1.json"));
            assertEquals(before, after, "the demoted node wrote nothing to the bucket");
        }
    }

    /**
     * A crash-restart under a control plane that hands out a new generation at every start (the local one): the
     * writes acknowledged before the crash are only in this node's WAL (nothing was checkpointed, no WAL backup),
     * and the restart must replay it rather than fall back to the bucket's older index.
     */
    @Test
    void aRestartUnderANewGenerationReplaysTheLocalWalOfTheGenerationBefore(Random random) throws IOException {
        Path workdir = root.resolve("node");
        ControlPlaneProvider local = ControlPlaneProviders.builtIn().controlPlane("local");
        ProviderConfig config = ProviderConfig.parse("control_plane", Map.of(), local.configKeys());
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            List<Lsn> lsns;
            Map<String, byte[]> expected;
            Lsn last;
            try (ControlPlane controlPlane = local.create(config, workdir)) {
                LocalEngine engine = open(workdir, bucket, controlPlane, EmergencyMode.OFF);
                try {
                    engine.createTenant(TENANT, Generation.of(1));
                    Timeline main = engine.createTimeline(TENANT, MAIN);
                    write(main, random, 20);
                    main.checkpoint();
                    main.remote().waitCompletion(Duration.ofSeconds(30));
                    lsns = write(main, random, 3);
                    last = main.lastRecordLsn();
                    expected = snapshot(main, lsns);
                    assertTrue(main.remote().projectedRemoteConsistentLsn().isBefore(last),
                            "the last writes are in no uploaded index");
                } finally {
                    engine.close(false);
                }
            }
            for (int restart = 2; restart <= 3; restart++) {
                try (ControlPlane controlPlane = local.create(config, workdir);
                     LocalEngine engine = open(workdir, bucket, controlPlane, EmergencyMode.OFF)) {
                    assertEquals(Generation.of(restart), engine.tenantConfig(TENANT).generation());
                    Timeline main = engine.timeline(TENANT, MAIN);
                    assertEquals(last, main.lastRecordLsn(), "restart " + restart + " replayed the local WAL");
                    assertEquals(snapshotAsStrings(expected), snapshotAsStrings(snapshot(main, lsns)),
                            "pages after restart " + restart);
                }
            }
        }
    }

    private static Map<String, String> snapshotAsStrings(Map<String, byte[]> pages) {
        Map<String, String> text = new LinkedHashMap<>();
        pages.forEach((key, page) -> text.put(key, page == null ? "null" : java.util.HexFormat.of().formatHex(page)));
        return text;
    }
}

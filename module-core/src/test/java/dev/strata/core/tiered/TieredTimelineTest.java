package dev.strata.core.tiered;

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
import dev.strata.api.controlplane.TenantMode;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.index.IndexPart;
import dev.strata.core.page.PageWrite;
import dev.strata.core.tenant.EngineOptions;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.tenant.LocationConfig;
import dev.strata.core.testing.LocalBucket;
import dev.strata.core.testing.PrometheusSamples;
import dev.strata.core.testing.RandomSeed;
import dev.strata.core.timeline.EngineException;
import dev.strata.core.timeline.Timeline;
import dev.strata.core.timeline.TimelineSettings;
import dev.strata.testkit.FaultInjectingRemoteStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Timelines backed by a bucket (the localfs backend): what one node uploads, a node with an empty disk
 * attaches and serves identically; uploads survive failpoints and transient errors; creation and deletion are
 * all-or-nothing in the bucket.
 */
final class TieredTimelineTest {
    @RegisterExtension
    static final RandomSeed SEED = new RandomSeed();
    private static final TenantId TENANT = TenantId.parse("0123456789abcdef0123456789abcdef");
    private static final TimelineId MAIN = TimelineId.parse("11111111111111111111111111111111");
    private static final TimelineId CHILD = TimelineId.parse("22222222222222222222222222222222");
    private static final int KEYS = 48;
    private static final TimelineSettings SETTINGS = TimelineSettings.DEFAULT
            .withCheckpointDistance(32 << 10)
            .withCompaction(3, 48 << 10, 2)
            .withGc(64 << 10, Duration.ZERO);

    @TempDir
    Path root;

    private LocalEngine open(Path workdir, RemoteResources remote, Failpoints failpoints) throws IOException {
        return LocalEngine.open(workdir, EngineOptions.DEFAULT.withTimelineSettings(SETTINGS).withRemote(remote)
                .withBackgroundCompaction(false).withFailpoints(failpoints));
    }

    private static Key key(int n) {
        return Key.ofRelationPage(1663, 5, 16384, 0, n);
    }

    /** Writes {@code batches} batches of images and appends; returns each batch's commit LSN. */
    private static List<Lsn> write(Timeline timeline, Random random, int batches) throws IOException {
        List<Lsn> commits = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            List<PageWrite> batch = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int n = random.nextInt(KEYS);
                if (random.nextInt(4) == 0) {
                    byte[] tail = new byte[16];
                    random.nextBytes(tail);
                    batch.add(new PageWrite(key(n), new PageRecord.Append(tail)));
                } else {
                    byte[] page = new byte[512];
                    random.nextBytes(page);
                    batch.add(new PageWrite(key(n), new PageRecord.Image(page)));
                }
            }
            commits.add(timeline.ingest(batch));
        }
        return commits;
    }

    /** Every key's page at each LSN, as the timeline answers now. */
    private static Map<String, byte[]> snapshot(Timeline timeline, List<Lsn> lsns) throws IOException {
        Map<String, byte[]> pages = new LinkedHashMap<>();
        for (Lsn lsn : lsns) {
            for (int n = 0; n < KEYS; n++) {
                pages.put(lsn + "/" + n, timeline.get(key(n), lsn));
            }
        }
        return pages;
    }

    private static void assertSamePages(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (Map.Entry<String, byte[]> entry : expected.entrySet()) {
            assertArrayEquals(entry.getValue(), actual.get(entry.getKey()), "page " + entry.getKey());
        }
    }

    private static List<Lsn> pick(List<Lsn> commits, Lsn notBelow) {
        List<Lsn> chosen = new ArrayList<>();
        for (int i = commits.size() - 1; i >= 0 && chosen.size() < 4; i -= Math.max(1, commits.size() / 5)) {
            if (!commits.get(i).isBefore(notBelow)) {
                chosen.add(commits.get(i));
            }
        }
        return chosen;
    }

    @Test
    void aFreshNodeAttachesFromTheBucketAndServesIdenticalPagesOnEveryBranch(Random random) throws IOException {
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            Map<String, byte[]> mainPages;
            Map<String, byte[]> childPages;
            List<Lsn> mainLsns;
            List<Lsn> childLsns;
            try (LocalEngine first = open(root.resolve("node-a"), bucket.resources(), Failpoints.disabled())) {
                first.createTenant(TENANT, Generation.of(1));
                Timeline main = first.createTimeline(TENANT, MAIN);
                List<Lsn> commits = write(main, random, 120);
                Timeline child = first.branch(TENANT, CHILD, MAIN, commits.get(60));
                List<Lsn> childCommits = write(child, random, 40);
                commits.addAll(write(main, random, 60));
                main.checkpoint();
                child.checkpoint();
                assertTrue(main.compact().l0Compacted() > 0, "compaction ran on the original node");
                assertTrue(main.gc().cutoff().isAfter(commits.getFirst()), "GC advanced the cutoff");
                mainLsns = pick(commits, main.gcCutoff());
                childLsns = pick(childCommits, Lsn.INVALID);
                childLsns.add(commits.get(60));
                mainPages = snapshot(main, mainLsns);
                childPages = snapshot(child, childLsns);
            }
            List<String> keys = bucket.keys(bucket.layout().timelinePrefix(TENANT, MAIN));
            assertTrue(keys.contains(bucket.layout().indexKey(TENANT, MAIN, Generation.of(1))), keys.toString());

            try (LocalEngine second = open(root.resolve("node-b"), bucket.resources(), Failpoints.disabled())) {
                second.applyLocation(TENANT, new LocationConfig(TenantMode.ATTACHED_SINGLE, Generation.of(2), false));
                Timeline main = second.timeline(TENANT, MAIN);
                Timeline child = second.timeline(TENANT, CHILD);
                assertEquals(0, main.residence().resident(), "an empty disk holds no layer before the first read");
                assertTrue(main.residence().layers() > 0);
                assertSamePages(mainPages, snapshot(main, mainLsns));
                assertSamePages(childPages, snapshot(child, childLsns));
                assertTrue(main.residence().resident() > 0, "reads downloaded layers on demand");
                for (LayerFileName layer : main.layerFileNames()) {
                    assertEquals(Generation.of(1), layer.generation(), "layers keep the generation that wrote them");
                }
                // The attachment claimed its generation: an index under generation 2 is in the bucket.
                assertTrue(bucket.keys(bucket.layout().timelinePrefix(TENANT, MAIN))
                        .contains(bucket.layout().indexKey(TENANT, MAIN, Generation.of(2))));
                assertEquals(main.diskConsistentLsn(), main.remote().visibleRemoteConsistentLsn());
            }
        }
    }

    @Test
    void aRestartReplaysTheWalPastTheLastUploadedIndex(Random random) throws IOException {
        Failpoints failpoints = Failpoints.create();
        Path workdir = root.resolve("node");
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            Map<String, byte[]> expected;
            List<Lsn> lsns;
            Lsn uploaded;
            Lsn last;
            LocalEngine engine = open(workdir, bucket.resources(Duration.ofSeconds(2)), failpoints);
            try {
                engine.createTenant(TENANT, Generation.of(1));
                Timeline main = engine.createTimeline(TENANT, MAIN);
                List<Lsn> commits = write(main, random, 30);
                main.checkpoint();
                main.remote().waitCompletion(Duration.ofSeconds(10));
                uploaded = main.remote().projectedRemoteConsistentLsn();
                failpoints.configure(RemoteTimelineClient.FAILPOINT_BEFORE_INDEX_UPLOAD, "return");
                commits.addAll(write(main, random, 40));
                main.checkpoint();
                assertEquals(uploaded, main.remote().projectedRemoteConsistentLsn(), "no index upload got through");
                assertTrue(main.diskConsistentLsn().isAfter(uploaded));
                Map<String, Double> blocked = scrape(engine);
                assertTrue(blocked.get("strata_upload_queue_operations{state=\"queued\"}")
                        + blocked.get("strata_upload_queue_operations{state=\"in_flight\"}") >= 1,
                        "the index upload that cannot get through is in the queue: " + blocked);
                lsns = pick(commits, Lsn.INVALID);
                expected = snapshot(main, lsns);
                last = main.lastRecordLsn();
            } finally {
                engine.close(false);
            }
            failpoints.clear();
            try (LocalEngine reopened = open(workdir, bucket.resources(), failpoints)) {
                Timeline main = reopened.timeline(TENANT, MAIN);
                assertEquals(last, main.lastRecordLsn(), "the WAL past the remote index was replayed");
                assertSamePages(expected, snapshot(main, lsns));
                main.checkpoint();
                main.remote().waitCompletion(Duration.ofSeconds(10));
                assertEquals(main.diskConsistentLsn(), main.remote().projectedRemoteConsistentLsn());
                Map<String, Double> drained = scrape(reopened);
                assertEquals(0.0, drained.get("strata_upload_queue_operations{state=\"queued\"}"), drained.toString());
                assertEquals(0.0, drained.get("strata_upload_queue_operations{state=\"in_flight\"}"), drained.toString());
                assertEquals(0.0, drained.get("strata_upload_queue_bytes"), drained.toString());
            }
        }
    }

    private static Map<String, Double> scrape(LocalEngine engine) throws IOException {
        java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
        engine.metrics().writePrometheusText(text);
        return PrometheusSamples.parse(text.toString(java.nio.charset.StandardCharsets.UTF_8));
    }

    @RepeatedTest(3)
    void uploadsSurviveFailpointsAndTransientErrorsWithNothingLost(Random random) throws IOException {
        Failpoints failpoints = Failpoints.create();
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            Map<String, byte[]> expected;
            List<Lsn> lsns;
            try (LocalEngine engine = open(root.resolve("node-a"), bucket.resources(), failpoints)) {
                engine.createTenant(TENANT, Generation.of(1));
                Timeline main = engine.createTimeline(TENANT, MAIN);
                failpoints.configure(RemoteTimelineClient.FAILPOINT_BEFORE_LAYER_UPLOAD, "3*return");
                failpoints.configure(RemoteTimelineClient.FAILPOINT_BEFORE_INDEX_UPLOAD, "50%return");
                failpoints.configure(RemoteTimelineClient.FAILPOINT_BEFORE_DELETE, "2*return");
                bucket.faults().setFaults(FaultInjectingRemoteStorage.Faults.NONE.withTransientRate(0.2).withTimeoutRate(0.05));
                List<Lsn> commits = write(main, random, 80);
                main.checkpoint();
                main.compact();
                commits.addAll(write(main, random, 30));
                main.checkpoint();
                main.gc();
                lsns = pick(commits, main.gcCutoff());
                expected = snapshot(main, lsns);
                failpoints.clear();
                main.remote().waitCompletion(Duration.ofSeconds(30));
            }
            bucket.faults().setFaults(FaultInjectingRemoteStorage.Faults.NONE);
            try (LocalEngine second = open(root.resolve("node-b"), bucket.resources(), Failpoints.disabled())) {
                second.applyLocation(TENANT, new LocationConfig(TenantMode.ATTACHED_SINGLE, Generation.of(2), false));
                assertSamePages(expected, snapshot(second.timeline(TENANT, MAIN), lsns));
            }
            // Every layer object in the bucket is listed by the latest index: deletions followed the index.
            try (LocalEngine third = open(root.resolve("node-c"), bucket.resources(), Failpoints.disabled())) {
                third.applyLocation(TENANT, new LocationConfig(TenantMode.ATTACHED_SINGLE, Generation.of(3), false));
                Timeline main = third.timeline(TENANT, MAIN);
                List<String> layerObjects = bucket.keys(bucket.layout().timelinePrefix(TENANT, MAIN)).stream()
                        .filter(key -> RemoteLayout.indexGeneration(key).isEmpty())
                        .filter(key -> !key.startsWith(bucket.layout().walPrefix(TENANT, MAIN))).sorted().toList();
                List<String> listed = main.layerFileNames().stream()
                        .map(name -> bucket.layout().layerKey(TENANT, MAIN, name)).sorted().toList();
                assertEquals(listed, layerObjects);
            }
        }
    }

    @Test
    void aTimelineWhoseFirstIndexCannotBeUploadedIsNotCreated(Random random) throws IOException {
        Failpoints failpoints = Failpoints.create();
        Path workdir = root.resolve("node");
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            try (LocalEngine engine = open(workdir, bucket.resources(Duration.ofMillis(500)), failpoints)) {
                engine.createTenant(TENANT, Generation.of(1));
                failpoints.configure(RemoteTimelineClient.FAILPOINT_BEFORE_INDEX_UPLOAD, "return");
                EngineException.Unavailable refused = assertThrows(EngineException.Unavailable.class,
                        () -> engine.createTimeline(TENANT, MAIN));
                assertTrue(refused.getMessage().contains("first index"), refused.getMessage());
                assertThrows(EngineException.NotFound.class, () -> engine.timeline(TENANT, MAIN));
                assertFalse(Files.exists(workdir.resolve("tenants").resolve(TENANT.hex()).resolve("timelines").resolve(MAIN.hex())));
                failpoints.clear();
                engine.createTimeline(TENANT, MAIN);
            }
            try (LocalEngine reopened = open(workdir, bucket.resources(), Failpoints.disabled())) {
                assertEquals(List.of(MAIN), reopened.timelines(TENANT).stream().map(Timeline::timelineId).toList());
            }
        }
    }

    @Test
    void aLocalTimelineThatNeverReachedTheBucketIsRemovedAtLoad(Random random) throws IOException {
        Path workdir = root.resolve("node");
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            try (LocalEngine engine = open(workdir, bucket.resources(), Failpoints.disabled())) {
                engine.createTenant(TENANT, Generation.of(1));
                write(engine.createTimeline(TENANT, MAIN), random, 5);
            }
            // As if the node crashed between creating the directory and uploading the first index.
            for (String key : bucket.keys(bucket.layout().timelinePrefix(TENANT, MAIN))) {
                bucket.faults().delete(key, dev.strata.api.remote.CallContext.NONE);
            }
            try (LocalEngine reopened = open(workdir, bucket.resources(), Failpoints.disabled())) {
                assertTrue(reopened.timelines(TENANT).isEmpty());
                assertFalse(Files.exists(workdir.resolve("tenants").resolve(TENANT.hex()).resolve("timelines").resolve(MAIN.hex())));
            }
        }
    }

    @Test
    void deletingATimelineLeavesNothingInTheBucketAndAnInterruptedDeletionIsFinishedByTheNextAttach(Random random)
            throws IOException {
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            try (LocalEngine engine = open(root.resolve("node-a"), bucket.resources(), Failpoints.disabled())) {
                engine.createTenant(TENANT, Generation.of(1));
                Timeline main = engine.createTimeline(TENANT, MAIN);
                write(main, random, 20);
                Timeline child = engine.branch(TENANT, CHILD, MAIN, main.lastRecordLsn());
                write(child, random, 20);
                child.checkpoint();
                main.checkpoint();
                child.remote().waitCompletion(Duration.ofSeconds(10));
                main.remote().waitCompletion(Duration.ofSeconds(10));
                assertFalse(bucket.keys(bucket.layout().timelinePrefix(TENANT, CHILD)).isEmpty());
                // The tombstone is written, then the deletion of the objects fails.
                bucket.faults().setFaults(FaultInjectingRemoteStorage.Faults.NONE
                        .withFailFirst(FaultInjectingRemoteStorage.Operation.DELETE_BATCH, 100));
                assertThrows(IOException.class, () -> engine.deleteTimeline(TENANT, CHILD));
                bucket.faults().setFaults(FaultInjectingRemoteStorage.Faults.NONE);
            }
            assertFalse(bucket.keys(bucket.layout().timelinePrefix(TENANT, CHILD)).isEmpty(), "the failed deletion left objects");
            try (LocalEngine second = open(root.resolve("node-b"), bucket.resources(), Failpoints.disabled())) {
                second.applyLocation(TENANT, new LocationConfig(TenantMode.ATTACHED_SINGLE, Generation.of(2), false));
                assertEquals(List.of(MAIN), second.timelines(TENANT).stream().map(Timeline::timelineId).toList(),
                        "a tombstoned timeline is not loaded");
                assertTrue(bucket.keys(bucket.layout().timelinePrefix(TENANT, CHILD)).isEmpty(), "the attach finished the deletion");
                second.deleteTimeline(TENANT, MAIN);
                assertTrue(bucket.keys(bucket.layout().timelinePrefix(TENANT, MAIN)).isEmpty(), "main is gone entirely");
                second.createTimeline(TENANT, CHILD);
                second.deleteTenant(TENANT);
                assertTrue(bucket.keys(bucket.layout().tenantPrefix(TENANT)).isEmpty());
            }
        }
    }

    @Test
    void evictedLayersAreDownloadedAgainAndAFailedDownloadLeavesNoTempFile(Random random) throws IOException {
        Failpoints failpoints = Failpoints.create();
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong());
             LocalEngine engine = open(root.resolve("node"), bucket.resources(), failpoints)) {
            engine.createTenant(TENANT, Generation.of(1));
            Timeline main = engine.createTimeline(TENANT, MAIN);
            List<Lsn> commits = write(main, random, 60);
            main.checkpoint();
            List<Lsn> lsns = pick(commits, Lsn.INVALID);
            Map<String, byte[]> expected = snapshot(main, lsns);
            main.compact();
            assertFalse(main.compactionDue());
            main.remote().waitCompletion(Duration.ofSeconds(10));
            int evicted = 0;
            for (EvictableLayerView layer : EvictableLayerView.of(main)) {
                if (main.evict(layer.name())) {
                    evicted++;
                }
            }
            assertEquals(main.residence().layers(), evicted, "every uploaded, idle layer can be evicted");
            assertEquals(0, main.residence().resident());
            try (Stream<Path> files = Files.list(main.directory())) {
                assertTrue(files.noneMatch(path -> path.getFileName().toString().contains("__")), "no layer file is left");
            }
            failpoints.configure(RemoteTimelineClient.FAILPOINT_DURING_DOWNLOAD, "1*return");
            assertThrows(IOException.class, () -> main.get(key(0), main.lastRecordLsn()));
            try (Stream<Path> files = Files.list(main.directory())) {
                assertTrue(files.noneMatch(path -> path.getFileName().toString().endsWith(".temp_download")),
                        "a failed download leaves no temp file");
            }
            assertSamePages(expected, snapshot(main, lsns));
            assertEquals(main.residence().layers(), main.residence().resident());
        }
    }

    @Test
    void aFailedAttachLeavesNothingAndAnInterruptedOneIsFinishedAtTheNextStart(Random random) throws IOException {
        Failpoints failpoints = Failpoints.create();
        Path workdir = root.resolve("node-b");
        Path tenantDirectory = workdir.resolve("tenants").resolve(TENANT.hex());
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            Map<String, byte[]> mainPages;
            Map<String, byte[]> childPages;
            List<Lsn> lsns;
            List<Lsn> childLsns;
            try (LocalEngine first = open(root.resolve("node-a"), bucket.resources(), Failpoints.disabled())) {
                first.createTenant(TENANT, Generation.of(1));
                Timeline main = first.createTimeline(TENANT, MAIN);
                List<Lsn> commits = write(main, random, 60);
                Timeline child = first.branch(TENANT, CHILD, MAIN, commits.getLast());
                childLsns = pick(write(child, random, 20), Lsn.INVALID);
                lsns = pick(commits, Lsn.INVALID);
                mainPages = snapshot(main, lsns);
                childPages = snapshot(child, childLsns);
            }
            LocationConfig attach = new LocationConfig(TenantMode.ATTACHED_SINGLE, Generation.of(2), false);
            LocalEngine second = open(workdir, bucket.resources(), failpoints);
            try {
                for (String point : List.of("attach-before-index-download", "attach-before-timeline-load")) {
                    failpoints.configure(point, "return");
                    assertThrows(IOException.class, () -> second.applyLocation(TENANT, attach), point);
                    assertFalse(second.tenants().contains(TENANT), "a failed attach leaves no tenant (" + point + ")");
                    assertFalse(Files.exists(tenantDirectory), "a failed attach leaves no directory (" + point + ")");
                    failpoints.clear();
                }
                second.applyLocation(TENANT, attach);
                assertSamePages(childPages, snapshot(second.timeline(TENANT, CHILD), childLsns));
            } finally {
                second.close(false);
            }
            // A crash part-way through: one timeline directory is missing, a layer is cut short, a download was
            // in progress. The next start finishes the attach from the bucket.
            Path mainDirectory = tenantDirectory.resolve("timelines").resolve(MAIN.hex());
            dev.strata.core.io.DurableFiles.deleteRecursively(tenantDirectory.resolve("timelines").resolve(CHILD.hex()));
            try (Stream<Path> files = Files.list(mainDirectory)) {
                Path layer = files.filter(path -> path.getFileName().toString().contains("__")).findFirst().orElseThrow();
                Files.write(layer, new byte[] {1, 2, 3});
                Files.write(mainDirectory.resolve(layer.getFileName() + ".1f.temp_download"), new byte[] {4});
            }
            try (LocalEngine restarted = open(workdir, bucket.resources(), Failpoints.disabled())) {
                assertSamePages(mainPages, snapshot(restarted.timeline(TENANT, MAIN), lsns));
                assertSamePages(childPages, snapshot(restarted.timeline(TENANT, CHILD), childLsns));
                try (Stream<Path> files = Files.list(mainDirectory)) {
                    assertTrue(files.noneMatch(path -> path.getFileName().toString().endsWith(".temp_download")));
                }
                // Detaching hands the tenant back to the bucket: nothing local remains, and it attaches again.
                restarted.applyLocation(TENANT, new LocationConfig(TenantMode.DETACHED, Generation.NONE, false));
                assertFalse(restarted.tenants().contains(TENANT));
                assertFalse(Files.exists(tenantDirectory));
                restarted.applyLocation(TENANT, new LocationConfig(TenantMode.ATTACHED_SINGLE, Generation.of(3), false));
                assertSamePages(mainPages, snapshot(restarted.timeline(TENANT, MAIN), lsns));
            }
        }
    }

    @Test
    void layersPastTheIndexDiskConsistentLsnAreDeletedLocallyAndRemotelyAtAttach(Random random) throws Exception {
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            Map<String, byte[]> expected;
            List<Lsn> lsns;
            LayerFileName future;
            Lsn cut;
            try (LocalEngine first = open(root.resolve("node-a"), bucket.resources(), Failpoints.disabled())) {
                first.createTenant(TENANT, Generation.of(1));
                Timeline main = first.createTimeline(TENANT, MAIN);
                List<Lsn> commits = write(main, random, 40);
                main.checkpoint();
                commits.addAll(write(main, random, 40));
                main.checkpoint();
                List<LayerFileName> layers = main.layerFileNames();
                future = layers.stream().max(java.util.Comparator.comparing(layer -> layer.name().lsnEnd())).orElseThrow();
                cut = future.name().lsnStart().plus(-1);
                Lsn cutAt = cut;
                lsns = pick(commits.stream().filter(lsn -> !lsn.isAfter(cutAt)).toList(), Lsn.INVALID);
                expected = snapshot(main, lsns);
            }
            // An index that lists a layer past its disk-consistent LSN, as a writer that crashed between the two
            // could leave: the layer's records are not vouched for.
            String key = bucket.layout().indexKey(TENANT, MAIN, Generation.of(1));
            IndexPart index = IndexPart.parse(bucket.read(key));
            byte[] rewritten = index.withLayers(index.layers(), cut).toJson();
            bucket.faults().put(key, new java.io.ByteArrayInputStream(rewritten), rewritten.length,
                    dev.strata.api.remote.PutOptions.DEFAULT, dev.strata.api.remote.CallContext.NONE);
            try (LocalEngine second = open(root.resolve("node-b"), bucket.resources(), Failpoints.disabled())) {
                second.applyLocation(TENANT, new LocationConfig(TenantMode.ATTACHED_SINGLE, Generation.of(2), false));
                Timeline main = second.timeline(TENANT, MAIN);
                assertFalse(main.layerFileNames().contains(future), "the future layer left the index");
                assertFalse(bucket.keys(bucket.layout().timelinePrefix(TENANT, MAIN))
                        .contains(bucket.layout().layerKey(TENANT, MAIN, future)), "and the bucket");
                // The layers end at the cut; the backed-up WAL may bring the records past it back by replay.
                assertFalse(main.lastRecordLsn().isBefore(cut), main.lastRecordLsn() + " is before " + cut);
                assertSamePages(expected, snapshot(main, lsns));
            }
        }
    }

    @Test
    void concurrentReadersOfAnEvictedLayerShareOneDownloadAndDiskPressureEvicts(Random random) throws Exception {
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            EngineOptions options = EngineOptions.DEFAULT.withTimelineSettings(SETTINGS).withRemote(bucket.resources())
                    .withBackgroundCompaction(false)
                    // Every file system is "too full" at 1%: each pass evicts whatever it may.
                    .withEviction(new EvictionPolicy(Duration.ofMillis(100), Duration.ZERO, 1, 0, Duration.ZERO));
            try (LocalEngine engine = LocalEngine.open(root.resolve("node"), options)) {
                engine.createTenant(TENANT, Generation.of(1));
                Timeline main = engine.createTimeline(TENANT, MAIN);
                write(main, random, 60);
                main.checkpoint();
                main.compact();
                Lsn last = main.lastRecordLsn();
                byte[] expected = main.get(key(3), last);
                main.remote().waitCompletion(Duration.ofSeconds(10));
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (main.residence().resident() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertEquals(0, main.residence().resident(), "disk pressure evicted every uploaded layer");
                int getsBefore = bucket.faults().attempts(FaultInjectingRemoteStorage.Operation.GET);
                java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
                List<java.util.concurrent.Future<byte[]>> reads = new ArrayList<>();
                try (java.util.concurrent.ExecutorService readers = java.util.concurrent.Executors.newFixedThreadPool(8)) {
                    for (int i = 0; i < 8; i++) {
                        reads.add(readers.submit(() -> {
                            start.await();
                            return main.get(key(3), last);
                        }));
                    }
                    start.countDown();
                    for (java.util.concurrent.Future<byte[]> read : reads) {
                        assertArrayEquals(expected, read.get());
                    }
                }
                int downloads = bucket.faults().attempts(FaultInjectingRemoteStorage.Operation.GET) - getsBefore;
                assertTrue(downloads <= main.residence().layers(),
                        downloads + " downloads for " + main.residence().layers() + " layers: readers shared them");
            }
        }
    }

    @Test
    void aShutdownWithTheBucketDownWaitsOneDeadlineForTheWholeNode(Random random) throws IOException {
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            LocalEngine engine = open(root.resolve("node"), bucket.resources(Duration.ofSeconds(3)), Failpoints.disabled());
            engine.createTenant(TENANT, Generation.of(1));
            Timeline main = engine.createTimeline(TENANT, MAIN);
            write(main, random, 5);
            for (int i = 0; i < 4; i++) {
                write(engine.branch(TENANT, TimelineId.random(), MAIN, main.lastRecordLsn()), random, 5);
            }
            // Every upload fails from now on: each of the 5 timelines has uploads that cannot drain.
            bucket.faults().setFaults(FaultInjectingRemoteStorage.Faults.NONE
                    .withFailFirst(FaultInjectingRemoteStorage.Operation.PUT, 1_000_000));
            long started = System.nanoTime();
            engine.close();
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            // One tenant's timelines close one after another; with a deadline each, this would take 5 x 3 s.
            assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "the shutdown took " + took);
        }
    }

    @Test
    void readsRacingEvictionAlwaysSeeTheirPages(Random random) throws Exception {
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong());
             LocalEngine engine = open(root.resolve("node"), bucket.resources(), Failpoints.disabled())) {
            engine.createTenant(TENANT, Generation.of(1));
            Timeline main = engine.createTimeline(TENANT, MAIN);
            List<Lsn> commits = write(main, random, 60);
            main.checkpoint();
            main.compact();
            main.remote().waitCompletion(Duration.ofSeconds(10));
            List<Lsn> lsns = pick(commits, Lsn.INVALID);
            Map<String, byte[]> expected = snapshot(main, lsns);
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicInteger evictions = new java.util.concurrent.atomic.AtomicInteger();
            try (java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(4)) {
                java.util.concurrent.Future<?> evictor = threads.submit(() -> {
                    while (!stop.get()) {
                        for (EvictableLayerView layer : EvictableLayerView.of(main)) {
                            if (main.evict(layer.name())) {
                                evictions.incrementAndGet();
                            }
                        }
                        Thread.sleep(2);
                    }
                    return null;
                });
                List<java.util.concurrent.Future<?>> readers = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    readers.add(threads.submit(() -> {
                        for (int round = 0; round < 2; round++) {
                            assertSamePages(expected, snapshot(main, lsns));
                        }
                        return null;
                    }));
                }
                for (java.util.concurrent.Future<?> reader : readers) {
                    reader.get();
                }
                stop.set(true);
                evictor.get();
            }
            assertTrue(evictions.get() > 0, "layers were evicted while the readers ran");
        }
    }

    /** The evictable layers of a timeline, ignoring the minimum residence. */
    private record EvictableLayerView(LayerFileName name) {
        static List<EvictableLayerView> of(Timeline timeline) {
            return timeline.evictableLayers(System.nanoTime(), 0).stream()
                    .map(layer -> new EvictableLayerView(layer.fileName())).toList();
        }
    }
}

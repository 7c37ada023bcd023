package dev.strata.core.walbackup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Generation;
import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.controlplane.TenantMode;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.io.DurableFiles;
import dev.strata.core.page.PageWrite;
import dev.strata.core.tenant.EngineOptions;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.tenant.LocationConfig;
import dev.strata.core.testing.LocalBucket;
import dev.strata.core.testing.RandomSeed;
import dev.strata.core.tiered.RemoteResources;
import dev.strata.core.timeline.Timeline;
import dev.strata.core.timeline.TimelineSettings;
import dev.strata.core.wal.WalOptions;
import dev.strata.core.walbackup.WalBackupState.Status;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * WAL backup through the engine on a localfs bucket: a node whose disk is lost is recovered on another node
 * from the backed-up WAL; crashes between the steps of an upload leave nothing untracked in the bucket.
 */
final class WalBackupEngineTest {
    @RegisterExtension
    static final RandomSeed SEED = new RandomSeed();
    private static final TenantId TENANT = TenantId.parse("0123456789abcdef0123456789abcdef");
    private static final TimelineId MAIN = TimelineId.parse("11111111111111111111111111111111");
    private static final int KEYS = 32;
    /** Small segments, so a run closes several and backs them up whole; no flush, so only the WAL holds writes. */
    private static final TimelineSettings SETTINGS = TimelineSettings.DEFAULT
            .withCheckpointDistance(64L << 20)
            .withWal(TimelineSettings.DEFAULT.wal().withSegmentBytes(WalOptions.MIN_SEGMENT_BYTES));
    private static final WalBackupOptions BACKUP = WalBackupOptions.DEFAULT.withPartialInterval(Duration.ofMillis(50))
            .withNodeId(1);

    @TempDir
    Path root;

    private static LocalEngine open(Path workdir, RemoteResources remote, Failpoints failpoints, long nodeId)
            throws IOException {
        return LocalEngine.open(workdir, EngineOptions.DEFAULT.withTimelineSettings(SETTINGS).withRemote(remote)
                .withBackgroundCompaction(false).withFailpoints(failpoints).withWalBackup(BACKUP.withNodeId(nodeId)));
    }

    private static Key key(int n) {
        return Key.ofRelationPage(1663, 5, 16384, 0, n);
    }

    /** One acknowledged batch and the page images it wrote. */
    private record Written(Lsn commit, Map<Integer, byte[]> pages) {}

    private static List<Written> write(Timeline timeline, Random random, int batches) throws IOException {
        List<Written> written = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            List<PageWrite> batch = new ArrayList<>();
            Map<Integer, byte[]> pages = new HashMap<>();
            for (int i = 0; i < 4; i++) {
                int n = random.nextInt(KEYS);
                byte[] page = new byte[512];
                random.nextBytes(page);
                batch.add(new PageWrite(key(n), new PageRecord.Image(page)));
                pages.put(n, page);
            }
            written.add(new Written(timeline.ingest(batch), pages));
        }
        return written;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(10);
        }
    }

    private static Lsn backedUp(Timeline timeline) {
        return timeline.walBackupLsn().orElseThrow();
    }

    private static WalBackupState state(Timeline timeline) {
        try {
            return WalBackupState.read(timeline.directory());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The WAL objects in the bucket, by name under the timeline's {@code wal/} prefix. */
    private static Set<String> walObjects(LocalBucket bucket) throws IOException {
        String prefix = bucket.layout().walPrefix(TENANT, MAIN);
        Set<String> names = new TreeSet<>();
        for (String key : bucket.keys(prefix)) {
            names.add(key.substring(prefix.length()));
        }
        return names;
    }

    private static Set<String> tracked(WalBackupState state) {
        Set<String> names = new TreeSet<>();
        state.entries().forEach(entry -> names.add(entry.object().objectName()));
        return names;
    }

    private static long partials(Set<String> names) {
        return names.stream().filter(name -> name.endsWith(WalObjectName.PARTIAL_SUFFIX)).count();
    }

    @Test
    void aLostDiskIsRecoveredUpToTheBackedUpLsnOnANewNode(Random random) throws Exception {
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            Path first = root.resolve("node-a");
            List<Written> written = new ArrayList<>();
            Lsn backedUp;
            LocalEngine engine = open(first, bucket.resources(), Failpoints.disabled(), 1);
            Timeline main;
            try {
                engine.createTenant(TENANT, Generation.of(1));
                main = engine.createTimeline(TENANT, MAIN);
                written.addAll(write(main, random, 300));
                Lsn target = written.getLast().commit();
                Timeline watched = main;
                await("the WAL is backed up to " + target, () -> !backedUp(watched).isBefore(target));
                // More acknowledged writes, some of which the backup may not reach before the disk is lost.
                written.addAll(write(main, random, 40));
            } finally {
                engine.close(false);
            }
            backedUp = backedUp(main);
            Set<String> objects = walObjects(bucket);
            assertTrue(objects.stream().anyMatch(name -> !name.endsWith(WalObjectName.PARTIAL_SUFFIX)),
                    "closed segments were uploaded whole: " + objects);
            assertTrue(partials(objects) <= 1, "at most one partial remains: " + objects);
            DurableFiles.deleteRecursively(first);

            try (LocalEngine second = open(root.resolve("node-b"), bucket.resources(), Failpoints.disabled(), 2)) {
                second.applyLocation(TENANT, new LocationConfig(TenantMode.ATTACHED_SINGLE, Generation.of(2), false));
                Timeline recovered = second.timeline(TENANT, MAIN);
                assertFalse(recovered.lastRecordLsn().isBefore(backedUp),
                        "recovered up to " + recovered.lastRecordLsn() + ", the backup reached " + backedUp);
                Map<Integer, byte[]> expected = new HashMap<>();
                int beyond = 0;
                for (Written batch : written) {
                    if (batch.commit().isAfter(backedUp)) {
                        beyond++;
                        continue;
                    }
                    expected.putAll(batch.pages());
                    for (Map.Entry<Integer, byte[]> page : expected.entrySet()) {
                        assertArrayEquals(page.getValue(), recovered.get(key(page.getKey()), batch.commit()),
                                "key " + page.getKey() + " at " + batch.commit());
                    }
                }
                System.out.printf("lost disk: %d of %d acknowledged batches were beyond the backed-up LSN %s%n",
                        beyond, written.size(), backedUp);

                // The new node writes on from the recovered end and backs up under its own generation.
                List<Written> more = write(recovered, random, 20);
                Lsn end = more.getLast().commit();
                await("the new node backs up to " + end, () -> !backedUp(recovered).isBefore(end));
                await("the old generation's partial is deleted", () -> {
                    try {
                        Set<String> names = walObjects(bucket);
                        return partials(names) == 1 && names.stream().anyMatch(name -> name.contains("_00000002_"));
                    } catch (IOException e) {
                        return false;
                    }
                });
                // The deletion step runs before the state drops what it deleted: wait for the two to agree.
                await("every WAL object in the bucket is tracked, and only those", () -> {
                    try {
                        return tracked(state(recovered)).equals(walObjects(bucket));
                    } catch (IOException e) {
                        return false;
                    }
                });
            }
        }
    }

    @Test
    void aGapInTheBucketStopsTheRestoreThereAndTheNewHistoryIsBackedUpWithoutConflicts(Random random) throws Exception {
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            List<Written> written = new ArrayList<>();
            Timeline main;
            LocalEngine engine = open(root.resolve("node-a"), bucket.resources(), Failpoints.disabled(), 1);
            try {
                engine.createTenant(TENANT, Generation.of(1));
                main = engine.createTimeline(TENANT, MAIN);
                written.addAll(write(main, random, 300));
                Lsn target = written.getLast().commit();
                Timeline watched = main;
                await("the WAL is backed up to " + target, () -> !backedUp(watched).isBefore(target));
            } finally {
                engine.close(false);
            }
            DurableFiles.deleteRecursively(root.resolve("node-a"));
            // A middle segment is lost from the bucket.
            List<String> fulls = walObjects(bucket).stream().filter(name -> !name.endsWith(WalObjectName.PARTIAL_SUFFIX))
                    .toList();
            assertTrue(fulls.size() >= 4, "the test needs several full segments: " + fulls);
            String missing = fulls.get(fulls.size() / 2);
            String prefix = bucket.layout().walPrefix(TENANT, MAIN);
            bucket.storage().delete(prefix + missing, dev.strata.api.remote.CallContext.NONE);
            Lsn gap = dev.strata.core.wal.Wal.parseSegmentFileName(missing);

            try (LocalEngine second = open(root.resolve("node-b"), bucket.resources(), Failpoints.disabled(), 2)) {
                second.applyLocation(TENANT, new LocationConfig(TenantMode.ATTACHED_SINGLE, Generation.of(2), false));
                Timeline recovered = second.timeline(TENANT, MAIN);
                assertEquals(gap, recovered.lastRecordLsn(), "the restore stops at the missing segment");
                Map<Integer, byte[]> expected = new HashMap<>();
                for (Written batch : written) {
                    if (batch.commit().isAfter(gap)) {
                        break;
                    }
                    expected.putAll(batch.pages());
                }
                for (Map.Entry<Integer, byte[]> page : expected.entrySet()) {
                    assertArrayEquals(page.getValue(), recovered.get(key(page.getKey()), gap), "key " + page.getKey());
                }
                // The new history reuses the names past the gap: the old objects there go, ours come, no conflict.
                List<Written> more = write(recovered, random, 300);
                Lsn end = more.getLast().commit();
                await("the new node backs up to " + end, () -> !backedUp(recovered).isBefore(end));
                WalBackup backup = recovered.walBackup().orElseThrow();
                assertEquals(0, backup.conflicts(), backup.conflict().orElse(""));
                await("every WAL object in the bucket is tracked, and only those", () -> {
                    try {
                        return tracked(state(recovered)).equals(walObjects(bucket));
                    } catch (IOException e) {
                        return false;
                    }
                });
                for (String name : walObjects(bucket)) {
                    if (!name.endsWith(WalObjectName.PARTIAL_SUFFIX)
                            && !dev.strata.core.wal.Wal.parseSegmentFileName(name).isBefore(gap)) {
                        Path local = recovered.directory().resolve("wal").resolve(name);
                        assertArrayEquals(java.nio.file.Files.readAllBytes(local), bucket.read(prefix + name),
                                name + " in the bucket is the new history's");
                    }
                }
            }
        }
    }

    @Test
    void aCrashBetweenIntentAndUploadLeavesNothingUntracked(Random random) throws Exception {
        crashAt(WalBackup.FAILPOINT_AFTER_INTENT, Status.IN_PROGRESS, random);
    }

    @Test
    void aCrashBetweenUploadAndDeletionOfOldPartialsLeavesNothingUntracked(Random random) throws Exception {
        crashAt(WalBackup.FAILPOINT_BEFORE_DELETE, Status.DELETING, random);
    }

    private void crashAt(String failpoint, Status left, Random random) throws Exception {
        Failpoints failpoints = Failpoints.create();
        Path workdir = root.resolve("node");
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            LocalEngine engine = open(workdir, bucket.resources(), failpoints, 1);
            try {
                engine.createTenant(TENANT, Generation.of(1));
                Timeline main = engine.createTimeline(TENANT, MAIN);
                Lsn first = write(main, random, 5).getLast().commit();
                await("a first partial is uploaded", () -> !backedUp(main).isBefore(first));
                failpoints.configure(failpoint, "return");
                write(main, random, 5);
                await("a backup run stops at " + failpoint, () -> !state(main).objects(left).isEmpty());
            } finally {
                engine.close(false);
            }
            failpoints.clear();
            try (LocalEngine reopened = open(workdir, bucket.resources(), failpoints, 1)) {
                Timeline main = reopened.timeline(TENANT, MAIN);
                Lsn end = main.lastRecordLsn();
                await("the restarted node backs up to " + end + " and deletes what it superseded", () -> {
                    WalBackupState state = state(main);
                    return !backedUp(main).isBefore(end) && state.objects(Status.DELETING).isEmpty()
                            && state.objects(Status.IN_PROGRESS).isEmpty();
                });
                WalBackupState state = state(main);
                Set<String> objects = walObjects(bucket);
                assertEquals(tracked(state), objects, "every WAL object in the bucket is tracked, and only those");
                assertEquals(1, partials(objects), "exactly one partial: " + objects);
                assertEquals(1, state.objects(Status.UPLOADED).stream()
                        .filter(object -> object instanceof WalObjectName.Partial).count());
            }
        }
    }
}

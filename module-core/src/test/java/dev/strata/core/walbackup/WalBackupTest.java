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
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.PutOptions;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.io.FileIo;
import dev.strata.core.page.PageEntry;
import dev.strata.core.page.PageWrite;
import dev.strata.core.remote.ContentSource;
import dev.strata.core.testing.LocalBucket;
import dev.strata.core.testing.RandomSeed;
import dev.strata.core.tiered.RemoteResources;
import dev.strata.core.wal.Wal;
import dev.strata.core.wal.WalOptions;
import dev.strata.core.wal.WalSegmentSpan;
import dev.strata.core.walbackup.WalBackupState.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** One timeline's WAL backup and its restore, driven directly on a WAL and a localfs bucket. */
final class WalBackupTest {
    @RegisterExtension
    static final RandomSeed SEED = new RandomSeed();
    private static final TenantId TENANT = TenantId.parse("0123456789abcdef0123456789abcdef");
    private static final TimelineId TIMELINE = TimelineId.parse("11111111111111111111111111111111");
    private static final Lsn START = Lsn.of(0x0100_0000L);
    private static final WalOptions SMALL_SEGMENTS = WalOptions.DEFAULT.withSegmentBytes(WalOptions.MIN_SEGMENT_BYTES);
    private static final WalBackupOptions OPTIONS = WalBackupOptions.DEFAULT.withNodeId(5)
            .withPartialInterval(Duration.ofMillis(10));

    @TempDir
    Path root;

    private static Wal openWal(Path directory) throws IOException {
        return Wal.open(directory, START, SMALL_SEGMENTS, FileIo.DEFAULT, Failpoints.disabled());
    }

    /** Appends durable batches; returns the end LSN. */
    private static Lsn append(Wal wal, Random random, int batches) throws IOException {
        for (int b = 0; b < batches; b++) {
            byte[] page = new byte[1024];
            random.nextBytes(page);
            wal.append(List.of(new PageWrite(Key.ofRelationPage(1663, 5, 16384, 0, random.nextInt(64)),
                    new PageRecord.Image(page))));
        }
        wal.waitDurable(wal.endLsn());
        return wal.endLsn();
    }

    private static WalBackup open(Path timelineDirectory, Wal wal, RemoteResources remote, Generation generation,
                                  AtomicReference<Lsn> removable, AtomicReference<Generation> current) throws IOException {
        return WalBackup.open(TENANT, TIMELINE, generation, timelineDirectory, wal, remote, Failpoints.disabled(),
                OPTIONS, removable::get, current::get);
    }

    private static List<String> walObjects(LocalBucket bucket) throws IOException {
        String prefix = bucket.layout().walPrefix(TENANT, TIMELINE);
        return bucket.keys(prefix).stream().map(key -> key.substring(prefix.length())).sorted().toList();
    }

    /** Every frame end of a WAL, by replay. */
    private static List<Lsn> frameEnds(Wal wal) throws IOException {
        List<Lsn> ends = new ArrayList<>();
        wal.replay(START, (List<PageEntry> entries, Lsn frameEnd) -> ends.add(frameEnd));
        return ends;
    }

    @Test
    void closedSegmentsGoUpWholeAndOnePartialTracksTheOpenSegment(Random random) throws IOException {
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong());
             Wal wal = openWal(root.resolve("timeline").resolve("wal"))) {
            Path timelineDirectory = root.resolve("timeline");
            AtomicReference<Lsn> removable = new AtomicReference<>(START);
            AtomicReference<Generation> current = new AtomicReference<>(Generation.of(4));
            WalBackup backup = open(timelineDirectory, wal, bucket.resources(), Generation.of(4), removable, current);
            Lsn end = append(wal, random, 200);
            assertTrue(backup.due(System.nanoTime() + Duration.ofSeconds(1).toNanos()));
            assertTrue(backup.runOnce(true));
            assertEquals(end, backup.backedUpLsn());
            assertEquals(0, backup.lagBytes());
            List<WalSegmentSpan> spans = wal.segmentSpans();
            assertTrue(spans.size() > 2, "the test needs several segments: " + spans.size());
            List<String> expected = new ArrayList<>();
            for (WalSegmentSpan span : spans) {
                expected.add(span.closed() ? span.fileName() : new WalObjectName.Partial(span.start(), Generation.of(4),
                        end, end, 5).objectName());
            }
            assertEquals(expected.stream().sorted().toList(), walObjects(bucket));
            assertEquals(walObjects(bucket), WalBackupState.read(timelineDirectory).entries().stream()
                    .map(entry -> entry.object().objectName()).sorted().toList());

            // The remote-consistent LSN passes the first two segments: they leave the bucket.
            removable.set(spans.get(2).start());
            assertTrue(backup.runOnce(false));
            assertFalse(walObjects(bucket).contains(spans.get(0).fileName()));
            assertFalse(walObjects(bucket).contains(spans.get(1).fileName()));
            assertTrue(walObjects(bucket).contains(spans.get(2).fileName()) || !spans.get(2).closed());
        }
    }

    @Test
    void anUploadThatFinishesAfterTheGenerationChangedIsNotRecordedAsOurs(Random random) throws IOException {
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong());
             Wal wal = openWal(root.resolve("timeline").resolve("wal"))) {
            Path timelineDirectory = root.resolve("timeline");
            AtomicReference<Lsn> removable = new AtomicReference<>(START);
            AtomicReference<Generation> current = new AtomicReference<>(Generation.of(4));
            WalBackup backup = open(timelineDirectory, wal, bucket.resources(), Generation.of(4), removable, current);
            Lsn first = append(wal, random, 3);
            backup.runOnce(true);
            assertEquals(first, backup.backedUpLsn());
            current.set(Generation.of(5));
            append(wal, random, 3);
            backup.runOnce(true);
            assertEquals(first, backup.backedUpLsn(), "the second upload is not counted");
            WalBackupState state = WalBackupState.read(timelineDirectory);
            assertEquals(1, state.objects(Status.UPLOADED).size(), state.toString());
            assertEquals(1, state.objects(Status.IN_PROGRESS).size(), "left for the next attachment: " + state);
            assertFalse(backup.due(System.nanoTime() + Duration.ofSeconds(5).toNanos()), "the backup stopped");
        }
    }

    @Test
    void restoreTakesTheNewestUsablePartialAndCutsItsTornTail(Random random) throws IOException {
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            RemoteResources remote = bucket.resources();
            Lsn end;
            List<Lsn> frames;
            WalSegmentSpan open;
            try (Wal wal = openWal(root.resolve("a").resolve("wal"))) {
                WalBackup backup = open(root.resolve("a"), wal, remote, Generation.of(3), new AtomicReference<>(START),
                        new AtomicReference<>(Generation.of(3)));
                end = append(wal, random, 150);
                backup.runOnce(true);
                frames = frameEnds(wal);
                open = wal.segmentSpans().getLast();
            }
            String prefix = bucket.layout().walPrefix(TENANT, TIMELINE);
            byte[] good = bucket.read(prefix + new WalObjectName.Partial(open.start(), Generation.of(3), end, end, 5)
                    .objectName());
            // A partial from a newer generation must never be used; an older one with a higher flush LSN loses to
            // the newest generation; a torn copy in generation 3 with a higher flush LSN wins and is cut.
            put(remote, prefix + new WalObjectName.Partial(open.start(), Generation.of(9), end.plus(50), end.plus(50), 6)
                    .objectName(), new byte[] {1, 2, 3});
            put(remote, prefix + new WalObjectName.Partial(open.start(), Generation.of(2), end.plus(80), end.plus(80), 6)
                    .objectName(), new byte[] {4, 5, 6});
            byte[] torn = Arrays.copyOf(good, good.length + 40);
            Arrays.fill(torn, good.length, torn.length, (byte) 0x5A);
            put(remote, prefix + new WalObjectName.Partial(open.start(), Generation.of(3), end.plus(40), end.plus(40), 7)
                    .objectName(), torn);

            Path restoredDirectory = root.resolve("b").resolve("wal");
            Files.createDirectories(restoredDirectory);
            WalRestore.Restored restored = WalRestore.restore(remote, TENANT, TIMELINE, Generation.of(4), START,
                    restoredDirectory);
            assertEquals(Generation.of(3), restored.partial().orElseThrow().generation());
            assertEquals(end.plus(40), restored.partial().orElseThrow().flushLsn());
            try (Wal recovered = openWal(restoredDirectory)) {
                assertEquals(end, recovered.endLsn(), "the torn tail is cut at the last valid frame");
                assertEquals(frames, frameEnds(recovered));
            }

            // Starting later: only the segments from the one holding that LSN on are fetched.
            Path later = root.resolve("c").resolve("wal");
            Files.createDirectories(later);
            Lsn from = frames.get(frames.size() / 2);
            WalRestore.Restored partly = WalRestore.restore(remote, TENANT, TIMELINE, Generation.of(4), from, later);
            try (Wal recovered = openWal(later)) {
                assertFalse(recovered.segmentSpans().getFirst().start().isAfter(from));
                assertEquals(end, recovered.endLsn());
                assertTrue(partly.fullSegments().size() < restored.fullSegments().size()
                        || restored.fullSegments().isEmpty());
            }

            // A generation older than every partial sees only full segments.
            Path older = root.resolve("d").resolve("wal");
            Files.createDirectories(older);
            WalRestore.Restored fullOnly = WalRestore.restore(remote, TENANT, TIMELINE, Generation.of(1), START, older);
            assertTrue(fullOnly.partial().isEmpty());
            assertEquals(open.start(), fullOnly.end());
        }
    }

    @Test
    void reuploadingAnIdenticalFullSegmentAfterACrashIsHarmless(Random random) throws IOException {
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong());
             Wal wal = openWal(root.resolve("timeline").resolve("wal"))) {
            Path timelineDirectory = root.resolve("timeline");
            AtomicReference<Lsn> removable = new AtomicReference<>(START);
            AtomicReference<Generation> current = new AtomicReference<>(Generation.of(4));
            WalBackup first = open(timelineDirectory, wal, bucket.resources(), Generation.of(4), removable, current);
            Lsn end = append(wal, random, 200);
            assertTrue(first.runOnce(true));
            String prefix = bucket.layout().walPrefix(TENANT, TIMELINE);
            Map<String, byte[]> before = new HashMap<>();
            for (String key : bucket.keys(prefix)) {
                before.put(key, bucket.read(key));
            }
            // A crash after the uploads but before the state recorded them: the next backup starts from nothing.
            Files.delete(timelineDirectory.resolve(WalBackupState.FILE_NAME));
            WalBackup second = open(timelineDirectory, wal, bucket.resources(), Generation.of(4), removable, current);
            assertTrue(second.runOnce(true), "identical objects already in the bucket are taken as uploaded");
            assertEquals(end, second.backedUpLsn());
            assertEquals(0, second.conflicts());
            assertTrue(second.conflict().isEmpty());
            assertEquals(before.keySet(), Set.copyOf(bucket.keys(prefix)));
            for (Map.Entry<String, byte[]> object : before.entrySet()) {
                assertArrayEquals(object.getValue(), bucket.read(object.getKey()), object.getKey());
            }
            // Once compared, a segment is not fetched again.
            long gets = getRequests(bucket);
            append(wal, random, 3);
            assertTrue(second.runOnce(true));
            assertEquals(gets, getRequests(bucket), "no segment was downloaded again");
        }
    }

    @Test
    void aFullSegmentWithOtherBytesUnderItsNameIsReportedAndNeverOverwritten(Random random) throws IOException {
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong());
             Wal wal = openWal(root.resolve("timeline").resolve("wal"))) {
            Path timelineDirectory = root.resolve("timeline");
            AtomicReference<Lsn> removable = new AtomicReference<>(START);
            AtomicReference<Generation> current = new AtomicReference<>(Generation.of(4));
            Lsn end = append(wal, random, 200);
            List<WalSegmentSpan> spans = wal.segmentSpans();
            assertTrue(spans.size() > 3, "the test needs several segments: " + spans.size());
            // Another writer's segments under two of our names: one of the same size with one byte changed, one longer.
            String prefix = bucket.layout().walPrefix(TENANT, TIMELINE);
            WalSegmentSpan sameSize = spans.get(1);
            byte[] changed = Files.readAllBytes(sameSize.path());
            int offset = changed.length - 7;
            changed[offset] ^= 0x40;
            put(bucket.resources(), prefix + sameSize.fileName(), changed);
            WalBackup backup = open(timelineDirectory, wal, bucket.resources(), Generation.of(4), removable, current);
            assertFalse(backup.runOnce(true), "the conflict fails the run");
            assertEquals(1, backup.conflicts());
            String message = backup.conflict().orElseThrow();
            assertTrue(message.contains(prefix + sameSize.fileName()) && message.contains("offset " + offset),
                    "the report names the object and where it differs: " + message);
            assertArrayEquals(changed, bucket.read(prefix + sameSize.fileName()), "never overwritten");
            assertEquals(spans.get(1).start(), backup.backedUpLsn(), "the backup does not pass the conflicting segment");
            assertFalse(bucket.keys(prefix).contains(prefix + spans.get(2).fileName()), "nothing after it went up");
            assertFalse(backup.due(System.nanoTime() + Duration.ofSeconds(5).toNanos()), "it waits before looking again");
            assertFalse(backup.runOnce(true));
            assertEquals(1, backup.conflicts(), "the same object version is reported once");

            // Once the other object is gone, the backup goes on and uploads our bytes.
            bucket.storage().delete(prefix + sameSize.fileName(), CallContext.NONE);
            assertTrue(backup.runOnce(true));
            assertEquals(end, backup.backedUpLsn());
            assertArrayEquals(Files.readAllBytes(sameSize.path()), bucket.read(prefix + sameSize.fileName()));
            assertTrue(backup.conflict().isEmpty());

            // An object of another size under a name found when the backup was opened is a conflict too.
            WalSegmentSpan longer = spans.get(2);
            byte[] grown = Arrays.copyOf(Files.readAllBytes(longer.path()), (int) longer.bytesToEnd() + 100);
            put(bucket.resources(), prefix + longer.fileName(), grown);
            WalBackup reopened = open(timelineDirectory, wal, bucket.resources(), Generation.of(4), removable, current);
            assertFalse(reopened.runOnce(true));
            assertTrue(reopened.conflict().orElseThrow().contains("has " + grown.length + " bytes"),
                    reopened.conflict().orElseThrow());
            assertArrayEquals(grown, bucket.read(prefix + longer.fileName()));
        }
    }

    @Test
    void aMissingMiddleSegmentStopsTheRestoreAtTheGapAndSaysWhatIsLost(Random random) throws IOException {
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            RemoteResources remote = bucket.resources();
            Lsn end;
            List<Lsn> frames;
            List<WalSegmentSpan> spans;
            try (Wal wal = openWal(root.resolve("a").resolve("wal"))) {
                WalBackup backup = open(root.resolve("a"), wal, remote, Generation.of(3), new AtomicReference<>(START),
                        new AtomicReference<>(Generation.of(3)));
                end = append(wal, random, 200);
                assertTrue(backup.runOnce(true));
                frames = frameEnds(wal);
                spans = wal.segmentSpans();
            }
            assertTrue(spans.size() > 3, "the test needs several segments: " + spans.size());
            String prefix = bucket.layout().walPrefix(TENANT, TIMELINE);
            WalSegmentSpan missing = spans.get(2);
            bucket.storage().delete(prefix + missing.fileName(), CallContext.NONE);

            Path directory = root.resolve("b").resolve("wal");
            Files.createDirectories(directory);
            WalRestore.Restored restored = WalRestore.restore(remote, TENANT, TIMELINE, Generation.of(4), START, directory);
            WalRestore.Gap gap = restored.gap().orElseThrow(() -> new AssertionError("the gap was not reported"));
            assertEquals(missing.fileName(), gap.missingObject());
            assertEquals(end, gap.backedUpEnd());
            assertEquals(end.value() - missing.start().value(), gap.bytesNotRecovered());
            assertEquals(missing.start(), restored.end());
            assertTrue(restored.partial().isEmpty(), "nothing past the gap is used");
            assertEquals(2, restored.fullSegments().size());
            try (Wal recovered = openWal(directory)) {
                assertEquals(missing.start(), recovered.endLsn(), "the restored WAL ends at the gap");
                assertEquals(frames.stream().filter(lsn -> !lsn.isAfter(missing.start())).toList(), frameEnds(recovered));
                // It continues in a new segment: the restored ones stay closed, as they are in the bucket.
                assertEquals(missing.start(), recovered.segmentSpans().getLast().start());
            }

            // Without the gap (the segment put back), everything is restored and no gap is reported.
            put(remote, prefix + missing.fileName(), Files.readAllBytes(root.resolve("a").resolve("wal")
                    .resolve(missing.fileName())));
            Path whole = root.resolve("c").resolve("wal");
            Files.createDirectories(whole);
            WalRestore.Restored complete = WalRestore.restore(remote, TENANT, TIMELINE, Generation.of(4), START, whole);
            assertTrue(complete.gap().isEmpty());
            assertEquals(end, complete.end());
        }
    }

    private static long getRequests(LocalBucket bucket) {
        return bucket.faults().attempts(dev.strata.testkit.FaultInjectingRemoteStorage.Operation.GET);
    }

    private static void put(RemoteResources remote, String key, byte[] bytes) throws IOException {
        remote.storage().put(key, ContentSource.of(bytes), bytes.length, PutOptions.DEFAULT, CallContext.NONE);
    }
}

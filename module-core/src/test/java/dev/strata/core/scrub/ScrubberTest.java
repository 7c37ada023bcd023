package dev.strata.core.scrub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.DeltaLayerName;
import dev.strata.api.Generation;
import dev.strata.api.Key;
import dev.strata.api.LayerFileName;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.controlplane.TenantMode;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.PutOptions;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.page.PageWrite;
import dev.strata.core.tenant.EngineOptions;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.tenant.LocationConfig;
import dev.strata.core.testing.LocalBucket;
import dev.strata.core.testing.RandomSeed;
import dev.strata.core.tiered.RemoteLayout;
import dev.strata.core.timeline.Timeline;
import dev.strata.core.timeline.TimelineSettings;
import dev.strata.core.walbackup.WalObjectName;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scrubber on a bucket two nodes wrote (generation 1, then generation 2 after an attach), with damage added
 * by hand: an orphan layer, an old index, partial WAL segments, a key that does not parse, and a listed layer
 * that is missing.
 */
final class ScrubberTest {
    @RegisterExtension
    static final RandomSeed SEED = new RandomSeed();
    private static final TenantId TENANT = TenantId.parse("0123456789abcdef0123456789abcdef");
    private static final TimelineId MAIN = TimelineId.parse("11111111111111111111111111111111");
    private static final TimelineSettings SETTINGS = TimelineSettings.DEFAULT.withCheckpointDistance(32 << 10)
            .withCompaction(3, 48 << 10, 2);

    @TempDir
    Path root;

    private LocalEngine open(Path workdir, LocalBucket bucket) throws IOException {
        return LocalEngine.open(workdir, EngineOptions.DEFAULT.withTimelineSettings(SETTINGS).withRemote(bucket.resources())
                .withBackgroundCompaction(false).withFailpoints(Failpoints.disabled()));
    }

    private static Key key(int n) {
        return Key.ofRelationPage(1663, 5, 16384, 0, n);
    }

    private static void write(Timeline timeline, Random random, int batches) throws IOException {
        for (int b = 0; b < batches; b++) {
            List<PageWrite> batch = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                byte[] page = new byte[512];
                random.nextBytes(page);
                batch.add(new PageWrite(key(random.nextInt(32)), new PageRecord.Image(page)));
            }
            timeline.ingest(batch);
        }
    }

    /**
     * Node A writes and compacts under generation 1; node B attaches under 2 and writes more, so B's index lists
     * layers of both generations. Returns B's pages.
     */
    private byte[][] twoGenerations(LocalBucket bucket, Random random) throws IOException {
        try (LocalEngine first = open(root.resolve("node-a"), bucket)) {
            first.createTenant(TENANT, Generation.of(1));
            Timeline main = first.createTimeline(TENANT, MAIN);
            write(main, random, 60);
            main.checkpoint();
            main.compact();
        }
        try (LocalEngine second = open(root.resolve("node-b"), bucket)) {
            second.applyLocation(TENANT, new LocationConfig(TenantMode.ATTACHED_SINGLE, Generation.of(2), false));
            Timeline main = second.timeline(TENANT, MAIN);
            write(main, random, 40);
            main.checkpoint();
            byte[][] pages = new byte[32][];
            for (int n = 0; n < 32; n++) {
                pages[n] = main.get(key(n), main.lastRecordLsn());
            }
            return pages;
        }
    }

    private static void put(LocalBucket bucket, String key, byte[] bytes) throws IOException {
        bucket.faults().put(key, new ByteArrayInputStream(bytes), bytes.length, PutOptions.DEFAULT, CallContext.NONE);
    }

    @Test
    void aHealthyBucketHasNoErrorAndNoGarbageThatAnyIndexNeeds(Random random) throws Exception {
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            twoGenerations(bucket, random);
            Scrubber scrubber = new Scrubber(bucket.storage(), bucket.layout(), Clock.systemUTC());
            MetadataReport metadata = scrubber.scanMetadata((done, total, tenant, timeline) -> { });
            assertEquals(0, metadata.errorCount(), metadata.toJson());
            assertEquals(1, metadata.timelines());
            assertEquals(1, metadata.indexesByVersion().get(15));

            GarbageReport garbage = scrubber.findGarbage(Duration.ZERO, (done, total, tenant, timeline) -> { });
            Set<String> listedByNewest = layerKeysOfNewestIndex(bucket);
            assertTrue(listedByNewest.stream().anyMatch(key -> key.endsWith("-00000001")),
                    "the newest index (generation 2) still lists layers written under generation 1");
            for (GarbageReport.Item item : garbage.items()) {
                assertFalse(listedByNewest.contains(item.key()), "garbage includes " + item.key() + ", which the index lists");
            }
        }
    }

    @Test
    void damageIsReportedAndPurgingDeletesOnlyWhatNoIndexNeeds(Random random) throws Exception {
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            byte[][] pages = twoGenerations(bucket, random);
            RemoteLayout layout = bucket.layout();
            LayerFileName orphanName = new LayerFileName(new DeltaLayerName(Key.MIN, Key.MAX, Lsn.of(0x7000_0000L),
                    Lsn.of(0x7000_1000L)), Generation.of(1));
            String orphan = layout.layerKey(TENANT, MAIN, orphanName);
            put(bucket, orphan, new byte[] {1, 2, 3});
            String junk = layout.timelinePrefix(TENANT, MAIN) + "notes.txt";
            put(bucket, junk, "hello".getBytes(StandardCharsets.UTF_8));
            // An index of generation 0, older than the newest two (1 and 2).
            String oldIndex = layout.indexKey(TENANT, MAIN, Generation.of(0));
            put(bucket, oldIndex, bucket.read(layout.indexKey(TENANT, MAIN, Generation.of(1))));
            // Partial WAL segments: one wholly below every kept index's disk-consistent LSN, one above it, and a
            // name that only looks like one.
            String walPrefix = layout.walPrefix(TENANT, MAIN);
            String oldPartial = walPrefix + new WalObjectName.Partial(Lsn.of(0x100), Generation.of(1), Lsn.of(0x200),
                    Lsn.of(0x200), 7).objectName();
            String livePartial = walPrefix + new WalObjectName.Partial(Lsn.of(0x100), Generation.of(2),
                    Lsn.of(0x7fff_0000_0000L), Lsn.of(0x7fff_0000_0000L), 7).objectName();
            String oddPartial = walPrefix + "0000000000000100.wal_zz.partial";
            for (String partial : List.of(oldPartial, livePartial, oddPartial)) {
                put(bucket, partial, new byte[] {4, 5, 6});
            }

            Scrubber scrubber = new Scrubber(bucket.storage(), layout, Clock.systemUTC());
            GarbageReport young = scrubber.findGarbage(Duration.ofHours(1), (done, total, tenant, timeline) -> { });
            assertTrue(young.items().isEmpty(), "nothing younger than the minimum age is garbage: " + young.toJson(false));
            assertTrue(young.youngKept() >= 2);

            GarbageReport garbage = scrubber.findGarbage(Duration.ZERO, (done, total, tenant, timeline) -> { });
            Set<String> keys = garbage.items().stream().map(GarbageReport.Item::key).collect(Collectors.toSet());
            assertTrue(keys.contains(orphan), garbage.toJson(false));
            assertTrue(keys.contains(oldIndex), garbage.toJson(false));
            assertFalse(keys.contains(junk), "a key that does not parse is never garbage");
            assertTrue(keys.contains(oldPartial), "a partial segment below every kept index is garbage");
            assertFalse(keys.contains(livePartial), "a partial segment above a kept index's disk-consistent LSN is kept");
            assertFalse(keys.contains(oddPartial), "a WAL name that does not parse is never garbage");

            GarbageReport dryRun = scrubber.purge(Duration.ZERO, true, 1000, (done, total, tenant, timeline) -> { });
            assertEquals(keys, dryRun.items().stream().map(GarbageReport.Item::key).collect(Collectors.toSet()));
            assertTrue(bucket.keys(layout.timelinePrefix(TENANT, MAIN)).contains(orphan), "a dry run deletes nothing");

            Set<String> listedByNewest = layerKeysOfNewestIndex(bucket);
            scrubber.purge(Duration.ZERO, false, 1000, (done, total, tenant, timeline) -> { });
            List<String> left = bucket.keys(layout.timelinePrefix(TENANT, MAIN));
            assertFalse(left.contains(orphan));
            assertFalse(left.contains(oldIndex));
            assertFalse(left.contains(oldPartial));
            assertTrue(left.contains(livePartial));
            assertTrue(left.containsAll(listedByNewest), "every layer the index lists survived the purge");
            assertTrue(left.contains(junk));

            // The purged bucket still attaches and serves the same pages.
            try (LocalEngine third = open(root.resolve("node-c"), bucket)) {
                third.applyLocation(TENANT, new LocationConfig(TenantMode.ATTACHED_SINGLE, Generation.of(3), false));
                Timeline main = third.timeline(TENANT, MAIN);
                for (int n = 0; n < 32; n++) {
                    assertArrayEquals(pages[n], main.get(key(n), main.lastRecordLsn()), "page " + n);
                }
            }

            // A listed layer that is gone is an error; the key that does not parse a warning.
            String victim = listedByNewest.iterator().next();
            bucket.faults().delete(victim, CallContext.NONE);
            MetadataReport metadata = scrubber.scanMetadata((done, total, tenant, timeline) -> { });
            assertEquals(1, metadata.errors().get("missing_layer"), metadata.toJson());
            assertEquals(1, metadata.warnings().get("unparseable_key"), metadata.toJson());
            assertTrue(metadata.findings().stream().anyMatch(finding -> finding.key().equals(victim)));
        }
    }

    private static Set<String> layerKeysOfNewestIndex(LocalBucket bucket) throws Exception {
        dev.strata.core.index.IndexPart index = dev.strata.core.index.IndexPart.parse(
                bucket.read(bucket.layout().indexKey(TENANT, MAIN, Generation.of(2))));
        return index.layers().entrySet().stream()
                .map(entry -> bucket.layout().layerKey(TENANT, MAIN, new LayerFileName(entry.getKey(), entry.getValue().generation())))
                .collect(Collectors.toSet());
    }
}

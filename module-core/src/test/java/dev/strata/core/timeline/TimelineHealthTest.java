package dev.strata.core.timeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Generation;
import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.core.io.FileIo;
import dev.strata.core.layer.CorruptLayerException;
import dev.strata.core.page.PageWrite;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checksums that isolate a broken timeline, the checkpoint timeout, and the lock order under load. */
class TimelineHealthTest {
    @TempDir Path workdir;

    private static Key key(int n) {
        return Key.ofRelationPage(1663, 5, 16384, 0, n);
    }

    @Test
    void aCorruptLayerBreaksItsTimelineOnlyAndTheErrorNamesFileAndOffset() throws Exception {
        try (EngineFixture fixture = new EngineFixture(workdir)) {
            Lsn commit = fixture.main().ingest(List.of(new PageWrite(key(1), new PageRecord.Image(new byte[64]))));
            fixture.main().checkpoint();
            TenantId other = TenantId.random();
            TimelineId otherTimeline = TimelineId.random();
            fixture.engine.createTenant(other, Generation.of(1));
            Lsn otherCommit = fixture.engine.createTimeline(other, otherTimeline)
                    .ingest(List.of(new PageWrite(key(1), new PageRecord.Image(new byte[] {42}))));
            String layer = fixture.main().layerFileNames().getFirst().localFileName();
            fixture.engine.close(true);
            Path file = fixture.timelineDirectory(fixture.main).resolve(layer);
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ByteBuffer one = ByteBuffer.allocate(1);
                channel.read(one, 20);
                one.put(0, (byte) (one.get(0) ^ 0x5A));
                channel.write(one.flip(), 20);
            }
            fixture.crashAndReopen();
            CorruptLayerException corrupt = assertThrows(CorruptLayerException.class, () -> fixture.main().get(key(1), commit));
            assertTrue(corrupt.getMessage().contains(layer), corrupt.getMessage());
            assertTrue(corrupt.getMessage().contains("offset"), corrupt.getMessage());
            assertTrue(fixture.main().isBroken());
            EngineException.Broken broken = assertThrows(EngineException.Broken.class,
                    () -> fixture.main().ingest(List.of(new PageWrite(key(2), new PageRecord.Image(new byte[1])))));
            assertTrue(broken.getMessage().contains(fixture.main.hex()), broken.getMessage());
            assertArrayEquals(new byte[] {42}, fixture.engine.timeline(other, otherTimeline).get(key(1), otherCommit),
                    "other tenants keep serving");
        }
    }

    @Test
    void anIndexThatCannotBeWrittenBreaksTheTimelineAndARestartRecovers() throws Exception {
        try (EngineFixture fixture = new EngineFixture(workdir)) {
            Lsn commit = fixture.main().ingest(List.of(new PageWrite(key(1), new PageRecord.Image(new byte[] {7}))));
            // A directory where the index's temp file must go makes the index write fail.
            java.nio.file.Files.createDirectory(fixture.timelineDirectory(fixture.main).resolve("index_part.json.___temp"));
            assertThrows(IOException.class, () -> fixture.main().checkpoint());
            assertTrue(fixture.main().isBroken(), "an index write that failed leaves the timeline broken");
            assertThrows(EngineException.Broken.class,
                    () -> fixture.main().ingest(List.of(new PageWrite(key(2), new PageRecord.Image(new byte[1])))));
            fixture.crashAndReopen();
            assertArrayEquals(new byte[] {7}, fixture.main().get(key(1), commit), "the WAL still holds the write");
            assertEquals(List.of(), fixture.leftoverTempFiles());
            assertEquals(List.of(), fixture.unlistedLayerFiles(fixture.main));
            fixture.main().checkpoint();
            assertEquals(commit, fixture.main().diskConsistentLsn());
        }
    }

    @Test
    void writersHeldBackByAFailingFlushAreToldWhy() throws Exception {
        TimelineSettings settings = EngineFixture.SMALL.withCheckpointDistance(2048);
        try (EngineFixture fixture = new EngineFixture(workdir, settings, FileIo.DEFAULT)) {
            fixture.failpoints.configure("flush-before-index", "return(disk on fire)");
            long started = System.nanoTime();
            EngineException.Unavailable held = assertThrows(EngineException.Unavailable.class, () -> {
                for (int i = 0; i < 10_000; i++) {
                    fixture.main().ingest(List.of(new PageWrite(key(i % 50), new PageRecord.Image(new byte[500]))));
                }
            });
            assertTrue(held.getMessage().contains("disk on fire"), held.getMessage());
            assertTrue(System.nanoTime() - started >= Timeline.FLUSH_STALL_LIMIT.toNanos(), "held back first, then told");
            fixture.failpoints.clear();
            fixture.main().checkpoint();
            fixture.main().ingest(List.of(new PageWrite(key(1), new PageRecord.Image(new byte[1]))));
        }
    }

    @Test
    void theCheckpointTimeoutFlushesAnIdleLayer() throws Exception {
        TimelineSettings settings = EngineFixture.SMALL.withCheckpointDistance(1 << 30)
                .withCheckpointTimeout(Duration.ofMillis(200));
        try (EngineFixture fixture = new EngineFixture(workdir, settings, FileIo.DEFAULT)) {
            Lsn commit = fixture.main().ingest(List.of(new PageWrite(key(1), new PageRecord.Image(new byte[8]))));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (fixture.main().diskConsistentLsn().isBefore(commit) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(commit, fixture.main().diskConsistentLsn(), "flushed without an explicit checkpoint");
            assertEquals(1, fixture.main().layerFileNames().size());
        }
    }

    /**
     * Writers, readers, flushes, compaction, GC and branching all at once, then shutdown and start-up. A
     * broken lock order deadlocks here and the timeout fails the test.
     */
    @Test
    void everythingAtOnceThenShutdownAndStartup() throws Exception {
        TimelineSettings settings = EngineFixture.SMALL.withGc(4096, Duration.ZERO);
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            try (EngineFixture fixture = new EngineFixture(workdir, settings, FileIo.DEFAULT)) {
                Timeline main = fixture.main();
                Map<Key, byte[]> latest = new ConcurrentHashMap<>();
                List<Throwable> failures = new CopyOnWriteArrayList<>();
                AtomicBoolean stop = new AtomicBoolean();
                List<Thread> threads = new ArrayList<>();
                for (int writer = 0; writer < 2; writer++) {
                    int base = writer * 100;
                    threads.add(Thread.ofPlatform().start(() -> {
                        SplittableRandom random = new SplittableRandom(base);
                        try {
                            while (!stop.get()) {
                                Key key = key(base + random.nextInt(30));
                                byte[] page = new byte[100 + random.nextInt(200)];
                                random.nextBytes(page);
                                main.ingest(List.of(new PageWrite(key, new PageRecord.Image(page))));
                                latest.put(key, page);
                            }
                        } catch (Throwable e) {
                            failures.add(e);
                        }
                    }));
                }
                threads.add(Thread.ofPlatform().start(() -> {
                    SplittableRandom random = new SplittableRandom(9);
                    try {
                        while (!stop.get()) {
                            main.get(key(random.nextInt(130)), main.lastRecordLsn());
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        int round = 0;
                        while (!stop.get()) {
                            main.checkpoint();
                            main.compact();
                            main.gc();
                            if (round++ % 5 == 0) {
                                fixture.engine.branch(fixture.tenant, TimelineId.random(), fixture.main, main.lastRecordLsn());
                            }
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
                Thread.sleep(3000);
                stop.set(true);
                for (Thread thread : threads) {
                    thread.join();
                }
                assertEquals(List.of(), failures);
                fixture.cleanReopen();
                Timeline reopened = fixture.main();
                for (Map.Entry<Key, byte[]> entry : latest.entrySet()) {
                    assertArrayEquals(entry.getValue(), reopened.get(entry.getKey(), reopened.lastRecordLsn()),
                            "key " + entry.getKey());
                }
                assertTrue(fixture.engine.timelines(fixture.tenant).size() > 1, "branches were created under load");
            }
        });
    }

}

package dev.strata.core.timeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.api.TimelineId;
import dev.strata.core.page.PageWrite;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.testkit.TestSeeds;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The read path against a model: history, branches, flush, compaction, images and restarts. */
class TimelineReadPathTest {
    @TempDir Path workdir;

    private static Key key(int n) {
        return Key.ofRelationPage(1663, 5, 16384, 0, n);
    }

    private static PageRecord randomRecord(SplittableRandom random) {
        int kind = random.nextInt(10);
        if (kind < 3) {
            byte[] page = new byte[16 + random.nextInt(400)];
            random.nextBytes(page);
            return new PageRecord.Image(page);
        }
        if (kind < 7) {
            byte[] bytes = new byte[1 + random.nextInt(24)];
            random.nextBytes(bytes);
            return new PageRecord.Overwrite(random.nextInt(300), bytes);
        }
        if (kind < 9) {
            byte[] bytes = new byte[1 + random.nextInt(8)];
            random.nextBytes(bytes);
            return new PageRecord.Append(bytes);
        }
        return new PageRecord.Init(random.nextInt(64));
    }

    private static List<PageWrite> randomBatch(SplittableRandom random, int keys) {
        List<PageWrite> batch = new ArrayList<>();
        int size = 1 + random.nextInt(6);
        for (int i = 0; i < size; i++) {
            batch.add(new PageWrite(key(random.nextInt(keys)), randomRecord(random)));
        }
        return batch;
    }

    @Test
    void randomHistoryOnBranchesMatchesTheModel() throws Exception {
        long seed = TestSeeds.seed();
        String context = TestSeeds.describe(seed);
        SplittableRandom random = new SplittableRandom(seed);
        try (EngineFixture fixture = new EngineFixture(workdir)) {
            Map<TimelineId, PageModel> models = new HashMap<>();
            models.put(fixture.main, new PageModel(LocalEngine.INITDB_LSN, Map.of()));
            List<TimelineId> ids = new ArrayList<>(List.of(fixture.main));
            for (int step = 0; step < 600; step++) {
                TimelineId id = ids.get(random.nextInt(ids.size()));
                Timeline timeline = fixture.timeline(id);
                List<PageWrite> batch = randomBatch(random, 40);
                Lsn commit = timeline.ingest(batch);
                models.get(id).apply(batch, commit);
                if (step % 97 == 50 && ids.size() < 4) {
                    List<Long> lsns = models.get(id).lsns();
                    Lsn at = Lsn.of(lsns.get(random.nextInt(lsns.size())));
                    TimelineId child = TimelineId.random();
                    fixture.engine.branch(fixture.tenant, child, id, at);
                    models.put(child, PageModel.branchOf(models.get(id), at));
                    ids.add(child);
                }
                if (step % 150 == 149) {
                    for (TimelineId each : ids) {
                        fixture.timeline(each).checkpoint();
                        fixture.timeline(each).compact();
                    }
                }
                if (step == 400) {
                    fixture.crashAndReopen();
                }
            }
            checkAgainstModel(fixture, models, random, context);
            assertTrue(fixture.main().layerFileNames().stream().anyMatch(l -> !l.name().isL0()),
                    "compaction produced L1 or image layers; " + context);
            fixture.crashAndReopen();
            checkAgainstModel(fixture, models, random, context);
            fixture.cleanReopen();
            checkAgainstModel(fixture, models, random, context);
            assertEquals(List.of(), fixture.leftoverTempFiles(), context);
        }
    }

    private static void checkAgainstModel(EngineFixture fixture, Map<TimelineId, PageModel> models,
                                          SplittableRandom random, String context) throws Exception {
        for (Map.Entry<TimelineId, PageModel> entry : models.entrySet()) {
            Timeline timeline = fixture.timeline(entry.getKey());
            PageModel model = entry.getValue();
            assertEquals(model.last(), timeline.lastRecordLsn(), context);
            List<Long> lsns = model.lsns();
            for (int i = 0; i < 300; i++) {
                Lsn lsn = Lsn.of(lsns.get(random.nextInt(lsns.size())) + (random.nextBoolean() ? 0 : 1));
                if (lsn.isAfter(timeline.lastRecordLsn())) {
                    lsn = timeline.lastRecordLsn();
                }
                Key key = key(random.nextInt(42));
                assertArrayEquals(model.page(key, lsn), timeline.get(key, lsn),
                        "key " + key + " at " + lsn + " on " + entry.getKey() + "; " + context);
            }
            Lsn at = Lsn.of(lsns.get(random.nextInt(lsns.size())));
            NavigableMap<Key, byte[]> scanned = timeline.scan(key(5), key(30), at);
            Map<Key, byte[]> expected = model.stateAt(at);
            long expectedCount = expected.keySet().stream()
                    .filter(k -> k.compareTo(key(5)) >= 0 && k.compareTo(key(30)) < 0).count();
            assertEquals(expectedCount, scanned.size(), "scan size at " + at + "; " + context);
            scanned.forEach((k, v) -> assertArrayEquals(expected.get(k), v, "scan " + k + "; " + context));
        }
    }

    @Test
    void branchSeesParentUpToTheBranchPointOnly() throws Exception {
        try (EngineFixture fixture = new EngineFixture(workdir)) {
            Timeline main = fixture.main();
            Lsn first = main.ingest(List.of(new PageWrite(key(1), text("one"))));
            Lsn second = main.ingest(List.of(new PageWrite(key(1), new PageRecord.Append(bytes("+two")))));
            TimelineId childId = TimelineId.random();
            Timeline child = fixture.engine.branch(fixture.tenant, childId, fixture.main, first);
            Lsn onChild = child.ingest(List.of(new PageWrite(key(1), new PageRecord.Append(bytes("+child")))));
            assertEquals("one+two", string(main.get(key(1), second)));
            assertEquals("one+child", string(child.get(key(1), onChild)));
            assertEquals("one", string(child.get(key(1), first)));
            assertNull(child.get(key(2), onChild));
            // A grandchild branches off the child and still reaches the root through both.
            TimelineId grandchildId = TimelineId.random();
            Timeline grandchild = fixture.engine.branch(fixture.tenant, grandchildId, childId, onChild);
            assertEquals("one+child", string(grandchild.get(key(1), onChild)));
            main.checkpoint();
            main.compact();
            fixture.crashAndReopen();
            assertEquals("one+child", string(fixture.timeline(grandchildId).get(key(1), onChild)));
            assertEquals("one+two", string(fixture.main().get(key(1), second)));
        }
    }

    @Test
    void readsOutsideTheTimelineRangeAreRejectedWithTheLsn() throws Exception {
        try (EngineFixture fixture = new EngineFixture(workdir)) {
            Timeline main = fixture.main();
            Lsn commit = main.ingest(List.of(new PageWrite(key(1), text("x"))));
            EngineException.BadRequest ahead = assertThrows(EngineException.BadRequest.class,
                    () -> main.get(key(1), commit.plus(1)));
            assertTrue(ahead.getMessage().contains(commit.plus(1).toString()), ahead.getMessage());
            EngineException.BadRequest before = assertThrows(EngineException.BadRequest.class,
                    () -> main.get(key(1), Lsn.of(5)));
            assertTrue(before.getMessage().contains("0/5"), before.getMessage());
            assertThrows(EngineException.BadRequest.class, () -> main.ingest(List.of()));
            assertThrows(EngineException.BadRequest.class, () -> main.ingest(List.of(new PageWrite(Key.MAX, text("x")))));
        }
    }

    @Test
    void branchingIsIdempotentAndDeletionRefusesParents() throws Exception {
        try (EngineFixture fixture = new EngineFixture(workdir)) {
            Lsn commit = fixture.main().ingest(List.of(new PageWrite(key(1), text("x"))));
            TimelineId child = TimelineId.random();
            Timeline created = fixture.engine.branch(fixture.tenant, child, fixture.main, commit);
            assertSame(created, fixture.engine.branch(fixture.tenant, child, fixture.main, commit));
            assertThrows(EngineException.Conflict.class,
                    () -> fixture.engine.branch(fixture.tenant, child, fixture.main, LocalEngine.INITDB_LSN));
            assertThrows(EngineException.BadRequest.class,
                    () -> fixture.engine.branch(fixture.tenant, TimelineId.random(), fixture.main, commit.plus(1)));
            EngineException.Conflict conflict = assertThrows(EngineException.Conflict.class,
                    () -> fixture.engine.deleteTimeline(fixture.tenant, fixture.main));
            assertTrue(conflict.getMessage().contains(child.hex()), conflict.getMessage());
            fixture.engine.deleteTimeline(fixture.tenant, child);
            assertThrows(EngineException.NotFound.class, () -> fixture.timeline(child));
            fixture.engine.deleteTimeline(fixture.tenant, fixture.main);
            fixture.crashAndReopen();
            assertEquals(List.of(), fixture.engine.timelines(fixture.tenant));
        }
    }

    @Test
    void writesDoNotWaitForFlushAndBackpressureHolds() throws Exception {
        try (EngineFixture fixture = new EngineFixture(workdir)) {
            Timeline main = fixture.main();
            fixture.failpoints.configure("flush-before-index", "sleep(50)");
            SplittableRandom random = new SplittableRandom(7);
            PageModel model = new PageModel(LocalEngine.INITDB_LSN, Map.of());
            for (int i = 0; i < 300; i++) {
                List<PageWrite> batch = randomBatch(random, 10);
                model.apply(batch, main.ingest(batch));
                assertTrue(main.frozenLayerCount() <= EngineFixture.SMALL.maxFrozenLayers() + 1,
                        "frozen layers stay bounded: " + main.frozenLayerCount());
            }
            fixture.failpoints.clear();
            main.checkpoint();
            for (int k = 0; k < 10; k++) {
                assertArrayEquals(model.page(key(k), model.last()), main.get(key(k), model.last()));
            }
        }
    }

    private static PageRecord text(String text) {
        return new PageRecord.Image(bytes(text));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(byte[] page) {
        return new String(page, StandardCharsets.UTF_8);
    }
}

package dev.strata.core.timeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Generation;
import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.core.page.PageWrite;
import dev.strata.core.tenant.EngineOptions;
import dev.strata.core.tenant.LocalEngine;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node-wide in-memory budget with real timelines written at once, flushed, crashed and replayed. */
class InMemoryBudgetEngineTest {
    private static final long LIMIT = 2L << 20;
    private static final int TIMELINES = 4;
    private static final int BATCHES = 120;
    private static final int BATCH = 8;
    private static final int PAGE = 4096;

    @TempDir Path workdir;

    private LocalEngine open() throws Exception {
        // A checkpoint distance far above what any timeline writes: only the node's budget freezes layers early.
        TimelineSettings settings = TimelineSettings.DEFAULT.withCheckpointDistance(256L << 20);
        return LocalEngine.open(workdir, EngineOptions.DEFAULT.withTimelineSettings(settings).withInMemoryLayerBytes(LIMIT)
                .withBackgroundThreads(2).withBackgroundCompaction(false));
    }

    private static byte[] page(int timeline, int batch, int slot) {
        byte[] bytes = new byte[PAGE];
        Arrays.fill(bytes, (byte) (timeline * 31 + batch * 7 + slot));
        return bytes;
    }

    @Test
    void timelinesWrittenAtOnceStayNearTheNodesBudgetAndLoseNothing() throws Exception {
        TenantId tenant = TenantId.random();
        List<TimelineId> ids = new ArrayList<>();
        AtomicLong peak = new AtomicLong();
        long written = (long) TIMELINES * BATCHES * BATCH * PAGE;
        try (LocalEngine engine = open()) {
            InMemoryBudget budget = engine.resources().memory();
            assertEquals(LIMIT, budget.limitBytes());
            engine.createTenant(tenant, Generation.of(1));
            for (int t = 0; t < TIMELINES; t++) {
                TimelineId id = TimelineId.random();
                engine.createTimeline(tenant, id);
                ids.add(id);
            }
            ExecutorService writers = Executors.newFixedThreadPool(TIMELINES);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < TIMELINES; t++) {
                    Timeline timeline = engine.timeline(tenant, ids.get(t));
                    int index = t;
                    done.add(writers.submit(() -> {
                        for (int b = 0; b < BATCHES; b++) {
                            List<PageWrite> batch = new ArrayList<>();
                            for (int s = 0; s < BATCH; s++) {
                                batch.add(new PageWrite(Key.ofRelationPage(1663, 5, 16384, 0, b * BATCH + s),
                                        new PageRecord.Image(page(index, b, s))));
                            }
                            timeline.ingest(batch);
                            peak.accumulateAndGet(budget.usedBytes(), Math::max);
                        }
                        return null;
                    }));
                }
                for (Future<?> future : done) {
                    future.get();
                }
            } finally {
                writers.shutdownNow();
            }
            // Without the budget the four open layers would hold everything written (about 16 MiB).
            assertTrue(written > 6 * LIMIT, "the test writes far more than the budget");
            assertTrue(peak.get() <= 3 * LIMIT, "peak " + peak.get() + " bytes in memory against a budget of " + LIMIT);
            assertTrue(budget.budgetFreezes() > 0, "the budget froze layers");
            int layers = 0;
            for (TimelineId id : ids) {
                layers += engine.timeline(tenant, id).layerFileNames().size();
            }
            assertTrue(layers >= TIMELINES, "open layers were flushed early, " + layers + " layer files");
            verifyAll(engine, tenant, ids);
            long before = budget.usedBytes();
            assertTrue(before > 0 && before <= 3 * LIMIT, "in memory after the writes: " + before);
            engine.close(false);
            assertEquals(0, budget.usedBytes(), "a stopped node's timelines leave the budget");
            assertEquals(0, budget.frozenBytes());
        }
        // After a crash the WAL is replayed into in-memory layers, which the new node's budget counts and bounds.
        try (LocalEngine engine = open()) {
            InMemoryBudget budget = engine.resources().memory();
            assertTrue(budget.usedBytes() > 0 && budget.usedBytes() <= 3 * LIMIT, "replayed: " + budget.usedBytes());
            verifyAll(engine, tenant, ids);
            for (TimelineId id : ids) {
                engine.timeline(tenant, id).checkpoint();
            }
            assertEquals(0, budget.usedBytes(), "checkpointed timelines hold nothing in memory");
        }
    }

    private static void verifyAll(LocalEngine engine, TenantId tenant, List<TimelineId> ids) throws Exception {
        for (int t = 0; t < TIMELINES; t++) {
            Timeline timeline = engine.timeline(tenant, ids.get(t));
            Lsn last = timeline.lastRecordLsn();
            for (int b = 0; b < BATCHES; b += 7) {
                for (int s = 0; s < BATCH; s += 3) {
                    assertArrayEquals(page(t, b, s), timeline.get(Key.ofRelationPage(1663, 5, 16384, 0, b * BATCH + s), last),
                            "timeline " + t + " batch " + b + " slot " + s);
                }
            }
        }
    }
}

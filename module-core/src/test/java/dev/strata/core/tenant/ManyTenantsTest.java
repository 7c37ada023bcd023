package dev.strata.core.tenant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.strata.api.Generation;
import dev.strata.api.Key;
import dev.strata.api.PageRecord;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.core.page.PageWrite;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start-up at scale: 2,000 tenants with a timeline and a write each; the engine is closed and opened again
 * and every tenant must be back. The times are printed for the record (they are not asserted: machines
 * differ, and the benchmark harness measures start-up properly).
 */
class ManyTenantsTest {
    private static final int TENANTS = Integer.getInteger("strata.test.tenants", 2000);

    @TempDir Path workdir;

    @Test
    void twoThousandTenantsComeBackAfterARestart() throws Exception {
        List<TenantId> tenants = new ArrayList<>();
        List<TimelineId> timelines = new ArrayList<>();
        Key key = Key.ofRelationPage(1663, 5, 16384, 0, 0);
        long createStart = System.nanoTime();
        for (int i = 0; i < TENANTS; i++) {
            tenants.add(TenantId.random());
            timelines.add(TimelineId.random());
        }
        try (LocalEngine engine = LocalEngine.open(workdir, EngineOptions.DEFAULT);
             java.util.concurrent.ExecutorService creators = java.util.concurrent.Executors.newFixedThreadPool(8)) {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int n = 0; n < TENANTS; n++) {
                int i = n;
                done.add(creators.submit(() -> {
                    engine.createTenant(tenants.get(i), Generation.of(1));
                    engine.createTimeline(tenants.get(i), timelines.get(i))
                            .ingest(List.of(new PageWrite(key, new PageRecord.Image(page(i)))));
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> future : done) {
                future.get();
            }
        }
        long created = System.nanoTime();
        try (LocalEngine engine = LocalEngine.open(workdir, EngineOptions.DEFAULT)) {
            long opened = System.nanoTime();
            assertEquals(TENANTS, engine.tenants().size());
            for (int i = 0; i < TENANTS; i += 97) {
                dev.strata.core.timeline.Timeline timeline = engine.timeline(tenants.get(i), timelines.get(i));
                assertArrayEquals(page(i), timeline.get(key, timeline.lastRecordLsn()), "tenant " + tenants.get(i));
            }
            System.out.printf("%d tenants: created and closed in %.1f s, opened in %.2f s%n", TENANTS,
                    (created - createStart) / 1e9, (opened - created) / 1e9);
        }
    }

    private static byte[] page(int i) {
        return ByteBuffer.allocate(8).putInt(i).putInt(~i).array();
    }
}

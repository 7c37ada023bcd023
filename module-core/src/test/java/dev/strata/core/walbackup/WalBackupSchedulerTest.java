package dev.strata.core.walbackup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Generation;
import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.io.FileIo;
import dev.strata.core.metrics.NodeMetrics;
import dev.strata.core.page.PageWrite;
import dev.strata.core.testing.LocalBucket;
import dev.strata.core.testing.RandomSeed;
import dev.strata.core.tiered.RemoteResources;
import dev.strata.core.wal.Wal;
import dev.strata.core.wal.WalOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** One node-wide scheduler backs up many timelines through a single upload slot, starving none. */
final class WalBackupSchedulerTest {
    @RegisterExtension
    static final RandomSeed SEED = new RandomSeed();
    private static final TenantId TENANT = TenantId.parse("0123456789abcdef0123456789abcdef");
    private static final Lsn START = Lsn.of(0x0100_0000L);

    @TempDir
    Path root;

    @Test
    void everyTimelineIsBackedUpThroughOneUploadSlot(Random random) throws Exception {
        WalBackupOptions options = WalBackupOptions.DEFAULT.withPartialInterval(Duration.ofMillis(20))
                .withMaxConcurrentUploads(1).withNodeId(3);
        NodeMetrics metrics = new NodeMetrics();
        List<Wal> wals = new ArrayList<>();
        List<WalBackup> backups = new ArrayList<>();
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            RemoteResources remote = bucket.resources();
            try (WalBackupScheduler scheduler = new WalBackupScheduler(options, remote.executor(), metrics)) {
                for (int i = 0; i < 6; i++) {
                    TimelineId timeline = TimelineId.random();
                    Path directory = root.resolve(timeline.hex());
                    Wal wal = Wal.open(directory.resolve("wal"), START, WalOptions.DEFAULT, FileIo.DEFAULT,
                            Failpoints.disabled());
                    wals.add(wal);
                    WalBackup backup = WalBackup.open(TENANT, timeline, Generation.of(1), directory, wal, remote,
                            Failpoints.disabled(), options, () -> START, () -> Generation.of(1));
                    backups.add(backup);
                    scheduler.register(backup);
                }
                for (int round = 0; round < 3; round++) {
                    for (Wal wal : wals) {
                        byte[] page = new byte[256];
                        random.nextBytes(page);
                        wal.append(List.of(new PageWrite(Key.ofRelationPage(1663, 5, 16384, 0, round),
                                new PageRecord.Image(page))));
                        wal.waitDurable(wal.endLsn());
                    }
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (scheduler.maxLagBytes() > 0) {
                    assertTrue(System.nanoTime() < deadline, "lag stays at " + scheduler.maxLagBytes());
                    Thread.sleep(10);
                }
                for (int i = 0; i < wals.size(); i++) {
                    assertEquals(wals.get(i).durableLsn(), backups.get(i).backedUpLsn(), "timeline " + i);
                }
                assertEquals(0L, metrics.registry().getGauges().get(WalBackupScheduler.LAG_GAUGE).getValue());
                backups.forEach(backup -> backup.close(false));
            } finally {
                for (Wal wal : wals) {
                    wal.close();
                }
            }
        }
    }
}

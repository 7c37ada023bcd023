package dev.strata.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Lsn;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.core.io.DurableFiles;
import dev.strata.core.remote.RetryingStorage;
import dev.strata.core.scrub.GarbageReport;
import dev.strata.core.scrub.MetadataReport;
import dev.strata.core.scrub.Scrubber;
import dev.strata.core.testing.LocalBucket;
import dev.strata.core.tiered.RemoteLayout;
import dev.strata.testkit.TestSeeds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node under mixed load, killed with SIGKILL again and again: a child JVM runs {@code strata local ingest} with a
 * bucket behind it, small flush, compaction and image thresholds, a branch of the root every few batches that is
 * written too, random reads at earlier batch ends on both (checked by the child, which exits 1 on a mismatch), a
 * short eviction idle time (layers leave the disk and are downloaded again), failpoints in uploads, deletions and
 * compaction, and a remote storage whose attempts fail with transient errors and timeouts and answer slowly
 * (the {@code remote-attempt-*} failpoints the retries must absorb), and GC of the root every 20 batches with a
 * 256 KiB horizon and no PITR window. After every restart, every acknowledged write must be readable at its LSN on
 * every branch (on the root: at or above its GC cutoff; every branch at every batch end, its branch point included,
 * however far below the root's cutoff) and no temp file may remain; at the end the scrubber must find no error in
 * the bucket (leaked objects are allowed and counted).
 *
 * <p>Seeded by {@link TestSeeds} ({@code -Dstrata.test.seed} replays); a quarter of {@code -Dstrata.test.kills}
 * (default 20, so 5 rounds) sets the rounds.
 */
class MixedLoadTortureTest {
    @TempDir Path workdir;

    @Test
    void mixedLoadWithKillsFailpointsAndRemoteFaultsLosesNoAcknowledgedWrite() throws Exception {
        long seed = TestSeeds.seed();
        String context = TestSeeds.describe(seed);
        Random random = new Random(seed);
        // A quarter of the crash test's kills: each round here also restarts the node in this JVM to verify.
        int kills = Math.max(1, Integer.getInteger("strata.test.kills", 20) / 4);
        Path bucket = workdir.resolveSibling(workdir.getFileName() + "-bucket");
        try {
            TenantId tenant = TenantId.random();
            TimelineId root = TimelineId.random();
            List<String> engineFlags = List.of("--workdir", workdir.toString(), "--remote-root", bucket.toString(),
                    "--checkpoint-distance", "24576", "--compaction-threshold", "3", "--compaction-target-size", "49152",
                    "--image-creation-threshold", "2", "--gc-horizon", "262144", "--pitr", "PT0S", "--gc-period", "PT0.5S",
                    "--eviction-idle", "PT0.3S");
            List<String> workloadFlags = List.of("--seed", Long.toString(seed), "--pages", "40", "--page-size", "512",
                    "--batch-size", "6", "--delta-share", "0.6", "--branch-every", Integer.toString(25 + random.nextInt(40)));
            assertEquals(0, CrashRecoveryTest.run(List.of("local", "init", "--tenant", tenant.hex(), "--timeline", root.hex()),
                    engineFlags, List.of()).exitCode(), context);

            Map<TimelineId, Lsn> maxAcked = new TreeMap<>();
            long totalAcks = 0;
            String lastVerify = "";
            for (int round = 0; round < kills; round++) {
                List<String> arguments = new ArrayList<>(List.of("local", "ingest", "--batches", "1000000",
                        "--read-checks", "2", "--gc-every", "20"));
                arguments.addAll(engineFlags);
                arguments.addAll(workloadFlags);
                arguments.addAll(faults(random));
                List<Ack> acks = ingestUntilKilled(arguments, random.nextInt(300, 1500), context);
                for (Ack ack : acks) {
                    Lsn previous = maxAcked.get(ack.timeline());
                    assertTrue(previous == null || ack.lsn().isAfter(previous),
                            "acknowledged LSNs go forward on " + ack.timeline() + ": " + ack.lsn() + " after " + previous + "; " + context);
                    maxAcked.put(ack.timeline(), ack.lsn());
                }
                totalAcks += acks.size();
                // Every third batch end of the root after each restart (every branch batch end always), all after the last.
                lastVerify = verifyAfterRestart(engineFlags, workloadFlags, root, maxAcked, round == kills - 1 ? 1 : 3, bucket,
                        context);
            }
            assertTrue(totalAcks > kills, "the children made progress: " + totalAcks + " acknowledged batches; " + context);
            try (LocalBucket reader = new LocalBucket(bucket, 1)) {
                Scrubber scrubber = new Scrubber(reader.storage(), RemoteLayout.root(), Clock.systemUTC());
                MetadataReport report = scrubber.scanMetadata((done, total, tenantId, timelineId) -> { });
                assertEquals(0, report.errorCount(), report.toJson() + "; " + context);
                // Objects a kill left unreferenced (an upload whose index update never came) are leaks, not errors.
                GarbageReport leaks = scrubber.findGarbage(Duration.ZERO, (done, total, tenantId, timelineId) -> { });
                System.out.println("mixed-load torture: " + kills + " kills, " + totalAcks + " acknowledged batches on "
                        + maxAcked.size() + " timelines; " + lastVerify + "; scrubber " + report.toJson() + "; leaked "
                        + leaks.items().size() + " objects (" + leaks.bytes() + " bytes); " + context);
            }
        } finally {
            DurableFiles.deleteRecursively(bucket);
        }
    }

    /** One acknowledged batch: its end LSN and the timeline it went to. */
    private record Ack(Lsn lsn, TimelineId timeline) {}

    /**
     * Restarts the node in this JVM: every acknowledged write on every branch reads back, no temp file remains, and
     * the scrubber finds no error in the bucket.
     */
    private String verifyAfterRestart(List<String> engineFlags, List<String> workloadFlags, TimelineId root,
                                      Map<TimelineId, Lsn> maxAcked, int every, Path bucket, String context)
            throws IOException {
        List<String> verify = new ArrayList<>(List.of("local", "verify", "--every", Integer.toString(every)));
        if (maxAcked.containsKey(root)) {
            verify.addAll(List.of("--up-to", maxAcked.get(root).toString()));
        }
        maxAcked.forEach((timeline, lsn) -> verify.addAll(List.of("--acked", timeline.hex() + "=" + lsn)));
        verify.addAll(workloadFlags);
        CrashRecoveryTest.Result result = CrashRecoveryTest.run(verify, engineFlags, List.of());
        assertEquals(0, result.exitCode(), result.output() + "; " + context);
        assertTrue(result.output().contains("verified"), result.output());
        try (Stream<Path> files = Files.walk(workdir)) {
            assertEquals(List.of(), files.filter(p -> p.getFileName().toString().endsWith(".___temp")).toList(),
                    "start-up removed every temp file a crash left; " + context);
        }
        try (LocalBucket reader = new LocalBucket(bucket, 1)) {
            MetadataReport report = new Scrubber(reader.storage(), RemoteLayout.root(), Clock.systemUTC())
                    .scanMetadata((done, total, tenantId, timelineId) -> { });
            assertEquals(0, report.errorCount(), "after a restart: " + report.toJson() + "; " + context);
        }
        return result.output().trim();
    }

    /** The faults of one run: remote attempts that fail or are slow, and failing uploads, deletions, compactions. */
    private static List<String> faults(Random random) {
        List<String> flags = new ArrayList<>(List.of(
                "--failpoint", RetryingStorage.FAILPOINT_ATTEMPT_TRANSIENT + "=" + (5 + random.nextInt(15)) + "%return",
                "--failpoint", RetryingStorage.FAILPOINT_ATTEMPT_TIMEOUT + "=" + (2 + random.nextInt(8)) + "%return",
                "--failpoint", RetryingStorage.FAILPOINT_ATTEMPT_DELAY + "=" + (5 + random.nextInt(20)) + "%sleep("
                        + (5 + random.nextInt(60)) + ")"));
        for (String point : List.of("remote-before-layer-upload", "remote-before-index-upload", "remote-before-delete",
                "compaction-after-output", "compaction-before-index")) {
            if (random.nextBoolean()) {
                flags.add("--failpoint");
                flags.add(point + "=" + (5 + random.nextInt(20)) + "%return");
            }
        }
        return flags;
    }

    /**
     * Starts an ingest child, waits for its first acknowledgement, lets it run {@code runMillis} more and kills it
     * with SIGKILL. The child must still be running then: it exits on its own only when a read did not match.
     */
    private List<Ack> ingestUntilKilled(List<String> arguments, int runMillis, String context) throws Exception {
        Process child = ChildJvm.start(workdir, arguments);
        ChildJvm.Output output = new ChildJvm.Output(child);
        int exit;
        try {
            boolean acked = output.awaitFirstAck(Duration.ofSeconds(60));
            assertTrue(acked, () -> "child acknowledged nothing within 60 s (alive: " + child.isAlive() + "); " + context);
            Thread.sleep(runMillis);
            exit = child.isAlive() ? -1 : child.exitValue();
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        List<String> lines = output.linesAfterExit();
        assertEquals(List.of(), lines.stream().filter(line -> line.startsWith("FAIL")).toList(),
                "reads during the load; " + context);
        assertFalse(exit >= 0, "the child exited with " + exit + " before the kill; " + context);
        List<Ack> acks = new ArrayList<>();
        for (String line : lines) {
            String[] fields = line.trim().split(" ");
            if (fields.length == 3 && fields[0].equals("acked")) {
                acks.add(new Ack(Lsn.parse(fields[1]), TimelineId.parse(fields[2])));
            }
        }
        return acks;
    }
}

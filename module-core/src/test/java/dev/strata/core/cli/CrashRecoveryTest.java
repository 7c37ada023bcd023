package dev.strata.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Lsn;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.core.scrub.MetadataReport;
import dev.strata.core.scrub.Scrubber;
import dev.strata.core.testing.LocalBucket;
import dev.strata.core.tiered.RemoteLayout;
import dev.strata.testkit.TestSeeds;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Real crashes: a child JVM runs {@code strata local ingest} with small checkpoint and compaction thresholds
 * (so flushes and compactions run all the time) and is killed with SIGKILL at seeded random moments, then
 * started again, at least 20 times. At the end every acknowledged batch must be readable at its LSN with
 * exactly the expected pages, and the timeline must end at a batch boundary (nothing half visible).
 */
class CrashRecoveryTest {
    @TempDir Path workdir;

    @Test
    void killNineDuringIngestAndCompactionLosesNoAcknowledgedWrite() throws Exception {
        crashLoop(List.of(), random -> List.of(), Integer.getInteger("strata.test.kills", 20));
    }

    /**
     * The same with a bucket behind the engine, so kills land during layer and index uploads and deletions: the
     * restart reconciles against the bucket's index and replays the WAL kept since it. Each run also fails
     * uploads, deletions and compactions at random (failpoints), and at the end the scrubber finds no error in
     * the bucket: no index names a layer the bucket does not hold.
     */
    @Test
    void killNineDuringUploadsLosesNoAcknowledgedWriteAndLeavesTheBucketConsistent() throws Exception {
        Path bucket = workdir.resolveSibling(workdir.getFileName() + "-bucket");
        try {
            crashLoop(List.of("--remote-root", bucket.toString()), CrashRecoveryTest::randomFailpoints,
                    Integer.getInteger("strata.test.kills", 20) / 2);
            try (LocalBucket reader = new LocalBucket(bucket, 1)) {
                List<String> indexes = reader.keys("").stream()
                        .filter(key -> RemoteLayout.indexGeneration(key).isPresent()).toList();
                assertEquals(1, indexes.size(), "one index of one generation: " + indexes);
                MetadataReport report = new Scrubber(reader.storage(), RemoteLayout.root(), java.time.Clock.systemUTC())
                        .scanMetadata((done, total, tenant, timeline) -> { });
                assertEquals(0, report.errorCount(), report.toJson());
                assertEquals(1, report.timelines());
            }
        } finally {
            dev.strata.core.io.DurableFiles.deleteRecursively(bucket);
        }
    }

    /** Failpoints for one run of the child: uploads, deletions and compactions that fail now and then. */
    private static List<String> randomFailpoints(Random random) {
        List<String> flags = new ArrayList<>();
        for (String point : List.of("remote-before-layer-upload", "remote-before-index-upload", "remote-before-delete",
                "compaction-after-output", "compaction-before-index")) {
            if (random.nextBoolean()) {
                flags.add("--failpoint");
                flags.add(point + "=" + (5 + random.nextInt(30)) + "%return");
            }
        }
        return flags;
    }

    private void crashLoop(List<String> extraEngineFlags, java.util.function.Function<Random, List<String>> roundFlags,
                           int kills) throws Exception {
        long seed = TestSeeds.seed();
        String context = TestSeeds.describe(seed);
        Random random = new Random(seed);
        TenantId tenant = TenantId.random();
        TimelineId timeline = TimelineId.random();
        List<String> engineFlags = new ArrayList<>(List.of("--workdir", workdir.toString(), "--checkpoint-distance", "24576",
                "--compaction-threshold", "3", "--compaction-target-size", "49152", "--image-creation-threshold", "2",
                "--gc-horizon", "1099511627776"));
        engineFlags.addAll(extraEngineFlags);
        List<String> workloadFlags = List.of("--seed", Long.toString(seed), "--pages", "40", "--page-size", "512",
                "--batch-size", "6", "--delta-share", "0.6");
        assertEquals(0, run(new ArrayList<>(List.of("local", "init", "--tenant", tenant.hex(), "--timeline", timeline.hex())),
                engineFlags, List.of()).exitCode(), context);

        Lsn maxAcked = Lsn.INVALID;
        int rounds = 0;
        long totalAcks = 0;
        while (rounds < kills) {
            List<String> arguments = new ArrayList<>(List.of("local", "ingest", "--batches", "1000000"));
            arguments.addAll(engineFlags);
            arguments.addAll(workloadFlags);
            arguments.addAll(roundFlags.apply(random));
            List<Lsn> acks = ingestUntilKilled(arguments, random.nextInt(30, 700), context);
            Lsn last = acks.getLast();
            assertTrue(!acks.getFirst().isBefore(maxAcked), "acknowledged LSNs go forward across restarts; " + context);
            maxAcked = last;
            totalAcks += acks.size();
            rounds++;
        }

        List<String> verify = new ArrayList<>(List.of("local", "verify", "--up-to", maxAcked.toString()));
        verify.addAll(workloadFlags);
        Result result = run(verify, engineFlags, List.of());
        assertEquals(0, result.exitCode(), result.output() + "; " + context);
        assertTrue(result.output().contains("verified"), result.output());
        try (Stream<Path> files = Files.walk(workdir)) {
            assertEquals(List.of(), files.filter(p -> p.getFileName().toString().endsWith(".___temp")).toList(),
                    "start-up removed every temp file a crash left; " + context);
        }
        assertTrue(totalAcks > kills, "the children made progress: " + totalAcks + " acknowledged batches");
        System.out.println("crash test: " + rounds + " kills, " + totalAcks + " acknowledged batches, last " + maxAcked
                + "; " + result.output().trim() + "; " + context);
    }

    /**
     * Starts an ingest child, waits for its first acknowledgement, lets it run {@code runMillis} more and
     * kills it with SIGKILL: no shutdown hook, no flush, as when a machine loses the process. Returns the
     * LSNs it acknowledged, in order.
     */
    private List<Lsn> ingestUntilKilled(List<String> arguments, int runMillis, String context) throws Exception {
        Process child = ChildJvm.start(workdir, arguments);
        ChildJvm.Output output = new ChildJvm.Output(child);
        try {
            boolean acked = output.awaitFirstAck(Duration.ofSeconds(60));
            assertTrue(acked, () -> "child acknowledged nothing within 60 s (alive: " + child.isAlive() + "); " + context);
            Thread.sleep(runMillis);
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        return ChildJvm.Output.ackedLsns(output.linesAfterExit());
    }

    record Result(int exitCode, String output) {}

    static Result run(List<String> command, List<String> engineFlags, List<String> extra) {
        List<String> arguments = new ArrayList<>(command);
        arguments.addAll(engineFlags);
        arguments.addAll(extra);
        StringWriter out = new StringWriter();
        CommandLine commandLine = StrataMain.commandLine();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(out));
        int code = commandLine.execute(arguments.toArray(String[]::new));
        return new Result(code, out.toString());
    }
}

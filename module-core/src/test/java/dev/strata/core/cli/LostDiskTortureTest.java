package dev.strata.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Generation;
import dev.strata.api.Lsn;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.controlplane.TenantMode;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.RemoteStorageProvider;
import dev.strata.core.io.DurableFiles;
import dev.strata.core.remote.RetryPolicy;
import dev.strata.core.remote.RetryingStorage;
import dev.strata.core.tenant.EngineOptions;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.tenant.LocationConfig;
import dev.strata.core.tiered.RemoteLayout;
import dev.strata.core.tiered.RemoteResources;
import dev.strata.core.walbackup.WalObjectName;
import dev.strata.testkit.TestSeeds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lost disks, round after round, on one timeline in one localfs bucket. Each round: a child JVM ingests the seeded
 * workload on the node directory of the round (resuming where the timeline ends); once a partial WAL segment
 * covering this round's writes is in the bucket, and a seeded while later, it is killed with SIGKILL and its
 * directory deleted; a new node directory attaches the tenant from the bucket under the next generation. Every
 * batch acknowledged up to the backed-up LSN seen before the kill must be there and read back exactly as
 * written (checked with {@code local verify} over the whole workload); how many acknowledged batches lay beyond
 * what was recovered is printed for every round, never dropped silently. The next round writes on from there.
 *
 * <p>{@code -Dstrata.torture.seed=<hex>} replays a run (the seed is printed), {@code -Dstrata.torture.rounds=N}
 * sets the rounds (default 1, about ten seconds, for the default test run).
 */
class LostDiskTortureTest {
    /** The system property with the seed, in hex. */
    static final String SEED_PROPERTY = "strata.torture.seed";
    /** The system property with the number of rounds. */
    static final String ROUNDS_PROPERTY = "strata.torture.rounds";

    @TempDir
    Path root;

    @Test
    void everyBatchUpToTheBackedUpWalSurvivesEachLostDisk() throws Exception {
        long seed = TestSeeds.seed(SEED_PROPERTY);
        int rounds = Integer.getInteger(ROUNDS_PROPERTY, 1);
        if (rounds < 1) {
            throw new IllegalArgumentException("-D" + ROUNDS_PROPERTY + "=" + rounds + " must be at least 1");
        }
        String context = TestSeeds.describe(SEED_PROPERTY, seed);
        System.out.println("lost-disk torture: " + rounds + " rounds, " + context);
        Random random = new Random(seed);
        TenantId tenant = TenantId.parse(String.format("%016x%016x", random.nextLong(), random.nextLong()));
        TimelineId timeline = TimelineId.parse(String.format("%016x%016x", random.nextLong(), random.nextLong()));
        Path bucket = root.resolve("bucket");
        // Large checkpoint distance: the acknowledged writes live only in the WAL and its backup.
        List<String> workloadFlags = List.of("--seed", Long.toString(seed), "--pages", "40", "--page-size", "512",
                "--batch-size", "6", "--delta-share", "0.6", "--tenant", tenant.hex(), "--timeline", timeline.hex());
        Path workdir = root.resolve("node-0");
        CrashRecoveryTest.Result init = CrashRecoveryTest.run(List.of("local", "init", "--tenant", tenant.hex(),
                "--timeline", timeline.hex()), engineFlags(workdir, bucket), List.of());
        assertEquals(0, init.exitCode(), init.output() + "; " + context);

        long lostTotal = 0;
        long ackedTotal = 0;
        try (RemoteResources remote = bucketResources(bucket)) {
            String walPrefix = remote.layout().walPrefix(tenant, timeline);
            for (int round = 0; round < rounds; round++) {
                String where = "round " + round + ", " + context;
                List<String> ingest = new ArrayList<>(List.of("local", "ingest", "--batches", "100000000"));
                ingest.addAll(engineFlags(workdir, bucket));
                ingest.addAll(workloadFlags);
                long started = System.nanoTime();
                Killed killed = ingestUntilBackedUpThenKill(ingest, remote, walPrefix, random.nextInt(800), where);
                DurableFiles.deleteRecursively(workdir);

                workdir = root.resolve("node-" + (round + 1));
                long killedAt = System.nanoTime();
                Lsn recovered;
                // `local init` gave generation 1; every attachment takes the next one.
                Generation generation = Generation.of(round + 2);
                try (RemoteResources attaching = bucketResources(bucket);
                     LocalEngine engine = LocalEngine.open(workdir, EngineOptions.DEFAULT.withRemote(attaching))) {
                    engine.applyLocation(tenant, new LocationConfig(TenantMode.ATTACHED_SINGLE, generation, false));
                    recovered = engine.timeline(tenant, timeline).lastRecordLsn();
                }
                long attachedAt = System.nanoTime();
                assertFalse(recovered.isBefore(killed.backedUp()), "the bucket held a partial up to "
                        + killed.backedUp() + " before the kill, but only " + recovered + " was recovered; " + where);
                long beyond = killed.acks().stream().filter(lsn -> lsn.isAfter(recovered)).count();
                lostTotal += beyond;
                ackedTotal += killed.acks().size();
                System.out.printf("lost-disk torture round %d: %d of %d acknowledged batches were beyond the recovered"
                        + " LSN %s (backed up before the kill: %s, last acknowledged: %s); %s%n", round, beyond,
                        killed.acks().size(), recovered, killed.backedUp(), killed.acks().getLast(), context);

                List<String> verify = new ArrayList<>(List.of("local", "verify", "--up-to", recovered.toString()));
                verify.addAll(workloadFlags);
                CrashRecoveryTest.Result result = CrashRecoveryTest.run(verify, engineFlags(workdir, bucket), List.of());
                assertEquals(0, result.exitCode(), result.output() + "; " + where);
                assertTrue(result.output().contains("verified"), result.output() + "; " + where);
                System.out.printf("lost-disk torture round %d: ingest until kill %d ms, attach %d ms, verify %d ms%n", round,
                        (killedAt - started) / 1_000_000, (attachedAt - killedAt) / 1_000_000,
                        (System.nanoTime() - attachedAt) / 1_000_000);
            }
        }
        System.out.printf("lost-disk torture: %d rounds, %d of %d acknowledged batches beyond the recovered LSN; %s%n",
                rounds, lostTotal, ackedTotal, context);
    }

    private static List<String> engineFlags(Path workdir, Path bucket) {
        return List.of("--workdir", workdir.toString(), "--remote-root", bucket.toString(),
                "--checkpoint-distance", "268435456");
    }

    /** What a round's child acknowledged, and the highest flush LSN of a partial in the bucket before its kill. */
    private record Killed(List<Lsn> acks, Lsn backedUp) {}

    /**
     * Starts the ingest child, waits until the bucket holds a partial WAL segment that covers its first
     * acknowledged batch, lets it run {@code extraMillis} more, reads the bucket's backed-up LSN once more, and
     * kills it.
     */
    private Killed ingestUntilBackedUpThenKill(List<String> arguments, RemoteResources remote, String walPrefix,
                                               int extraMillis, String where) throws Exception {
        Files.createDirectories(root);
        Process child = ChildJvm.start(root, arguments);
        ChildJvm.Output output = new ChildJvm.Output(child);
        Lsn backedUp;
        try {
            assertTrue(output.awaitFirstAck(Duration.ofSeconds(60)), "the child acknowledged nothing within 60 s; " + where);
            Lsn first = ChildJvm.Output.ackedLsns(output.lines()).getFirst();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (newestPartial(remote, walPrefix).map(partial -> partial.isBefore(first)).orElse(true)) {
                assertTrue(child.isAlive(), "the child exited before a partial covered " + first + "; " + where);
                assertTrue(System.nanoTime() < deadline, "no partial covered " + first + " within 60 s; " + where);
                Thread.sleep(20);
            }
            Thread.sleep(extraMillis);
            // Read before the kill: whatever the bucket holds now must be recovered.
            backedUp = newestPartial(remote, walPrefix).orElseThrow();
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        return new Killed(ChildJvm.Output.ackedLsns(output.linesAfterExit()), backedUp);
    }

    /** The highest flush LSN of any partial WAL segment in the bucket. */
    private static Optional<Lsn> newestPartial(RemoteResources remote, String walPrefix) throws Exception {
        Lsn newest = null;
        for (ObjectMetadata object : remote.storage().listAll(walPrefix, CallContext.NONE)) {
            Optional<WalObjectName> name = WalObjectName.parse(object.key().substring(walPrefix.length()));
            if (name.isPresent() && name.get() instanceof WalObjectName.Partial partial
                    && (newest == null || partial.flushLsn().isAfter(newest))) {
                newest = partial.flushLsn();
            }
        }
        return Optional.ofNullable(newest);
    }

    /** The bucket as {@code --remote-root} lays it out (no prefix). */
    private static RemoteResources bucketResources(Path bucket) throws Exception {
        RemoteStorageProvider provider = ServiceLoader.load(RemoteStorageProvider.class).stream()
                .map(ServiceLoader.Provider::get).filter(candidate -> candidate.name().equals("localfs"))
                .findFirst().orElseThrow(() -> new AssertionError("ServiceLoader found no localfs provider"));
        return RemoteResources.withDefaults(new RetryingStorage(provider.create(ProviderConfig.parse("remote_storage",
                Map.of("root", bucket.toString()), provider.configKeys())),
                new RetryPolicy(4, Duration.ofMillis(1), Duration.ofMillis(5))), RemoteLayout.root());
    }
}

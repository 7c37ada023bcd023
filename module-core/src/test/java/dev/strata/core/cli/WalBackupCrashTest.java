package dev.strata.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Generation;
import dev.strata.api.Lsn;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.controlplane.TenantMode;
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
import dev.strata.core.timeline.Timeline;
import dev.strata.testkit.TestSeeds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lost disk after a real crash: a child JVM ingests into a timeline backed by a localfs bucket and is killed
 * with SIGKILL; its work directory is deleted; a new attachment (a newer generation) recovers the timeline from
 * the bucket, WAL included, and every batch up to where it recovered reads back exactly as written.
 */
class WalBackupCrashTest {
    @TempDir
    Path root;

    @Test
    void killNineThenLosingTheDiskKeepsEveryBatchUpToTheBackedUpWal() throws Exception {
        long seed = TestSeeds.seed();
        String context = TestSeeds.describe(seed);
        TenantId tenant = TenantId.random();
        TimelineId timeline = TimelineId.random();
        Path workdir = root.resolve("node");
        Path bucket = root.resolve("bucket");
        // Large checkpoint distance: the acknowledged writes live only in the WAL (and its backup).
        List<String> engineFlags = List.of("--workdir", workdir.toString(), "--remote-root", bucket.toString(),
                "--checkpoint-distance", "268435456");
        List<String> workloadFlags = List.of("--seed", Long.toString(seed), "--pages", "40", "--page-size", "512",
                "--batch-size", "6", "--delta-share", "0.6");
        CrashRecoveryTest.Result init = CrashRecoveryTest.run(List.of("local", "init", "--tenant", tenant.hex(),
                "--timeline", timeline.hex()), engineFlags, List.of());
        assertEquals(0, init.exitCode(), init.output() + "; " + context);

        List<String> ingest = new ArrayList<>(List.of("local", "ingest", "--batches", "1000000"));
        ingest.addAll(engineFlags);
        ingest.addAll(workloadFlags);
        List<Lsn> acks = ingestUntilKilled(ingest, 2500, context);
        DurableFiles.deleteRecursively(workdir);

        Lsn recovered;
        try (LocalEngine engine = LocalEngine.open(workdir, EngineOptions.DEFAULT.withRemote(bucketResources(bucket)))) {
            engine.applyLocation(tenant, new LocationConfig(TenantMode.ATTACHED_SINGLE, Generation.of(2), false));
            Timeline attached = engine.timeline(tenant, timeline);
            recovered = attached.lastRecordLsn();
        }
        assertFalse(recovered.isBefore(acks.getFirst()), "the WAL backup reached at least the first acknowledged batch ("
                + acks.getFirst() + "), recovered " + recovered + "; " + context);
        long beyond = acks.stream().filter(lsn -> lsn.isAfter(recovered)).count();
        System.out.println("kill -9 and lost disk: " + beyond + " of " + acks.size()
                + " acknowledged batches were beyond the backed-up LSN " + recovered + "; " + context);

        // The lost disk took local.json with it: name the tenant and timeline.
        List<String> verify = new ArrayList<>(List.of("local", "verify", "--up-to", recovered.toString(), "--tenant",
                tenant.hex(), "--timeline", timeline.hex()));
        verify.addAll(workloadFlags);
        CrashRecoveryTest.Result result = CrashRecoveryTest.run(verify, engineFlags, List.of());
        assertEquals(0, result.exitCode(), result.output() + "; " + context);
        assertTrue(result.output().contains("verified"), result.output());
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

    /** Starts an ingest child, lets it run {@code runMillis} after its first acknowledgement, and kills it. */
    private List<Lsn> ingestUntilKilled(List<String> arguments, int runMillis, String context) throws Exception {
        Files.createDirectories(root);
        Process child = ChildJvm.start(root, arguments);
        ChildJvm.Output output = new ChildJvm.Output(child);
        try {
            assertTrue(output.awaitFirstAck(Duration.ofSeconds(60)), "the child acknowledged nothing within 60 s; " + context);
            Thread.sleep(runMillis);
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        return ChildJvm.Output.ackedLsns(output.linesAfterExit());
    }
}

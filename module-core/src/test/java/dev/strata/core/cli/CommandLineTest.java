package dev.strata.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line in-process: outputs, exit codes, and messages that name bad input. */
class CommandLineTest {
    @TempDir Path workdir;

    private static CrashRecoveryTest.Result run(String... arguments) {
        return CrashRecoveryTest.run(List.of(arguments), List.of(), List.of());
    }

    @Test
    void inspectLayerNamePrintsJson() {
        CrashRecoveryTest.Result delta = run("inspect", "layer-name",
                "000000000000000000000000000000000000-FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF__0000000001000000-0000000001800000-v1-00000003");
        assertEquals(0, delta.exitCode(), delta.output());
        assertEquals("{\"kind\":\"delta\",\"key_start\":\"000000000000000000000000000000000000\","
                + "\"key_end\":\"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\",\"lsn_start\":\"0/1000000\",\"lsn_end\":\"0/1800000\","
                + "\"generation\":3}", delta.output().trim());
        CrashRecoveryTest.Result image = run("inspect", "layer-name",
                "000000067F000032BE0000400000000070B6-000000067F000032BE0000400000000080B6__00000000016B59D8");
        assertEquals(0, image.exitCode(), image.output());
        assertEquals("{\"kind\":\"image\",\"key_start\":\"000000067F000032BE0000400000000070B6\","
                + "\"key_end\":\"000000067F000032BE0000400000000080B6\",\"lsn\":\"0/16B59D8\",\"generation\":null}",
                image.output().trim());
    }

    @Test
    void invalidLayerNameExitsOneNamingIt() {
        CrashRecoveryTest.Result result = run("inspect", "layer-name", "not-a-layer");
        assertEquals(1, result.exitCode());
        assertTrue(result.output().contains("not-a-layer"), result.output());
    }

    @Test
    void badArgumentsPrintUsageAndExitTwo() {
        CrashRecoveryTest.Result unknown = run("local", "frobnicate");
        assertEquals(2, unknown.exitCode(), unknown.output());
        CrashRecoveryTest.Result badLsn = run("local", "get", "--workdir", workdir.toString(), "--key",
                "rel:1663/5/16384/0/1", "--lsn", "12345");
        assertEquals(2, badLsn.exitCode(), badLsn.output());
        assertTrue(badLsn.output().contains("12345"), badLsn.output());
        assertTrue(badLsn.output().contains("Usage"), badLsn.output());
        CrashRecoveryTest.Result badKey = run("local", "put", "--workdir", workdir.toString(), "--key", "XYZ", "--text", "a");
        assertEquals(2, badKey.exitCode(), badKey.output());
        assertTrue(badKey.output().contains("XYZ"), badKey.output());
    }

    @Test
    void putGetBranchAndReadBack() {
        String dir = workdir.toString();
        assertEquals(0, run("local", "init", "--workdir", dir).exitCode());
        CrashRecoveryTest.Result put = run("local", "put", "--workdir", dir, "--key", "rel:1663/5/16384/0/1", "--text", "hello");
        assertEquals(0, put.exitCode(), put.output());
        String lsn = put.output().trim().substring("acked ".length());
        assertEquals(0, run("local", "put", "--workdir", dir, "--key", "rel:1663/5/16384/0/1", "--append", " world").exitCode());
        CrashRecoveryTest.Result latest = run("local", "get", "--workdir", dir, "--key", "rel:1663/5/16384/0/1");
        assertEquals("hello world", latest.output().trim());
        CrashRecoveryTest.Result old = run("local", "get", "--workdir", dir, "--key", "rel:1663/5/16384/0/1", "--lsn", lsn);
        assertEquals("hello", old.output().trim());
        CrashRecoveryTest.Result ahead = run("local", "get", "--workdir", dir, "--key", "rel:1663/5/16384/0/1", "--lsn", "FF/0");
        assertEquals(2, ahead.exitCode(), ahead.output());
        assertTrue(ahead.output().contains("FF/0"), ahead.output());
        CrashRecoveryTest.Result branch = run("local", "branch", "--workdir", dir, "--at", lsn);
        assertEquals(0, branch.exitCode(), branch.output());
        String child = branch.output().trim().split(" ")[1];
        CrashRecoveryTest.Result onChild = run("local", "get", "--workdir", dir, "--timeline", child, "--key", "rel:1663/5/16384/0/1");
        assertEquals("hello", onChild.output().trim());
        assertEquals(0, run("local", "compact", "--workdir", dir).exitCode());
        assertEquals(0, run("local", "gc", "--workdir", dir).exitCode());
        CrashRecoveryTest.Result missing = run("local", "get", "--workdir", dir, "--key", "rel:1663/5/16384/0/2");
        assertEquals(1, missing.exitCode(), missing.output());
    }

    @Test
    void ingestThenVerify() {
        String dir = workdir.toString();
        assertEquals(0, run("local", "init", "--workdir", dir).exitCode());
        CrashRecoveryTest.Result ingest = run("local", "ingest", "--workdir", dir, "--batches", "50", "--pages", "20",
                "--page-size", "256", "--batch-size", "4", "--checkpoint-distance", "8192", "--compaction-threshold", "3");
        assertEquals(0, ingest.exitCode(), ingest.output());
        assertEquals(50, ingest.output().lines().filter(l -> l.startsWith("acked ")).count());
        assertTrue(ingest.output().contains("MiB/s"), ingest.output());
        CrashRecoveryTest.Result verify = run("local", "verify", "--workdir", dir, "--pages", "20", "--page-size", "256",
                "--batch-size", "4");
        assertEquals(0, verify.exitCode(), verify.output());
        assertTrue(verify.output().contains("verified 50 batch ends"), verify.output());
        CrashRecoveryTest.Result wrongSeed = run("local", "verify", "--workdir", dir, "--seed", "2", "--pages", "20",
                "--page-size", "256", "--batch-size", "4");
        assertEquals(1, wrongSeed.exitCode(), "a different workload does not verify: " + wrongSeed.output());
    }

    @Test
    void inspectLayerChecksEveryChecksumAndReportsCorruption() throws Exception {
        String dir = workdir.toString();
        assertEquals(0, run("local", "init", "--workdir", dir).exitCode());
        assertEquals(0, run("local", "ingest", "--workdir", dir, "--batches", "20", "--pages", "10", "--page-size", "256",
                "--batch-size", "4", "--compress", "--quiet").exitCode());
        assertEquals(0, run("local", "compact", "--workdir", dir, "--compress").exitCode());
        java.nio.file.Path layer;
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(workdir)) {
            layer = files.filter(p -> p.getFileName().toString().contains("__")).findFirst().orElseThrow();
        }
        CrashRecoveryTest.Result ok = run("inspect", "layer", layer.toString());
        assertEquals(0, ok.exitCode(), ok.output());
        assertTrue(ok.output().contains("\"checksums\" : \"ok\""), ok.output());
        assertTrue(ok.output().contains("\"compressed\" : true"), ok.output());
        byte[] bytes = java.nio.file.Files.readAllBytes(layer);
        bytes[10] ^= 0x01;
        java.nio.file.Files.write(layer, bytes);
        CrashRecoveryTest.Result corrupt = run("inspect", "layer", layer.toString());
        assertEquals(1, corrupt.exitCode(), corrupt.output());
        assertTrue(corrupt.output().contains(layer.getFileName().toString()), corrupt.output());
        assertTrue(corrupt.output().contains("offset"), corrupt.output());
    }
}

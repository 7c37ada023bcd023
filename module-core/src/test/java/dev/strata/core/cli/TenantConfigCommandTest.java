package dev.strata.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.TenantId;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.http.NodeServer;
import dev.strata.core.tenant.EngineOptions;
import dev.strata.core.tenant.LocalEngine;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code strata tenant config get|set} against a running node. */
final class TenantConfigCommandTest {
    @TempDir Path workdir;

    @Test
    void setPrintsTheNewOverridesAndBadInputExitsWithTwo() throws Exception {
        TenantId tenant = TenantId.random();
        try (LocalEngine engine = LocalEngine.open(workdir, EngineOptions.DEFAULT);
             NodeServer server = NodeServer.start(engine, Failpoints.disabled(), 1, "127.0.0.1", 0, 1 << 20, null)) {
            String url = "http://127.0.0.1:" + server.port();
            engine.createTenant(tenant, dev.strata.api.Generation.of(1));

            CrashRecoveryTest.Result set = run("tenant", "config", "set", "--server", url, "--tenant", tenant.hex(),
                    "checkpoint_distance=65536", "compress=true", "pitr_interval=2h");
            assertEquals(0, set.exitCode(), set.output());
            assertTrue(set.output().contains("overrides {\"checkpoint_distance\":65536,\"compress\":true,\"pitr_interval\":\"2h\"}"),
                    set.output());

            CrashRecoveryTest.Result unset = run("tenant", "config", "set", "--server", url, "--tenant", tenant.hex(),
                    "compress=null");
            assertEquals(0, unset.exitCode(), unset.output());
            CrashRecoveryTest.Result get = run("tenant", "config", "get", "--server", url, "--tenant", tenant.hex());
            assertEquals(0, get.exitCode(), get.output());
            assertTrue(get.output().contains("overrides {\"checkpoint_distance\":65536,\"pitr_interval\":\"2h\"}"), get.output());
            assertTrue(get.output().contains("\"compress\":false"), "the effective value is the default again: " + get.output());

            CrashRecoveryTest.Result bad = run("tenant", "config", "set", "--server", url, "--tenant", tenant.hex(),
                    "gc_horizon=lots");
            assertEquals(2, bad.exitCode(), bad.output());
            assertTrue(bad.output().contains("gc_horizon") && bad.output().contains("lots"), bad.output());
            CrashRecoveryTest.Result malformed = run("tenant", "config", "set", "--server", url, "--tenant", tenant.hex(),
                    "gc_horizon");
            assertEquals(2, malformed.exitCode(), malformed.output());
            assertTrue(malformed.output().contains("KEY=VALUE"), malformed.output());
        }
    }

    private static CrashRecoveryTest.Result run(String... arguments) {
        return CrashRecoveryTest.run(List.of(arguments), List.of(), List.of());
    }
}

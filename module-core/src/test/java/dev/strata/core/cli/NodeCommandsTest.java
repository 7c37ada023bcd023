package dev.strata.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.http.NodeServer;
import dev.strata.core.tenant.EngineOptions;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.testing.LocalBucket;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands that talk to a running node, in-process against two nodes sharing a bucket: a tenant written on
 * one is detached there and attached on the other under a newer generation, with the same pages on both branches.
 */
final class NodeCommandsTest {
    private static final String USERS = "rel:1663/5/16384/0/0";
    private static final String ORDERS = "rel:1663/5/16385/0/0";

    @TempDir Path root;
    private LocalBucket bucket;
    private LocalEngine engineA;
    private LocalEngine engineB;
    private NodeServer nodeA;
    private NodeServer nodeB;
    private final String tenant = TenantId.random().hex();
    private final String main = TimelineId.random().hex();
    private final String feature = TimelineId.random().hex();

    @BeforeEach
    void start() throws IOException {
        bucket = new LocalBucket(root.resolve("bucket"), 1);
        engineA = LocalEngine.open(root.resolve("node-a"), EngineOptions.DEFAULT.withRemote(bucket.resources()));
        nodeA = NodeServer.start(engineA, Failpoints.disabled(), 1, "127.0.0.1", 0, 1 << 20, null);
        engineB = LocalEngine.open(root.resolve("node-b"), EngineOptions.DEFAULT.withRemote(bucket.resources()));
        nodeB = NodeServer.start(engineB, Failpoints.disabled(), 2, "127.0.0.1", 0, 1 << 20, null);
    }

    @AfterEach
    void stop() throws IOException {
        nodeB.close();
        engineB.close();
        nodeA.close();
        engineA.close();
        bucket.close();
    }

    private static String url(NodeServer node) {
        return "http://127.0.0.1:" + node.port();
    }

    private static CrashRecoveryTest.Result run(String... arguments) {
        return CrashRecoveryTest.run(List.of(arguments), List.of(), List.of());
    }

    private static CrashRecoveryTest.Result succeed(String... arguments) {
        CrashRecoveryTest.Result result = run(arguments);
        assertEquals(0, result.exitCode(), String.join(" ", arguments) + ":\n" + result.output());
        return result;
    }

    /** On node A: a tenant (generation 1), a main timeline and a branch with writes on both. */
    private void writeOnNodeA() {
        String a = url(nodeA);
        assertEquals("tenant " + tenant + " Active generation 1",
                succeed("tenant", "create", "--server", a, "--tenant", tenant).output().trim());
        succeed("timeline", "create", "--server", a, "--tenant", tenant, "--timeline", main);
        succeed("put", "--server", a, "--tenant", tenant, "--timeline", main, "--key", USERS, "--text", "users: alice");
        succeed("put", "--server", a, "--tenant", tenant, "--timeline", main, "--key", ORDERS, "--text", "orders: none");
        succeed("timeline", "branch", "--server", a, "--tenant", tenant, "--from", main, "--timeline", feature);
        succeed("put", "--server", a, "--tenant", tenant, "--timeline", feature, "--key", ORDERS, "--text", "orders: #1 carol");
        succeed("put", "--server", a, "--tenant", tenant, "--timeline", main, "--key", USERS, "--append", ", bob");
    }

    private static String get(NodeServer node, String tenant, String timeline, String key) {
        return succeed("get", "--server", url(node), "--tenant", tenant, "--timeline", timeline, "--key", key).output().trim();
    }

    @Test
    void detachOnOneNodeAndAttachOnAnotherServesTheSamePages() {
        writeOnNodeA();
        assertEquals("tenant " + tenant + " Detached",
                succeed("tenant", "detach", "--server", url(nodeA), "--tenant", tenant).output().trim());
        assertEquals("", succeed("tenant", "list", "--server", url(nodeA)).output().trim(), "node A holds no tenant any more");

        CrashRecoveryTest.Result attached = succeed("tenant", "attach", "--server", url(nodeB), "--tenant", tenant,
                "--generation", "2");
        assertEquals("tenant " + tenant + " AttachedSingle generation 2 timelines=2", attached.output().trim());
        assertEquals("users: alice, bob", get(nodeB, tenant, main, USERS));
        assertEquals("orders: none", get(nodeB, tenant, main, ORDERS));
        assertEquals("users: alice", get(nodeB, tenant, feature, USERS));
        assertEquals("orders: #1 carol", get(nodeB, tenant, feature, ORDERS));

        assertEquals(attached.output(), succeed("tenant", "attach", "--server", url(nodeB), "--tenant", tenant,
                "--generation", "2").output(), "the same attach again changes nothing");
        assertEquals("tenant " + tenant + " AttachedMulti generation 2 timelines=2", succeed("tenant", "attach", "--server",
                url(nodeB), "--tenant", tenant, "--generation", "2", "--mode", "AttachedMulti").output().trim());
    }

    @Test
    void anOlderGenerationIsRefusedNamingIt() {
        writeOnNodeA();
        CrashRecoveryTest.Result older = run("tenant", "attach", "--server", url(nodeA), "--tenant", tenant, "--generation", "0");
        assertEquals(1, older.exitCode(), older.output());
        assertTrue(older.output().contains("409") && older.output().contains("generation"), older.output());
        assertEquals("users: alice, bob", get(nodeA, tenant, main, USERS), "a refused attach leaves the tenant as it was");
    }

    @Test
    void badArgumentsExitTwoNamingThem() {
        CrashRecoveryTest.Result detachedMode = run("tenant", "attach", "--server", url(nodeA), "--tenant", tenant,
                "--generation", "2", "--mode", "Detached");
        assertEquals(2, detachedMode.exitCode(), detachedMode.output());
        assertTrue(detachedMode.output().contains("--mode 'Detached'"), detachedMode.output());
        assertTrue(detachedMode.output().contains("Usage"), detachedMode.output());

        CrashRecoveryTest.Result noGeneration = run("tenant", "attach", "--server", url(nodeA), "--tenant", tenant);
        assertEquals(2, noGeneration.exitCode(), noGeneration.output());
        assertTrue(noGeneration.output().contains("--generation"), noGeneration.output());

        CrashRecoveryTest.Result tooLarge = run("tenant", "attach", "--server", url(nodeA), "--tenant", tenant,
                "--generation", "4294967296");
        assertEquals(2, tooLarge.exitCode(), "the node answers 400: " + tooLarge.output());
        assertTrue(tooLarge.output().contains("4294967296"), tooLarge.output());

        CrashRecoveryTest.Result badTenant = run("tenant", "detach", "--server", url(nodeA), "--tenant", "xyz");
        assertEquals(2, badTenant.exitCode(), badTenant.output());
        assertTrue(badTenant.output().contains("xyz"), badTenant.output());
    }
}

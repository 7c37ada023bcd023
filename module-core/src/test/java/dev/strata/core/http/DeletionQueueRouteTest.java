package dev.strata.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.api.Generation;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.controlplane.ControlPlane;
import dev.strata.api.controlplane.ControlPlaneProvider;
import dev.strata.api.deletion.DeletionExecutor;
import dev.strata.api.deletion.DeletionExecutorProvider;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.core.config.ControlPlaneConfig;
import dev.strata.core.config.NodeConfig;
import dev.strata.core.controlplane.EmergencyMode;
import dev.strata.core.deletion.DeletionQueueSettings;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.metrics.NodeMetrics;
import dev.strata.core.plugin.ControlPlaneProviders;
import dev.strata.core.tenant.ControlPlaneSetup;
import dev.strata.core.tenant.EngineOptions;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.testing.LocalBucket;
import dev.strata.core.testing.RandomSeed;
import dev.strata.core.testing.TestControlPlaneServer;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node configured as {@code strata.toml} says, with the http control plane against a small control plane
 * server: emergency mode shows in {@code GET /v1/status} and the metrics, and
 * {@code PUT /v1/deletion_queue/flush?execute=true} drains the queue once the control plane is back.
 */
final class DeletionQueueRouteTest {
    @RegisterExtension
    static final RandomSeed SEED = new RandomSeed();
    private static final TenantId TENANT = TenantId.parse("0123456789abcdef0123456789abcdef");
    private static final TimelineId MAIN = TimelineId.parse("11111111111111111111111111111111");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path workdir;

    private static int request(NodeServer server, String method, String path, StringBuilder body) throws IOException {
        HttpURLConnection connection = (HttpURLConnection)
                URI.create("http://127.0.0.1:" + server.port() + path).toURL().openConnection();
        connection.setRequestMethod(method);
        int status = connection.getResponseCode();
        try (var in = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
            body.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        return status;
    }

    @Test
    void emergencyModeIsVisibleAndTheFlushRouteDrainsTheQueueOnceTheControlPlaneAnswers(Random random) throws Exception {
        try (TestControlPlaneServer controlPlaneServer = new TestControlPlaneServer("t0ken");
             LocalBucket bucket = new LocalBucket(workdir.resolve("bucket"), random.nextLong())) {
            Files.writeString(workdir.resolve("token"), "t0ken");
            Files.writeString(workdir.resolve(NodeConfig.FILE), """
                    [control_plane]
                    provider = "http"
                    url = "%s"
                    token_file = "token"
                    request_timeout = "1s"
                    emergency_mode = "after:300ms"

                    [deletion]
                    executor = "trash"
                    trash_retention = "P3D"
                    """.formatted(controlPlaneServer.base()));
            ControlPlaneConfig section = NodeConfig.load(workdir).controlPlane();
            assertEquals(new EmergencyMode.After(Duration.ofMillis(300)), section.emergencyMode());
            assertEquals("trash", section.executor());
            controlPlaneServer.down(true);

            ControlPlaneProvider provider = ControlPlaneProviders.builtIn().controlPlane(section.provider());
            ControlPlane controlPlane = provider.create(ProviderConfig.parse("control_plane", section.settings(),
                    provider.configKeys()), workdir);
            DeletionExecutorProvider executorProvider = ControlPlaneProviders.builtIn().deletionExecutor(section.executor());
            DeletionExecutor executor = executorProvider.create(ProviderConfig.parse("deletion", section.executorSettings(),
                    executorProvider.configKeys()), bucket.faults());
            NodeMetrics metrics = new NodeMetrics();
            try (LocalEngine engine = LocalEngine.open(workdir.resolve("node"), EngineOptions.DEFAULT.withRemote(bucket.resources())
                            .withBackgroundCompaction(false).withFailpoints(Failpoints.create()), metrics,
                    new ControlPlaneSetup(controlPlane, 5, section.emergencyMode(), executor,
                            new DeletionQueueSettings(64, Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofHours(1))));
                 NodeServer server = NodeServer.start(engine, Failpoints.create(), 5, "127.0.0.1", 0, 4 << 20, null)) {
                engine.closeAfterwards(controlPlane);
                StringBuilder status = new StringBuilder();
                assertEquals(200, request(server, "GET", "/v1/status", status));
                assertTrue(JSON.readTree(status.toString()).get("emergency_mode").asBoolean(), status.toString());
                assertEquals(1, ((Number) metrics.registry().getGauges().get("strata.emergency_mode").getValue()).intValue());

                engine.createTenant(TENANT, Generation.of(1));
                controlPlaneServer.set(TENANT.hex(), 1, "AttachedSingle");
                engine.createTimeline(TENANT, MAIN);
                // An object no index references any more, handed over as a remote client does.
                String replaced = bucket.layout().timelinePrefix(TENANT, MAIN) + "replaced-layer-00000001";
                bucket.faults().put(replaced, new java.io.ByteArrayInputStream(new byte[8]), 8,
                        dev.strata.api.remote.PutOptions.DEFAULT, dev.strata.api.remote.CallContext.NONE);
                engine.deletionQueue().orElseThrow().delete(TENANT, MAIN, Generation.of(1), List.of(replaced));

                StringBuilder refused = new StringBuilder();
                assertEquals(503, request(server, "PUT", "/v1/deletion_queue/flush?execute=true&timeout_ms=300", refused));
                assertTrue(bucket.keys("trash/").isEmpty(), "nothing moved to the trash in emergency mode");

                controlPlaneServer.down(false);
                StringBuilder drained = new StringBuilder();
                assertEquals(200, request(server, "PUT", "/v1/deletion_queue/flush?execute=true", drained), drained.toString());
                JsonNode after = JSON.readTree(drained.toString());
                assertEquals(0, after.get("pending").asLong());
                assertEquals(List.of("trash/" + java.time.LocalDate.now(java.time.ZoneOffset.UTC) + "/" + replaced),
                        bucket.keys("trash/"), "the validated deletion moved the object to the trash");
                assertFalse(bucket.keys(bucket.layout().timelinePrefix(TENANT, MAIN)).contains(replaced));
                StringBuilder later = new StringBuilder();
                request(server, "GET", "/v1/status", later);
                assertFalse(JSON.readTree(later.toString()).get("emergency_mode").asBoolean());
            }
        }
    }
}

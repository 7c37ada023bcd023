package dev.strata.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.api.TenantId;
import dev.strata.controller.cli.ControllerMain;
import dev.strata.controller.testing.ControllerHttp;
import dev.strata.controller.testing.LocalNodes;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The controller's HTTP API as nodes and operators see it: exact JSON, errors, authentication, the CLI. */
class ControllerApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "s3cr3t-shared-token";

    @TempDir Path directory;
    private LocalNodes nodes;
    private LocalNodes.Node node;
    private Controller controller;
    private ControllerHttp http;

    @BeforeEach
    void start() throws Exception {
        nodes = new LocalNodes(directory);
        node = nodes.start(1);
        Path tokenFile = Files.writeString(directory.resolve("controller.token"), TOKEN + "\n");
        controller = Controller.start(ControllerConfig.defaults(
                ControllerConfig.DatabaseConfig.embedded(directory.resolve("controller-db"))).withTokenFile(tokenFile));
        http = new ControllerHttp(controller.port(), TOKEN);
    }

    @AfterEach
    void stop() throws Exception {
        http.close();
        controller.close();
        nodes.close();
    }

    @Test
    void reAttachAndValidateSpeakTheFormatsJson() throws Exception {
        ControllerHttp.Answer unknown = http.post("/upcall/v1/re-attach", "{\"node_id\":1,\"empty_local_disk\":false}");
        assertEquals(404, unknown.status(), "a node that never registered must say where it is");
        assertTrue(unknown.body().path("msg").asText().contains("node 1"), unknown.body().toString());

        ControllerHttp.Answer registered = http.post("/upcall/v1/re-attach",
                "{\"node_id\":1,\"register\":{\"address\":\"" + node.address() + "\"},\"empty_local_disk\":true}");
        assertEquals(200, registered.status());
        assertEquals(JSON.readTree("{\"tenants\":[]}"), registered.body());

        TenantId tenant = TenantId.random();
        ControllerHttp.Answer created = http.post("/control/v1/tenant", "{\"tenant_id\":\"" + tenant.hex() + "\"}");
        assertEquals(201, created.status(), created.body().toString());
        assertEquals(JSON.readTree("{\"tenant_id\":\"" + tenant.hex() + "\",\"generation\":1,\"attached_node\":1,"
                + "\"placements\":[{\"node_id\":1,\"mode\":\"AttachedSingle\",\"generation\":1}],\"migration\":null}"), created.body());
        assertEquals("AttachedSingle", node.engine().tenantConfig(tenant).mode(), "the node was told through location_config");

        ControllerHttp.Answer reAttached = http.post("/upcall/v1/re-attach", "{\"node_id\":1}");
        assertEquals(JSON.readTree("{\"tenants\":[{\"id\":\"" + tenant.hex() + "\",\"gen\":2,\"mode\":\"AttachedSingle\"}]}"),
                reAttached.body());

        TenantId absent = TenantId.random();
        ControllerHttp.Answer validated = http.post("/upcall/v1/validate", "{\"tenants\":[{\"id\":\"" + tenant.hex()
                + "\",\"gen\":2},{\"id\":\"" + absent.hex() + "\",\"gen\":1}]}");
        assertEquals(200, validated.status());
        assertEquals(JSON.readTree("{\"tenants\":[{\"id\":\"" + tenant.hex() + "\",\"valid\":true},{\"id\":\""
                + absent.hex() + "\",\"valid\":false}]}"), validated.body());
        ControllerHttp.Answer stale = http.post("/upcall/v1/validate", "{\"tenants\":[{\"id\":\"" + tenant.hex() + "\",\"gen\":1}]}");
        assertEquals(JSON.readTree("{\"tenants\":[{\"id\":\"" + tenant.hex() + "\",\"valid\":false}]}"), stale.body());
    }

    @Test
    void validateRefusesMoreThan128TenantsAndBadInput() throws Exception {
        String entries = IntStream.range(0, 129).mapToObj(i -> "{\"id\":\"" + TenantId.random().hex() + "\",\"gen\":1}")
                .collect(Collectors.joining(","));
        ControllerHttp.Answer tooMany = http.post("/upcall/v1/validate", "{\"tenants\":[" + entries + "]}");
        assertEquals(400, tooMany.status());
        assertTrue(tooMany.body().path("msg").asText().contains("128"), tooMany.body().toString());
        String limit = IntStream.range(0, 128).mapToObj(i -> "{\"id\":\"" + TenantId.random().hex() + "\",\"gen\":1}")
                .collect(Collectors.joining(","));
        ControllerHttp.Answer allowed = http.post("/upcall/v1/validate", "{\"tenants\":[" + limit + "]}");
        assertEquals(200, allowed.status());
        assertEquals(128, allowed.body().path("tenants").size());

        assertEquals(400, http.post("/upcall/v1/validate", "{\"tenants\":[{\"id\":\"xyz\",\"gen\":1}]}").status());
        assertEquals(400, http.post("/upcall/v1/validate", "{\"tenants\":[{\"id\":\"" + TenantId.random().hex() + "\"}]}").status());
        assertEquals(400, http.post("/upcall/v1/validate", "not json").status());
        assertEquals(400, http.post("/upcall/v1/re-attach", "{\"node_id\":-1}").status());
    }

    @Test
    void everyRequestNeedsTheBearerToken() throws Exception {
        try (ControllerHttp anonymous = new ControllerHttp(controller.port(), null);
             ControllerHttp wrong = new ControllerHttp(controller.port(), "not-" + TOKEN)) {
            ControllerHttp.Answer refused = anonymous.post("/upcall/v1/validate", "{\"tenants\":[]}");
            assertEquals(401, refused.status());
            assertTrue(refused.body().has("msg"));
            assertEquals(401, wrong.get("/control/v1/tenant").status());
        }
        assertEquals(200, http.get("/control/v1/tenant").status());
    }

    @Test
    void commandLineRegistersNodesAndListsTenants() throws Exception {
        Path tokenFile = directory.resolve("controller.token");
        String server = "http://127.0.0.1:" + controller.port();
        assertEquals(0, ControllerMain.run("register-node", "--server", server, "--token-file", tokenFile.toString(),
                "--node-id", "1", "--address", node.address().toString()));
        TenantId tenant = TenantId.random();
        assertEquals(201, http.post("/control/v1/tenant", "{\"tenant_id\":\"" + tenant.hex() + "\"}").status());
        String listed = captureOut(() -> ControllerMain.run("tenants", "--server", server, "--token-file", tokenFile.toString()));
        assertTrue(listed.contains(tenant.hex()), listed);
        assertEquals(1, ControllerMain.run("tenants", "--server", server), "no token: refused");
        assertEquals(1, ControllerMain.run("migrate", "--server", server, "--token-file", tokenFile.toString(),
                "--tenant", tenant.hex(), "--to-node", "1"), "already there: a conflict");
    }

    private static String captureOut(Runnable action) {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setOut(original);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }
}

package dev.strata.core.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Generation;
import dev.strata.api.TenantId;
import dev.strata.api.controlplane.ControlPlane;
import dev.strata.api.controlplane.ControlPlaneException;
import dev.strata.api.controlplane.ControlPlaneProvider;
import dev.strata.api.controlplane.TenantAttachment;
import dev.strata.api.controlplane.TenantGeneration;
import dev.strata.api.controlplane.TenantMode;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.Cancellation;
import dev.strata.api.remote.Deadline;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.core.testing.TestControlPlaneServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built-in control plane providers: found through ServiceLoader, configured by keys, speaking their protocols. */
final class ControlPlaneProvidersTest {
    private static final TenantId A = TenantId.parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    private static final TenantId B = TenantId.parse("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");

    @TempDir
    Path workdir;

    private static ControlPlaneProvider provider(String name) {
        return ServiceLoader.load(ControlPlaneProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(candidate -> candidate.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no control plane provider " + name));
    }

    private static CallContext within(Duration timeout) {
        return new CallContext(Cancellation.NEVER, Deadline.after(timeout));
    }

    @Test
    void theLocalControlPlaneBumpsGenerationsOnEveryReAttachAndValidatesFromItsFile() throws IOException {
        ControlPlaneProvider local = provider("local");
        ProviderConfig config = ProviderConfig.parse("control_plane", Map.of(), local.configKeys());
        try (ControlPlane first = local.create(config, workdir)) {
            assertEquals(List.of(), first.reAttach(1, true, CallContext.NONE));
            Map<TenantGeneration, Boolean> answers = first.validate(List.of(new TenantGeneration(A, Generation.of(3))), CallContext.NONE);
            assertTrue(answers.get(new TenantGeneration(A, Generation.of(3))), "a new tenant is learnt at its generation");
        }
        try (ControlPlane second = local.create(config, workdir)) {
            assertEquals(List.of(new TenantAttachment(A, Generation.of(4), TenantMode.ATTACHED_SINGLE)),
                    second.reAttach(1, false, CallContext.NONE));
            Map<TenantGeneration, Boolean> answers = second.validate(List.of(new TenantGeneration(A, Generation.of(3)),
                    new TenantGeneration(B, Generation.of(1))), CallContext.NONE);
            assertFalse(answers.get(new TenantGeneration(A, Generation.of(3))), "the generation before the restart is stale");
            assertTrue(answers.get(new TenantGeneration(B, Generation.of(1))));
        }
        assertTrue(Files.exists(workdir.resolve("control-plane-v1.json")));
        Files.writeString(workdir.resolve("control-plane-v1.json"), "{\"tenants\":{\"x\":");
        assertThrows(ControlPlaneException.Rejected.class, () -> local.create(config, workdir));
    }

    @Test
    void theLocalControlPlaneRecordsSecondaryTenantsAndStartsAgainWithThem() throws IOException {
        ControlPlaneProvider local = provider("local");
        ProviderConfig config = ProviderConfig.parse("control_plane", Map.of(), local.configKeys());
        try (ControlPlane first = local.create(config, workdir)) {
            first.attachedLocally(new TenantAttachment(A, Generation.of(5), TenantMode.ATTACHED_SINGLE));
            first.attachedLocally(new TenantAttachment(A, Generation.NONE, TenantMode.SECONDARY));
            first.attachedLocally(new TenantAttachment(B, Generation.NONE, TenantMode.SECONDARY));
        }
        try (ControlPlane second = local.create(config, workdir)) {
            List<TenantAttachment> attachments = second.reAttach(1, false, CallContext.NONE);
            assertEquals(List.of(new TenantAttachment(A, Generation.of(6), TenantMode.SECONDARY),
                    new TenantAttachment(B, Generation.of(0), TenantMode.SECONDARY)), attachments,
                    "a Secondary keeps the last generation issued, so none is issued twice");
        }
    }

    @Test
    void theHttpControlPlaneSpeaksReAttachAndValidateWithABearerToken() throws IOException {
        Files.writeString(workdir.resolve("token"), "secret-token\n");
        try (TestControlPlaneServer server = new TestControlPlaneServer("secret-token")
                .set(A.hex(), 6, "AttachedSingle").set(B.hex(), 2, "Secondary")) {
            ControlPlaneProvider http = provider("http");
            ProviderConfig config = ProviderConfig.parse("control_plane",
                    Map.of("url", server.base().toString(), "token_file", "token"), http.configKeys());
            assertFalse(config.toString().contains("secret-token"));
            try (ControlPlane controlPlane = http.create(config, workdir)) {
                List<TenantAttachment> attachments = controlPlane.reAttach(1, false, within(Duration.ofSeconds(5)));
                assertTrue(attachments.contains(new TenantAttachment(A, Generation.of(7), TenantMode.ATTACHED_SINGLE)), attachments.toString());
                assertTrue(attachments.contains(new TenantAttachment(B, Generation.NONE, TenantMode.SECONDARY))
                        || attachments.stream().anyMatch(a -> a.tenant().equals(B) && a.mode() == TenantMode.SECONDARY));
                TenantId unknown = TenantId.parse("cccccccccccccccccccccccccccccccc");
                Map<TenantGeneration, Boolean> answers = controlPlane.validate(List.of(new TenantGeneration(A, Generation.of(7)),
                        new TenantGeneration(B, Generation.of(2)), new TenantGeneration(unknown, Generation.of(1))),
                        within(Duration.ofSeconds(5)));
                assertEquals(Map.of(new TenantGeneration(A, Generation.of(7)), true, new TenantGeneration(B, Generation.of(2)), false,
                        new TenantGeneration(unknown, Generation.of(1)), false), answers);

                server.down(true);
                int before = server.requests();
                assertThrows(ControlPlaneException.Unavailable.class,
                        () -> controlPlane.validate(List.of(new TenantGeneration(A, Generation.of(7))), within(Duration.ofMillis(400))));
                assertTrue(server.requests() - before >= 2, "a 503 is retried until the deadline");
            }
            ProviderConfig wrongToken = ProviderConfig.parse("control_plane", Map.of("url", server.base().toString()), http.configKeys());
            server.down(false);
            try (ControlPlane controlPlane = http.create(wrongToken, workdir)) {
                assertThrows(ControlPlaneException.Rejected.class, () -> controlPlane.reAttach(1, false, within(Duration.ofSeconds(5))));
            }
        }
    }
}

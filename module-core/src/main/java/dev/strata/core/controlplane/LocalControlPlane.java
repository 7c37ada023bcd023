package dev.strata.core.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.api.Generation;
import dev.strata.api.TenantId;
import dev.strata.api.controlplane.ControlPlane;
import dev.strata.api.controlplane.ControlPlaneException;
import dev.strata.api.controlplane.TenantAttachment;
import dev.strata.api.controlplane.TenantGeneration;
import dev.strata.api.controlplane.TenantMode;
import dev.strata.api.remote.CallContext;
import dev.strata.core.io.DurableFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The {@code local} control plane of a single node: the authority is a generations file in the work directory
 * ({@code {"version":1,"tenants":{"<tenant>":{"gen":7,"mode":"AttachedSingle"}}}}, written crash-safely).
 *
 * <p>{@link #reAttach} bumps every known tenant's generation (so every start writes under a new one) and
 * returns them. {@link #validate} learns tenants: a tenant it has not seen, or seen at an older generation, is
 * recorded at the asked generation and valid; an older generation than the recorded one is invalid. So a
 * location change to a newer generation on this node makes the older generation's held deletions stale.
 */
final class LocalControlPlane implements ControlPlane {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private final Map<TenantId, TenantAttachment> tenants = new TreeMap<>();

    private LocalControlPlane(Path file) {
        this.file = file;
    }

    /** Reads {@code file} (absent: no tenants). */
    static LocalControlPlane open(Path file) throws ControlPlaneException {
        LocalControlPlane controlPlane = new LocalControlPlane(Objects.requireNonNull(file, "file is null"));
        try {
            JsonNode root = JSON.readTree(Files.readAllBytes(file));
            JsonNode tenantsNode = root == null ? null : root.get("tenants");
            if (tenantsNode == null || !tenantsNode.isObject()) {
                throw new IOException("'tenants' is missing or not an object");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = tenantsNode.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                JsonNode generation = entry.getValue().get("gen");
                JsonNode mode = entry.getValue().get("mode");
                TenantMode parsedMode = mode == null ? TenantMode.ATTACHED_SINGLE : TenantMode.parse(mode.asText());
                Generation parsed = Generation.NONE;
                // A Secondary that was never attached here has no generation.
                if (generation != null || parsedMode.attached()) {
                    if (generation == null || !generation.canConvertToExactIntegral() || generation.asLong() < 0
                            || generation.asLong() > 0xFFFF_FFFFL) {
                        throw new IOException("tenant " + entry.getKey() + ": 'gen' = " + generation + " is not a generation");
                    }
                    parsed = Generation.of(generation.asLong());
                }
                TenantId tenant = TenantId.parse(entry.getKey());
                controlPlane.tenants.put(tenant, new TenantAttachment(tenant, parsed, parsedMode));
            }
        } catch (NoSuchFileException e) {
            // No tenant yet.
        } catch (IOException | IllegalArgumentException e) {
            throw new ControlPlaneException.Rejected("generations file " + file + " is unreadable: " + e.getMessage(), e);
        }
        return controlPlane;
    }

    @Override
    public synchronized List<TenantAttachment> reAttach(long nodeId, boolean emptyLocalDisk, CallContext context)
            throws ControlPlaneException {
        Map<TenantId, TenantAttachment> bumped = new TreeMap<>();
        tenants.forEach((tenant, attachment) -> bumped.put(tenant,
                new TenantAttachment(tenant, attachment.generation().next(), attachment.mode())));
        write(bumped);
        tenants.clear();
        tenants.putAll(bumped);
        return new ArrayList<>(bumped.values());
    }

    @Override
    public synchronized Map<TenantGeneration, Boolean> validate(List<TenantGeneration> pairs, CallContext context)
            throws ControlPlaneException {
        if (pairs.size() > MAX_VALIDATE_BATCH) {
            throw new IllegalArgumentException("validate takes at most " + MAX_VALIDATE_BATCH + " tenants, got " + pairs.size());
        }
        Map<TenantGeneration, Boolean> answers = new LinkedHashMap<>();
        Map<TenantId, TenantAttachment> updated = new TreeMap<>(tenants);
        for (TenantGeneration pair : pairs) {
            TenantAttachment known = updated.get(pair.tenant());
            int order = known == null ? 1 : pair.generation().compareTo(known.generation());
            if (order > 0) {
                updated.put(pair.tenant(), new TenantAttachment(pair.tenant(), pair.generation(),
                        known == null ? TenantMode.ATTACHED_SINGLE : known.mode()));
            }
            answers.put(pair, order >= 0);
        }
        if (!updated.equals(tenants)) {
            write(updated);
            tenants.clear();
            tenants.putAll(updated);
        }
        return answers;
    }

    /** Records the tenant at the attachment's generation (never lowering a recorded one), or forgets a detached one. */
    @Override
    public synchronized void attachedLocally(TenantAttachment attachment) throws ControlPlaneException {
        Map<TenantId, TenantAttachment> updated = new TreeMap<>(tenants);
        TenantAttachment known = updated.get(attachment.tenant());
        if (known != null && attachment.mode().attached() && attachment.generation().compareTo(known.generation()) < 0) {
            return;
        }
        if (!attachment.mode().attached() && known != null) {
            // A Secondary holds no generation; the last one issued stays recorded, so none is ever issued twice.
            attachment = new TenantAttachment(attachment.tenant(), known.generation(), attachment.mode());
        }
        updated.put(attachment.tenant(), attachment);
        if (!updated.equals(tenants)) {
            write(updated);
            tenants.clear();
            tenants.putAll(updated);
        }
    }

    private void write(Map<TenantId, TenantAttachment> content) throws ControlPlaneException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", 1);
        ObjectNode tenantsNode = root.putObject("tenants");
        content.forEach((tenant, attachment) -> {
            ObjectNode entry = tenantsNode.putObject(tenant.hex());
            if (!attachment.generation().isNone()) {
                entry.put("gen", attachment.generation().value());
            }
            entry.put("mode", attachment.mode().wireName());
        });
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            DurableFiles.writeAtomically(file, root.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ControlPlaneException.Unavailable("cannot write generations file " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "local control plane (" + file + ")";
    }
}

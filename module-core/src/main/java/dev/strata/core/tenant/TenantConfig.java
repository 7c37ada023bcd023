package dev.strata.core.tenant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.strata.api.Generation;
import dev.strata.core.io.DurableFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A tenant's {@code config-v1} (TOML): its attachment mode, its generation and its overrides of the node's
 * {@code [tenant_defaults]} (a {@code [tenant_conf]} table, absent when there are none). Written crash-safely;
 * unknown keys, in the file and in {@code [tenant_conf]}, are ignored on read so an older release can read what
 * a newer one wrote.
 *
 * <pre>
 * mode = "AttachedSingle"
 * generation = 3
 *
 * [tenant_conf]
 * checkpoint_distance = 1048576
 * pitr_interval = "1d"
 * </pre>
 */
public record TenantConfig(String mode, Generation generation, TenantOverrides overrides) {
    static final String FILE = "config-v1";
    private static final String TENANT_CONF = "tenant_conf";
    private static final TomlMapper TOML = new TomlMapper();

    public TenantConfig {
        Objects.requireNonNull(mode, "mode is null");
        Objects.requireNonNull(generation, "generation is null");
        Objects.requireNonNull(overrides, "overrides is null");
    }

    /** A config without overrides. */
    public TenantConfig(String mode, Generation generation) {
        this(mode, generation, TenantOverrides.NONE);
    }

    public static TenantConfig attachedSingle(Generation generation) {
        return new TenantConfig("AttachedSingle", generation);
    }

    /** This config with other overrides. */
    public TenantConfig withOverrides(TenantOverrides next) {
        return new TenantConfig(mode, generation, next);
    }

    /** Reads {@code config-v1} of a tenant directory. */
    public static TenantConfig read(Path tenantDirectory) throws IOException {
        Path file = tenantDirectory.resolve(FILE);
        JsonNode node;
        try {
            node = TOML.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new IOException("cannot read tenant config " + file + ": " + e.getMessage(), e);
        }
        JsonNode mode = node.get("mode");
        if (mode == null || !mode.isTextual()) {
            throw new IOException("tenant config " + file + ": key 'mode' is missing or not a string");
        }
        JsonNode generation = node.get("generation");
        Generation parsed = Generation.NONE;
        if (generation != null) {
            if (!generation.canConvertToExactIntegral() || generation.asLong() < 0 || generation.asLong() > 0xFFFF_FFFFL) {
                throw new IOException("tenant config " + file + ": key 'generation' = " + generation
                        + " is not an unsigned 32-bit integer");
            }
            parsed = Generation.of(generation.asLong());
        }
        TenantOverrides overrides = TenantOverrides.NONE;
        JsonNode table = node.get(TENANT_CONF);
        if (table != null) {
            if (!table.isObject()) {
                throw new IOException("tenant config " + file + ": '" + TENANT_CONF + "' must be a table");
            }
            try {
                overrides = TenantOverrides.readStored(table);
            } catch (IllegalArgumentException e) {
                throw new IOException("tenant config " + file + ": " + e.getMessage(), e);
            }
        }
        return new TenantConfig(mode.asText(), parsed, overrides);
    }

    void write(Path tenantDirectory) throws IOException {
        ObjectNode node = TOML.createObjectNode();
        node.put("mode", mode);
        if (!generation.isNone()) {
            node.put("generation", generation.value());
        }
        if (!overrides.isEmpty()) {
            node.set(TENANT_CONF, overrides.toJson());
        }
        DurableFiles.writeAtomically(tenantDirectory.resolve(FILE), TOML.writeValueAsBytes(node));
    }
}

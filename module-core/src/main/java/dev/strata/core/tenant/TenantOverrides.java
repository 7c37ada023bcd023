package dev.strata.core.tenant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.api.InvalidInputException;
import dev.strata.core.timeline.TimelineSettings;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

/**
 * A tenant's overrides of the node's {@code [tenant_defaults]}: the tenant's effective settings are the
 * defaults with these applied ({@link #applyTo}). Immutable; values are in the canonical types of
 * {@link TenantSetting}.
 */
public record TenantOverrides(Map<TenantSetting, Object> values) {
    public static final TenantOverrides NONE = new TenantOverrides(Map.of());

    public TenantOverrides {
        Objects.requireNonNull(values, "values is null");
        EnumMap<TenantSetting, Object> copy = new EnumMap<>(TenantSetting.class);
        copy.putAll(values);
        values = Collections.unmodifiableMap(copy);
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    /**
     * Applies a JSON merge patch (RFC 7396) of overrides: a key with a value sets that override, a key with
     * {@code null} removes it, keys not named stay.
     *
     * @throws InvalidInputException naming the key (and value) when the patch is not an object, a key is
     *                               unknown or a value has the wrong type
     */
    public TenantOverrides merge(JsonNode patch) {
        if (patch == null || !patch.isObject()) {
            throw new InvalidInputException("tenant config patch", String.valueOf(patch), "expected a JSON object of "
                    + "settings (null removes one); known keys: " + TenantSetting.keys());
        }
        EnumMap<TenantSetting, Object> merged = new EnumMap<>(TenantSetting.class);
        merged.putAll(values);
        for (Iterator<Map.Entry<String, JsonNode>> fields = patch.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            TenantSetting setting = TenantSetting.ofKey(field.getKey());
            if (field.getValue().isNull()) {
                merged.remove(setting);
            } else {
                merged.put(setting, setting.parse(field.getValue()));
            }
        }
        return new TenantOverrides(merged);
    }

    /**
     * Parses a complete set of overrides ({@code tenant_conf} of location_config): unknown keys and bad values
     * are refused, naming them.
     */
    public static TenantOverrides parse(JsonNode object) {
        return NONE.merge(object);
    }

    /**
     * Reads the overrides stored in a tenant's {@code config-v1}: keys this release does not know are ignored,
     * so a rollback can read what a newer release wrote.
     *
     * @throws InvalidInputException naming the key and value when a known key holds a bad value
     */
    static TenantOverrides readStored(JsonNode object) {
        EnumMap<TenantSetting, Object> read = new EnumMap<>(TenantSetting.class);
        for (Iterator<Map.Entry<String, JsonNode>> fields = object.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            TenantSetting.find(field.getKey()).ifPresent(setting -> read.put(setting, setting.parse(field.getValue())));
        }
        return new TenantOverrides(read);
    }

    /**
     * The defaults with every override applied.
     *
     * @throws InvalidInputException naming the key and value the settings refuse (for example a compaction
     *                               threshold below 2)
     */
    public TimelineSettings applyTo(TimelineSettings defaults) {
        TimelineSettings settings = defaults;
        for (Map.Entry<TenantSetting, Object> entry : values.entrySet()) {
            settings = entry.getKey().apply(settings, entry.getValue());
        }
        return settings;
    }

    /** The overrides as a JSON object, keys sorted. */
    public ObjectNode toJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        values.entrySet().stream().sorted(Map.Entry.comparingByKey((a, b) -> a.key().compareTo(b.key())))
                .forEach(entry -> node.set(entry.getKey().key(), entry.getKey().toJson(entry.getValue())));
        return node;
    }
}

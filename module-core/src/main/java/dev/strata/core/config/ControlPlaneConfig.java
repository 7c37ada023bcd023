package dev.strata.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.core.controlplane.EmergencyMode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code [control_plane]} section: which control plane provider to use, what to do when it does not answer
 * at start-up, and the provider's own keys (checked against the provider's {@code configKeys()} when it is
 * built). Also the {@code [deletion]} section's executor choice and keys.
 *
 * @param provider         {@code local} or {@code http} (or a plugin's)
 * @param emergencyMode    {@code emergency_mode}: {@code off} (default), {@code on} or {@code after:<duration>}
 * @param settings         the provider's keys ({@code url}, {@code token_file}, {@code generations_file}, …)
 * @param executor         {@code [deletion] executor}: {@code immediate} (default) or {@code trash}
 * @param executorSettings the executor's keys ({@code trash_prefix}, {@code trash_retention})
 */
public record ControlPlaneConfig(String provider, EmergencyMode emergencyMode, Map<String, String> settings,
                                 String executor, Map<String, String> executorSettings) {
    public static final String SECTION = "control_plane";
    public static final String DELETION_SECTION = "deletion";

    public ControlPlaneConfig {
        Objects.requireNonNull(provider, "provider is null");
        Objects.requireNonNull(emergencyMode, "emergencyMode is null");
        settings = Map.copyOf(settings);
        Objects.requireNonNull(executor, "executor is null");
        executorSettings = Map.copyOf(executorSettings);
    }

    /**
     * Reads the sections; {@code deletion} may be a missing node.
     *
     * @throws ConfigException naming the section and key that is wrong
     */
    static ControlPlaneConfig fromSections(String source, JsonNode section, JsonNode deletion) throws ConfigException {
        Map<String, String> settings = values(source, SECTION, section);
        String provider = settings.remove("provider");
        if (provider == null) {
            throw new ConfigException(source + ": [" + SECTION + "] provider is required (local or http)");
        }
        EmergencyMode emergency;
        try {
            emergency = EmergencyMode.parse(settings.getOrDefault("emergency_mode", "off"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source + ": [" + SECTION + "] " + e.getMessage(), e);
        }
        settings.remove("emergency_mode");
        Map<String, String> executorSettings = deletion.isMissingNode() ? new LinkedHashMap<>()
                : values(source, DELETION_SECTION, deletion);
        String executor = executorSettings.remove("executor");
        return new ControlPlaneConfig(provider, emergency, settings, executor == null ? "immediate" : executor,
                executorSettings);
    }

    private static Map<String, String> values(String source, String name, JsonNode section) throws ConfigException {
        if (!section.isObject()) {
            throw new ConfigException(source + ": [" + name + "] must be a table");
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : section.properties()) {
            if (!entry.getValue().isValueNode()) {
                throw new ConfigException(source + ": [" + name + "] " + entry.getKey() + " must be a string, number or boolean");
            }
            values.put(entry.getKey(), entry.getValue().asText());
        }
        return values;
    }

    @Override
    public String toString() {
        // Settings may name a token file but never hold a token; still, print only their names.
        return "[" + SECTION + "]{provider=" + provider + ", emergency_mode=" + emergencyMode + ", keys="
                + settings.keySet() + ", executor=" + executor + "}";
    }
}

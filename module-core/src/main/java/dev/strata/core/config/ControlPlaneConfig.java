package dev.strata.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.api.Durations;
import dev.strata.core.controlplane.EmergencyMode;
import dev.strata.core.deletion.DeletionQueueSettings;
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
 * @param executorSettings the executor's keys ({@code trash_prefix}, {@code trash_retention}, …)
 * @param queue            the deletion queue's own {@code [deletion]} keys ({@code max_keys_per_list},
 *                         {@code idle_interval}, {@code max_retry_delay}, {@code maintain_interval},
 *                         {@code validation_batch_size}, {@code executor_batch_size}), defaults where absent
 */
public record ControlPlaneConfig(String provider, EmergencyMode emergencyMode, Map<String, String> settings,
                                 String executor, Map<String, String> executorSettings, DeletionQueueSettings queue) {
    public static final String SECTION = "control_plane";
    public static final String DELETION_SECTION = "deletion";

    public ControlPlaneConfig {
        Objects.requireNonNull(provider, "provider is null");
        Objects.requireNonNull(emergencyMode, "emergencyMode is null");
        settings = Map.copyOf(settings);
        Objects.requireNonNull(executor, "executor is null");
        executorSettings = Map.copyOf(executorSettings);
        Objects.requireNonNull(queue, "queue is null");
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
        DeletionQueueSettings queue = queueSettings(source, executorSettings);
        return new ControlPlaneConfig(provider, emergency, settings, executor == null ? "immediate" : executor,
                executorSettings, queue);
    }

    /** Takes the queue's keys out of {@code deletion} (the rest belongs to the executor) and checks them. */
    private static DeletionQueueSettings queueSettings(String source, Map<String, String> deletion) throws ConfigException {
        DeletionQueueSettings d = DeletionQueueSettings.DEFAULT;
        try {
            return new DeletionQueueSettings(
                    integer(source, deletion, "max_keys_per_list", d.maxKeysPerList()),
                    duration(source, deletion, "idle_interval", d.idleInterval()),
                    duration(source, deletion, "max_retry_delay", d.maxRetryDelay()),
                    duration(source, deletion, "maintain_interval", d.maintainInterval()),
                    integer(source, deletion, "validation_batch_size", d.validationBatchSize()),
                    integer(source, deletion, "executor_batch_size", d.executorBatchSize()));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source + ": [" + DELETION_SECTION + "] " + e.getMessage(), e);
        }
    }

    private static int integer(String source, Map<String, String> section, String key, int fallback) throws ConfigException {
        String text = section.remove(key);
        if (text == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new ConfigException(source + ": [" + DELETION_SECTION + "] " + key + " = '" + text
                    + "' is not a whole number", e);
        }
    }

    private static java.time.Duration duration(String source, Map<String, String> section, String key,
            java.time.Duration fallback) throws ConfigException {
        String text = section.remove(key);
        if (text == null) {
            return fallback;
        }
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source + ": [" + DELETION_SECTION + "] " + key + " = " + e.getMessage(), e);
        }
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
                + settings.keySet() + ", executor=" + executor + ", queue=" + queue + "}";
    }
}

package dev.strata.api.remote;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A validated configuration section of one provider: every value parsed and checked against its
 * {@link ConfigKey}, defaults filled in. {@link #toString()} masks secrets.
 */
public final class ProviderConfig {
    private final String section;
    private final Map<String, ConfigKey<?>> keys;
    private final Map<String, Object> values;

    private ProviderConfig(String section, Map<String, ConfigKey<?>> keys, Map<String, Object> values) {
        this.section = section;
        this.keys = keys;
        this.values = values;
    }

    /**
     * Parses {@code raw} (the section as text) against {@code keys}.
     *
     * @param section the section's name, for messages ({@code remote_storage})
     * @throws ConfigException naming the section and key: an unknown key (listing the known ones), a missing
     *     required key, text that does not parse, or a value the validator rejects
     */
    public static ProviderConfig parse(String section, Map<String, String> raw, List<ConfigKey<?>> keys) {
        Objects.requireNonNull(section, "section is null");
        Objects.requireNonNull(raw, "raw is null");
        Map<String, ConfigKey<?>> known = new LinkedHashMap<>();
        for (ConfigKey<?> key : keys) {
            if (known.putIfAbsent(key.name(), key) != null) {
                throw new IllegalArgumentException("config key '" + key.name() + "' is declared twice");
            }
        }
        for (String name : new TreeMap<>(raw).keySet()) {
            if (!known.containsKey(name)) {
                throw new ConfigException("[" + section + "] unknown key '" + name + "'; known keys: "
                        + String.join(", ", known.keySet()));
            }
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (ConfigKey<?> key : known.values()) {
            Object value = value(section, key, raw.get(key.name()));
            if (value != null) {
                values.put(key.name(), value);
            }
        }
        return new ProviderConfig(section, Map.copyOf(known), values);
    }

    private static <T> T value(String section, ConfigKey<T> key, String text) {
        String where = "[" + section + "] " + key.name();
        if (text == null) {
            if (key.required()) {
                throw new ConfigException(where + " is required: " + key.documentation());
            }
            return key.defaultValue();
        }
        String shown = key.secret() ? "****" : "'" + text + "'";
        T parsed;
        try {
            parsed = Objects.requireNonNull(key.parser().apply(text), "parser returned null");
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + " = " + shown + " is not a valid " + key.type() + ": " + e.getMessage());
        }
        if (!key.validator().test(parsed)) {
            throw new ConfigException(where + " = " + shown + " is not " + key.validRange());
        }
        return parsed;
    }

    /** The value of {@code key}: the configured one, else its default. */
    public <T> T get(ConfigKey<T> key) {
        return find(key).orElseThrow(() -> new IllegalArgumentException(
                "[" + section + "] " + key.name() + " has no value (an optional key; use find)"));
    }

    /** The value of {@code key}, empty if it is optional and absent. */
    public <T> Optional<T> find(ConfigKey<T> key) {
        Objects.requireNonNull(key, "key is null");
        if (keys.get(key.name()) != key) {
            throw new IllegalArgumentException("config key '" + key.name() + "' is not one of section [" + section + "]");
        }
        @SuppressWarnings("unchecked")
        T value = (T) values.get(key.name());
        return Optional.ofNullable(value);
    }

    /** The section's name. */
    public String section() {
        return section;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("[").append(section).append("]{");
        String separator = "";
        for (Map.Entry<String, Object> entry : new TreeMap<>(values).entrySet()) {
            boolean secret = keys.get(entry.getKey()).secret();
            text.append(separator).append(entry.getKey()).append('=').append(secret ? "****" : entry.getValue());
            separator = ", ";
        }
        return text.append('}').toString();
    }
}

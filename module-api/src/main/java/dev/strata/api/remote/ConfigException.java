package dev.strata.api.remote;

/**
 * A configuration section is not valid. The message names the section and the key, and shows the value
 * unless the key is a secret.
 */
public final class ConfigException extends IllegalArgumentException {
    public ConfigException(String message) {
        super(message);
    }
}

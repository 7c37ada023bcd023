package dev.strata.core.config;

/** A configuration that cannot be used; the message names the file, the key and the bad value. */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}

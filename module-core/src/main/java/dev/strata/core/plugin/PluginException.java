package dev.strata.core.plugin;

/** A plugin cannot be loaded; the message names the plugin directory and, where one is at fault, the module. */
public final class PluginException extends RuntimeException {
    public PluginException(String message) {
        super(message);
    }

    public PluginException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.strata.core.page;

import dev.strata.api.PageRecord;
import dev.strata.api.redo.RedoHandler;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;

/**
 * Applies page records to pages: the built-in kinds here, {@link PageRecord.Custom} through the
 * {@link RedoHandler} registered for its kind.
 */
public final class Redo {
    private final Map<String, RedoHandler> handlers;

    public Redo(List<RedoHandler> handlers) {
        Map<String, RedoHandler> byKind = new HashMap<>();
        for (RedoHandler handler : handlers) {
            RedoHandler previous = byKind.putIfAbsent(handler.kind(), handler);
            if (previous != null) {
                throw new IllegalStateException("two redo handlers for kind '" + handler.kind() + "': "
                        + previous.getClass().getName() + " and " + handler.getClass().getName());
            }
        }
        this.handlers = Map.copyOf(byKind);
    }

    /** Handlers found by {@link ServiceLoader} in the boot layer. */
    public static Redo loadInstalled() {
        return load(List.of());
    }

    /**
     * Handlers found by {@link ServiceLoader} in the boot layer and in each plugin layer (a plugin's
     * handlers are looked up in its own layer only, so two plugins never see each other's classes).
     *
     * @throws IllegalStateException when two handlers claim the same kind, naming both
     */
    public static Redo load(java.util.Collection<ModuleLayer> pluginLayers) {
        java.util.List<RedoHandler> found = new java.util.ArrayList<>();
        ServiceLoader.load(ModuleLayer.boot(), RedoHandler.class).forEach(found::add);
        for (ModuleLayer layer : pluginLayers) {
            ServiceLoader.load(layer, RedoHandler.class).stream()
                    .filter(provider -> provider.type().getModule().getLayer() == layer)
                    .map(ServiceLoader.Provider::get)
                    .forEach(found::add);
        }
        return new Redo(found);
    }

    /**
     * Returns the page after {@code record}; {@code page} is the version before it, or null when there is
     * none. Never modifies {@code page}.
     *
     * @throws IllegalStateException when a custom record's kind has no handler
     */
    public byte[] apply(byte[] page, PageRecord record) {
        return switch (record) {
            case PageRecord.Image image -> image.page();
            case PageRecord.Init init -> new byte[init.size()];
            case PageRecord.Overwrite overwrite -> {
                byte[] base = page == null ? new byte[0] : page;
                int end = overwrite.offset() + overwrite.bytes().length;
                byte[] out = java.util.Arrays.copyOf(base, Math.max(base.length, end));
                System.arraycopy(overwrite.bytes(), 0, out, overwrite.offset(), overwrite.bytes().length);
                yield out;
            }
            case PageRecord.Append append -> {
                byte[] base = page == null ? new byte[0] : page;
                if ((long) base.length + append.bytes().length > PageRecord.MAX_VALUE_BYTES) {
                    throw new IllegalStateException("append would grow the page past " + PageRecord.MAX_VALUE_BYTES + " bytes");
                }
                byte[] out = java.util.Arrays.copyOf(base, base.length + append.bytes().length);
                System.arraycopy(append.bytes(), 0, out, base.length, append.bytes().length);
                yield out;
            }
            case PageRecord.Custom custom -> {
                RedoHandler handler = handlers.get(custom.kind());
                if (handler == null) {
                    throw new IllegalStateException("no redo handler for record kind '" + custom.kind()
                            + "'; installed kinds: " + handlers.keySet());
                }
                yield Objects.requireNonNull(handler.apply(page, custom.payload()),
                        "redo handler for '" + custom.kind() + "' returned null");
            }
        };
    }
}

package dev.strata.core.plugin;

import java.util.Objects;

/**
 * Runs code with a plugin's class loader as the thread context class loader and restores the previous one,
 * because libraries inside plugins (the cloud SDKs, Jackson, JAXP) look up classes and services through it.
 */
final class ContextClassLoader {
    private ContextClassLoader() {}

    @FunctionalInterface
    interface Call<T, E extends Exception> {
        T call() throws E;
    }

    @FunctionalInterface
    interface Action<E extends Exception> {
        void run() throws E;
    }

    /** As {@link #call} for code that returns nothing. */
    static <E extends Exception> void run(ClassLoader loader, Action<E> action) throws E {
        call(loader, () -> {
            action.run();
            return null;
        });
    }

    static <T, E extends Exception> T call(ClassLoader loader, Call<T, E> call) throws E {
        Objects.requireNonNull(loader, "loader is null");
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            return call.call();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}

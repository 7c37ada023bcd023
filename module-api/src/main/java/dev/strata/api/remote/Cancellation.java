package dev.strata.api.remote;

/**
 * A cancellation signal that a caller hands to every remote storage call. Once cancelled it stays cancelled.
 *
 * <p>A backend checks {@link #isCancelled()} before it starts and between chunks of a transfer, and may
 * {@linkplain #onCancel register} an action that aborts a request in flight (closing a connection, aborting a
 * multipart upload). {@link CancellationSource} is the implementation callers use.
 */
public interface Cancellation {
    /** A signal that never fires. */
    Cancellation NEVER = new Cancellation() {
        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public Registration onCancel(Runnable action) {
            return () -> {};
        }

        @Override
        public String toString() {
            return "Cancellation.NEVER";
        }
    };

    boolean isCancelled();

    /**
     * Runs {@code action} once when the signal fires, or right away in the calling thread if it already has.
     * Closing the returned registration (in a {@code finally}) removes the action if it has not run.
     * The action must be quick and must not throw.
     */
    Registration onCancel(Runnable action);

    /** Undoes an {@link #onCancel} registration; closing twice is harmless. */
    @FunctionalInterface
    interface Registration extends AutoCloseable {
        @Override
        void close();
    }
}

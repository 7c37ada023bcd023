package dev.strata.api.remote;

import java.util.Objects;

/**
 * What every remote storage call carries: the caller's cancellation signal and deadline.
 *
 * <p>{@link #check(String, String)} is the one place backends turn the two into errors, so every backend
 * reports them alike.
 */
public record CallContext(Cancellation cancellation, Deadline deadline) {
    /** Never cancelled, no deadline: for tools and tests. */
    public static final CallContext NONE = new CallContext(Cancellation.NEVER, Deadline.NONE);

    public CallContext {
        Objects.requireNonNull(cancellation, "cancellation is null");
        Objects.requireNonNull(deadline, "deadline is null");
    }

    /**
     * Throws {@link RemoteStorageException.Cancelled} if the signal fired, else
     * {@link RemoteStorageException.Timeout} if the deadline passed.
     */
    public void check(String operation, String key) throws RemoteStorageException {
        if (cancellation.isCancelled()) {
            throw new RemoteStorageException.Cancelled(operation, key, null);
        }
        if (deadline.isExpired()) {
            throw new RemoteStorageException.Timeout(operation, key, "deadline passed", null);
        }
    }
}

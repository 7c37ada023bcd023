package dev.strata.client;

/**
 * A call the node refused or could not answer. {@link #status()} is the HTTP status (0 when the node could
 * not be reached); {@link #isTransient()} says whether retrying the same call may succeed.
 */
public final class StrataClientException extends RuntimeException {
    private final int status;

    public StrataClientException(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public int status() {
        return status;
    }

    /** 503 (a tenant in a transient state) or no answer at all. */
    public boolean isTransient() {
        return status == 503 || status == 0;
    }
}

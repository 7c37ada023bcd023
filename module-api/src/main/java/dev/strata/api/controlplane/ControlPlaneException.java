package dev.strata.api.controlplane;

import java.io.IOException;

/**
 * A control plane call failed, classified where it happened; callers branch on the type, never on the
 * message. The message names the call and the endpoint.
 */
public abstract sealed class ControlPlaneException extends IOException
        permits ControlPlaneException.Unavailable, ControlPlaneException.Rejected, ControlPlaneException.Cancelled {

    private ControlPlaneException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * The control plane did not answer in time, or answered with a transient error (connection refused, 5xx,
     * 429). Nothing was decided; the caller may retry later. A node that cannot re-attach may enter emergency
     * mode; a deletion queue keeps holding its deletions.
     */
    public static final class Unavailable extends ControlPlaneException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The control plane refused the request (authentication, a malformed request or answer); retrying will not help. */
    public static final class Rejected extends ControlPlaneException {
        public Rejected(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The call was cancelled (the node is shutting down). */
    public static final class Cancelled extends ControlPlaneException {
        public Cancelled(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

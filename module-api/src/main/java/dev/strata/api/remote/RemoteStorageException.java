package dev.strata.api.remote;

import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A remote storage call failed. Backends classify every failure once, where it happens (from status codes
 * and SDK exceptions), into exactly one of the subclasses; callers branch on the type, never on the message.
 *
 * <p>It extends {@link IOException} so that a stream returned by {@link RemoteStorage#get} can throw it from
 * {@code read}. The message names the operation and the key.
 *
 * <table>
 *   <caption>What each class means for the caller</caption>
 *   <tr><th>class</th><th>effect of the call</th><th>retry?</th></tr>
 *   <tr><td>{@link NotFound}</td><td>none</td><td>no</td></tr>
 *   <tr><td>{@link AlreadyExists}</td><td>none ("only if absent" lost to an existing object)</td><td>no</td></tr>
 *   <tr><td>{@link PreconditionFailed}</td><td>none (an ETag condition did not hold)</td><td>no</td></tr>
 *   <tr><td>{@link Transient}</td><td>none</td><td>yes, with backoff (throttling, 5xx, connection reset
 *       before the request was accepted)</td></tr>
 *   <tr><td>{@link Permanent}</td><td>none</td><td>no (credentials, bad request, unsupported option)</td></tr>
 *   <tr><td>{@link Timeout}</td><td><b>unknown</b>: the call may or may not have taken effect</td>
 *       <td>only if the operation is idempotent</td></tr>
 *   <tr><td>{@link Cancelled}</td><td>none if the call had not started its commit step; a put that is cancelled
 *       never leaves a partial object</td><td>no</td></tr>
 * </table>
 */
public abstract sealed class RemoteStorageException extends IOException
        permits RemoteStorageException.NotFound, RemoteStorageException.AlreadyExists,
                RemoteStorageException.PreconditionFailed, RemoteStorageException.Transient,
                RemoteStorageException.Permanent, RemoteStorageException.Timeout, RemoteStorageException.Cancelled {

    private final String operation;
    private final String key;

    private RemoteStorageException(String operation, String key, String message, Throwable cause) {
        super(operation + (key == null ? "" : " '" + key + "'") + ": " + message, cause);
        this.operation = Objects.requireNonNull(operation, "operation is null");
        this.key = key;
    }

    /** The operation that failed, for example {@code put} or {@code list}. */
    public String operation() {
        return operation;
    }

    /** The key the call was about; empty for calls about no single key (list, a whole batch). */
    public Optional<String> key() {
        return Optional.ofNullable(key);
    }

    /** The object (or the source of a copy) does not exist. */
    public static final class NotFound extends RemoteStorageException {
        public NotFound(String operation, String key, Throwable cause) {
            super(operation, key, "not found", cause);
        }
    }

    /** A put "only if absent" found an existing object; nothing was written. */
    public static final class AlreadyExists extends RemoteStorageException {
        public AlreadyExists(String operation, String key, Throwable cause) {
            super(operation, key, "already exists", cause);
        }
    }

    /** An "only if the ETag is unchanged" condition did not hold; nothing was read or written. */
    public static final class PreconditionFailed extends RemoteStorageException {
        public PreconditionFailed(String operation, String key, String message, Throwable cause) {
            super(operation, key, "precondition failed: " + message, cause);
        }
    }

    /** A failure that a later attempt may not have: throttling, 5xx, a refused or reset connection. */
    public static final class Transient extends RemoteStorageException {
        private final Duration retryAfter;

        public Transient(String operation, String key, String message, Duration retryAfter, Throwable cause) {
            super(operation, key, message, cause);
            if (retryAfter != null && retryAfter.isNegative()) {
                throw new IllegalArgumentException("retryAfter is negative: " + retryAfter);
            }
            this.retryAfter = retryAfter;
        }

        /** A delay the service asked for (Retry-After), if it named one. */
        public Optional<Duration> retryAfter() {
            return Optional.ofNullable(retryAfter);
        }
    }

    /** A failure that repeating the same call will not cure: credentials, a bad request, an unsupported option. */
    public static final class Permanent extends RemoteStorageException {
        public Permanent(String operation, String key, String message, Throwable cause) {
            super(operation, key, message, cause);
        }
    }

    /**
     * The deadline passed. <b>The effect is unknown</b>: the call may have been applied, partly applied (a batch)
     * or not at all. A call whose deadline had passed before it started has no effect.
     */
    public static final class Timeout extends RemoteStorageException {
        public Timeout(String operation, String key, String message, Throwable cause) {
            super(operation, key, "timed out (effect unknown): " + message, cause);
        }
    }

    /** The caller's cancellation signal fired; see the class comment for what was left behind. */
    public static final class Cancelled extends RemoteStorageException {
        public Cancelled(String operation, String key, Throwable cause) {
            super(operation, key, "cancelled", cause);
        }
    }
}

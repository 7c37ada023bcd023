package dev.strata.core.timeline;

/**
 * A request the engine refuses, classified where it is thrown so that callers (the command line, the HTTP
 * layer) map it to an exit code or a status without reading the message. Messages name the input.
 */
public sealed abstract class EngineException extends RuntimeException {

    private EngineException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Bad input: an LSN out of range, a bad key, an oversized batch. HTTP 400. */
    public static final class BadRequest extends EngineException {
        public BadRequest(String message) {
            super(message, null);
        }
    }

    /** No such tenant or timeline. HTTP 404. */
    public static final class NotFound extends EngineException {
        public NotFound(String message) {
            super(message, null);
        }
    }

    /** The request contradicts existing state (a branch with other parameters, deleting a parent). HTTP 409. */
    public static final class Conflict extends EngineException {
        public Conflict(String message) {
            super(message, null);
        }
    }

    /** The tenant is in a transient state (attaching, being reconfigured, stopping): retry. HTTP 503. */
    public static final class Unavailable extends EngineException {
        public Unavailable(String message) {
            super(message, null);
        }
    }

    /** The timeline hit an error it cannot serve past (corrupt layer, failed fsync). HTTP 500; other timelines go on. */
    public static final class Broken extends EngineException {
        public Broken(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

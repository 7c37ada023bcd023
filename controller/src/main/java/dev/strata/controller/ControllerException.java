package dev.strata.controller;

/**
 * A request the controller refused, categorised where it is thrown so that the HTTP layer maps the type,
 * never the message, to a status.
 */
public abstract sealed class ControllerException extends RuntimeException {
    private ControllerException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The HTTP status FORMATS.md gives this category. */
    public abstract int status();

    /** Bad input: 400. */
    public static final class InvalidInput extends ControllerException {
        public InvalidInput(String message) {
            super(message, null);
        }

        @Override
        public int status() {
            return 400;
        }
    }

    /** An unknown node or tenant: 404. */
    public static final class NotFound extends ControllerException {
        public NotFound(String message) {
            super(message, null);
        }

        @Override
        public int status() {
            return 404;
        }
    }

    /** The request contradicts the stored state: 409. */
    public static final class Conflict extends ControllerException {
        public Conflict(String message) {
            super(message, null);
        }

        @Override
        public int status() {
            return 409;
        }
    }

    /** A transient state (a node unreachable, a migration still catching up): 503, retry. */
    public static final class Unavailable extends ControllerException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }

        @Override
        public int status() {
            return 503;
        }
    }
}

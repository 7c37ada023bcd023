package dev.strata.core.index;

/** An index document that cannot be read or must not be written; the message says where and why. */
public final class InvalidIndexException extends Exception {
    public InvalidIndexException(String message) {
        super(message);
    }

    public InvalidIndexException(String message, Throwable cause) {
        super(message, cause);
    }
}

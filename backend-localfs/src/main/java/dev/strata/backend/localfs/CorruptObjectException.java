package dev.strata.backend.localfs;

import java.io.IOException;

/** An object file whose header is damaged or does not match its length; reported as a permanent error. */
final class CorruptObjectException extends IOException {
    CorruptObjectException(String message) {
        super(message);
    }

    CorruptObjectException(String message, Throwable cause) {
        super(message, cause);
    }
}

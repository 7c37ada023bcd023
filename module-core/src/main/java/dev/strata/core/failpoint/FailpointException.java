package dev.strata.core.failpoint;

import java.io.IOException;

/**
 * Thrown where a failpoint configured with {@code return} or {@code return(value)} is hit. It is an
 * {@link IOException} so that it travels the same cleanup paths as a real I/O error.
 */
public final class FailpointException extends IOException {
    private final String failpoint;
    private final String value;

    public FailpointException(String failpoint, String value) {
        super("failpoint " + failpoint + " returned" + (value == null ? "" : " '" + value + "'"));
        this.failpoint = failpoint;
        this.value = value;
    }

    public String failpoint() {
        return failpoint;
    }

    /** The value of {@code return(value)}, or null for a plain {@code return}. */
    public String value() {
        return value;
    }
}

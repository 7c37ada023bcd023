package dev.strata.core.failpoint;

/** Thrown where a failpoint configured with {@code panic} is hit: a simulated bug, not an I/O error. */
public final class FailpointPanic extends Error {
    public FailpointPanic(String failpoint) {
        super("failpoint " + failpoint + " panicked");
    }
}

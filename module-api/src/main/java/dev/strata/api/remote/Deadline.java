package dev.strata.api.remote;

import java.time.Duration;
import java.util.Objects;

/**
 * The latest moment a remote storage call may run until, measured on {@link System#nanoTime()} so that wall
 * clock changes do not move it. {@link #NONE} never expires.
 */
public final class Deadline {
    /** No deadline. */
    public static final Deadline NONE = new Deadline(0L, true);

    private final long deadlineNanos;
    private final boolean unbounded;

    private Deadline(long deadlineNanos, boolean unbounded) {
        this.deadlineNanos = deadlineNanos;
        this.unbounded = unbounded;
    }

    /** A deadline {@code timeout} from now; a zero or negative timeout gives a deadline that has already passed. */
    public static Deadline after(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout is null");
        long nanos;
        try {
            nanos = timeout.toNanos();
        } catch (ArithmeticException e) {
            return NONE;
        }
        return new Deadline(System.nanoTime() + nanos, false);
    }

    /** True if this deadline never expires. */
    public boolean isUnbounded() {
        return unbounded;
    }

    public boolean isExpired() {
        return !unbounded && remainingNanos() <= 0;
    }

    /** The time left, zero once expired; {@link Duration#ofNanos(long) Long.MAX_VALUE} nanoseconds when unbounded. */
    public Duration remaining() {
        return Duration.ofNanos(unbounded ? Long.MAX_VALUE : Math.max(0L, remainingNanos()));
    }

    private long remainingNanos() {
        return deadlineNanos - System.nanoTime();
    }

    /** The earlier of this deadline and {@code other}. */
    public Deadline earlier(Deadline other) {
        Objects.requireNonNull(other, "other is null");
        if (unbounded) {
            return other;
        }
        if (other.unbounded) {
            return this;
        }
        return deadlineNanos - other.deadlineNanos <= 0 ? this : other;
    }

    @Override
    public String toString() {
        return unbounded ? "Deadline[none]" : "Deadline[in " + remaining() + "]";
    }
}

package dev.strata.api;

import java.util.Locale;
import java.util.Objects;

/**
 * An attachment generation: an unsigned 32-bit number issued by the control plane, or {@link #NONE} for
 * objects written before generations existed. NONE sorts before generation 0 and has an empty suffix.
 */
public record Generation(long value) implements Comparable<Generation> {
    /** The legacy "no generation": empty suffix, sorts first. */
    public static final Generation NONE = new Generation(-1L);

    public Generation {
        if (value < -1L || value > 0xFFFF_FFFFL) {
            throw new InvalidInputException("generation", Long.toString(value), "expected 0 to 4294967295");
        }
    }

    public static Generation of(long value) {
        if (value < 0) {
            throw new InvalidInputException("generation", Long.toString(value), "expected 0 to 4294967295");
        }
        return new Generation(value);
    }

    /** Parses the 8 lower-case hex digits of a suffix (without the dash). */
    public static Generation parseSuffix(String hex) {
        Objects.requireNonNull(hex, "hex is null");
        if (hex.length() != 8 || !Hex.isLowerHex(hex)) {
            throw new InvalidInputException("generation", hex, "expected 8 lower-case hex digits");
        }
        return new Generation(Long.parseLong(hex, 16));
    }

    public boolean isNone() {
        return value == -1L;
    }

    /** {@code -%08x}, or the empty string for NONE. */
    public String suffix() {
        return isNone() ? "" : String.format(Locale.ROOT, "-%08x", value);
    }

    /** The next generation; NONE is followed by 0. */
    public Generation next() {
        if (value == 0xFFFF_FFFFL) {
            throw new IllegalStateException("generation space exhausted");
        }
        return new Generation(value + 1);
    }

    @Override
    public int compareTo(Generation other) {
        return Long.compare(value, other.value);
    }

    @Override
    public String toString() {
        return isNone() ? "none" : Long.toString(value);
    }
}

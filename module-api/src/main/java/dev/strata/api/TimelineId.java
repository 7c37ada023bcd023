package dev.strata.api;

import java.security.SecureRandom;
import java.util.Objects;

/** A timeline (branch) identifier: 128 bits, written as 32 lower-case hex digits. */
public record TimelineId(String hex) implements Comparable<TimelineId> {
    private static final SecureRandom RANDOM = new SecureRandom();

    public TimelineId {
        Objects.requireNonNull(hex, "hex is null");
        if (hex.length() != 32 || !Hex.isLowerHex(hex)) {
            throw new InvalidInputException("timeline id", hex, "expected 32 lower-case hex digits");
        }
    }

    public static TimelineId parse(String text) {
        return new TimelineId(text);
    }

    public static TimelineId random() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return new TimelineId(Hex.lower(bytes));
    }

    @Override
    public int compareTo(TimelineId other) {
        return hex.compareTo(other.hex);
    }

    @Override
    public String toString() {
        return hex;
    }
}

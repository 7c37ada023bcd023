package dev.strata.api;

import java.security.SecureRandom;
import java.util.Objects;

/** A tenant identifier: 128 bits, written as 32 lower-case hex digits. */
public record TenantId(String hex) implements Comparable<TenantId> {
    private static final SecureRandom RANDOM = new SecureRandom();

    public TenantId {
        Objects.requireNonNull(hex, "hex is null");
        if (hex.length() != 32 || !Hex.isLowerHex(hex)) {
            throw new InvalidInputException("tenant id", hex, "expected 32 lower-case hex digits");
        }
    }

    public static TenantId parse(String text) {
        return new TenantId(text);
    }

    public static TenantId random() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return new TenantId(Hex.lower(bytes));
    }

    @Override
    public int compareTo(TenantId other) {
        return hex.compareTo(other.hex);
    }

    @Override
    public String toString() {
        return hex;
    }
}

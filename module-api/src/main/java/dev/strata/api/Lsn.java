package dev.strata.api;

import java.util.Locale;
import java.util.Objects;

/**
 * A log sequence number: an unsigned 64-bit position in a timeline's WAL, the end offset of the record that
 * wrote a value. Text form {@code X/Y}: the high and low 32 bits in upper-case hex without padding.
 */
public record Lsn(long value) implements Comparable<Lsn> {
    /** The invalid LSN 0/0. */
    public static final Lsn INVALID = new Lsn(0L);
    /** The largest LSN. */
    public static final Lsn MAX = new Lsn(-1L);

    public static Lsn of(long value) {
        return new Lsn(value);
    }

    /**
     * Parses the {@code X/Y} form.
     *
     * @throws InvalidInputException naming the text when it is not two hex numbers of at most 8 digits
     */
    public static Lsn parse(String text) {
        Objects.requireNonNull(text, "text is null");
        int slash = text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1 || text.indexOf('/', slash + 1) >= 0) {
            throw new InvalidInputException("LSN", text, "expected X/Y with two hex numbers");
        }
        long high = parseHalf(text, text.substring(0, slash));
        long low = parseHalf(text, text.substring(slash + 1));
        return new Lsn((high << 32) | low);
    }

    private static long parseHalf(String text, String half) {
        if (half.length() > 8) {
            throw new InvalidInputException("LSN", text, "each half has at most 8 hex digits");
        }
        for (int i = 0; i < half.length(); i++) {
            if (Character.digit(half.charAt(i), 16) < 0) {
                throw new InvalidInputException("LSN", text, "'" + half + "' is not hex");
            }
        }
        return Long.parseLong(half, 16);
    }

    /**
     * Parses the file-name form: hex digits without a length check (older names may be shorter than 16).
     */
    public static Lsn parseFileName(String text) {
        Objects.requireNonNull(text, "text is null");
        if (text.isEmpty() || text.length() > 16) {
            throw new InvalidInputException("LSN", text, "expected 1 to 16 hex digits");
        }
        for (int i = 0; i < text.length(); i++) {
            if (Character.digit(text.charAt(i), 16) < 0) {
                throw new InvalidInputException("LSN", text, "not hex");
            }
        }
        return new Lsn(Long.parseUnsignedLong(text, 16));
    }

    /** The file-name form: 16 upper-case hex digits. */
    public String toFileName() {
        return String.format(Locale.ROOT, "%016X", value);
    }

    public boolean isValid() {
        return value != 0L;
    }

    public Lsn plus(long delta) {
        return new Lsn(value + delta);
    }

    public boolean isBefore(Lsn other) {
        return Long.compareUnsigned(value, other.value) < 0;
    }

    public boolean isAfter(Lsn other) {
        return Long.compareUnsigned(value, other.value) > 0;
    }

    public static Lsn max(Lsn a, Lsn b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    public static Lsn min(Lsn a, Lsn b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    @Override
    public int compareTo(Lsn other) {
        return Long.compareUnsigned(value, other.value);
    }

    @Override
    public String toString() {
        // Not String.format: LSNs are printed on every page request of the HTTP client.
        return Long.toHexString(value >>> 32).toUpperCase(Locale.ROOT) + "/"
                + Long.toHexString(value & 0xFFFFFFFFL).toUpperCase(Locale.ROOT);
    }
}

package dev.strata.api;

import java.time.Duration;
import java.time.format.DateTimeParseException;

/**
 * Durations in configuration, the node's and every plugin's ({@link dev.strata.api.remote.ConfigKey#duration}):
 * {@code 250ms}, {@code 30s}, {@code 10m}, {@code 2h}, {@code 7d}, or ISO-8601 ({@code PT1H}).
 *
 * <p>A duration is never negative and never longer than {@link #LONGEST} (what a signed 64-bit count of nanoseconds
 * holds, about 292 years), so every user of a parsed duration can take its nanoseconds without overflow.
 */
public final class Durations {
    /** The longest duration configuration accepts: {@link Long#MAX_VALUE} nanoseconds. */
    public static final Duration LONGEST = Duration.ofNanos(Long.MAX_VALUE);

    private Durations() {}

    /**
     * @throws IllegalArgumentException naming {@code text} when it is none of the forms above, negative, or longer
     *     than {@link #LONGEST}
     */
    public static Duration parse(String text) {
        Duration duration = parseUnchecked(text);
        if (duration.isNegative()) {
            throw new IllegalArgumentException("'" + text + "' is a negative duration");
        }
        if (duration.compareTo(LONGEST) > 0) {
            throw new IllegalArgumentException("'" + text + "' is longer than the longest duration, "
                    + LONGEST.toDays() + "d");
        }
        return duration;
    }

    private static Duration parseUnchecked(String text) {
        String value = text.strip();
        try {
            if (value.startsWith("P") || value.startsWith("p")) {
                return Duration.parse(value);
            }
            if (value.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
            }
            long amount = Long.parseLong(value.substring(0, value.length() - 1));
            return switch (value.charAt(value.length() - 1)) {
                case 's' -> Duration.ofSeconds(amount);
                case 'm' -> Duration.ofMinutes(amount);
                case 'h' -> Duration.ofHours(amount);
                case 'd' -> Duration.ofDays(amount);
                default -> throw new IllegalArgumentException("unknown unit");
            };
        } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
            throw new IllegalArgumentException("'" + text + "' is not a duration like 250ms, 30s, 10m, 2h, 7d or PT1H");
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is longer than the longest duration, "
                    + LONGEST.toDays() + "d");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not a duration like 250ms, 30s, 10m, 2h, 7d or PT1H");
        }
    }

    public static String format(Duration duration) {
        if (duration.toMillis() % 86_400_000L == 0 && !duration.isZero()) {
            return duration.toDays() + "d";
        }
        if (duration.toMillis() % 3_600_000L == 0 && !duration.isZero()) {
            return duration.toHours() + "h";
        }
        if (duration.toMillis() % 60_000L == 0 && !duration.isZero()) {
            return duration.toMinutes() + "m";
        }
        if (duration.toMillis() % 1000L == 0) {
            return duration.toSeconds() + "s";
        }
        return duration.toMillis() + "ms";
    }
}

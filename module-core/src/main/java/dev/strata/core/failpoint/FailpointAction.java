package dev.strata.core.failpoint;

import dev.strata.api.InvalidInputException;

/**
 * One parsed failpoint action: {@code off}, {@code return}, {@code return(v)}, {@code sleep(ms)},
 * {@code pause}, {@code panic}, {@code exit}, optionally prefixed by {@code P%} (probability in percent) and
 * {@code N*} (only the first N hits), in that order: {@code 50%3*return}.
 */
public record FailpointAction(Kind kind, String value, long sleepMillis, int percent, long remaining) {

    /** What a hit does. */
    public enum Kind { OFF, RETURN, SLEEP, PAUSE, PANIC, EXIT }

    /**
     * Parses the action text of {@code PUT /v1/failpoints}.
     *
     * @throws InvalidInputException naming the text when it is not a known action
     */
    public static FailpointAction parse(String text) {
        String rest = text.trim();
        int percent = 100;
        long remaining = -1;
        int percentSign = rest.indexOf('%');
        if (percentSign > 0 && rest.substring(0, percentSign).chars().allMatch(Character::isDigit)) {
            percent = Integer.parseInt(rest.substring(0, percentSign));
            if (percent > 100) {
                throw new InvalidInputException("failpoint action", text, "probability above 100%");
            }
            rest = rest.substring(percentSign + 1);
        }
        int star = rest.indexOf('*');
        if (star > 0 && rest.substring(0, star).chars().allMatch(Character::isDigit)) {
            remaining = Long.parseLong(rest.substring(0, star));
            rest = rest.substring(star + 1);
        }
        if (rest.equals("off")) {
            return new FailpointAction(Kind.OFF, null, 0, percent, remaining);
        }
        if (rest.equals("return")) {
            return new FailpointAction(Kind.RETURN, null, 0, percent, remaining);
        }
        if (rest.startsWith("return(") && rest.endsWith(")")) {
            return new FailpointAction(Kind.RETURN, rest.substring(7, rest.length() - 1), 0, percent, remaining);
        }
        if (rest.startsWith("sleep(") && rest.endsWith(")")) {
            String millis = rest.substring(6, rest.length() - 1);
            if (millis.isEmpty() || !millis.chars().allMatch(Character::isDigit)) {
                throw new InvalidInputException("failpoint action", text, "sleep needs milliseconds");
            }
            return new FailpointAction(Kind.SLEEP, null, Long.parseLong(millis), percent, remaining);
        }
        return switch (rest) {
            case "pause" -> new FailpointAction(Kind.PAUSE, null, 0, percent, remaining);
            case "panic" -> new FailpointAction(Kind.PANIC, null, 0, percent, remaining);
            case "exit" -> new FailpointAction(Kind.EXIT, null, 0, percent, remaining);
            default -> throw new InvalidInputException("failpoint action", text,
                    "expected off, return, return(v), sleep(ms), pause, panic or exit, optionally after P% and N*");
        };
    }
}

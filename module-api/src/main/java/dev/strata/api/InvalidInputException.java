package dev.strata.api;

/**
 * Text or bytes that do not form a valid value. The message always names the input that was rejected and
 * why, so that an operator can find the offending value.
 */
public final class InvalidInputException extends IllegalArgumentException {
    private final String input;

    public InvalidInputException(String what, String input, String reason) {
        super("invalid " + what + " '" + input + "': " + reason);
        this.input = input;
    }

    /** The rejected text as given. */
    public String input() {
        return input;
    }
}

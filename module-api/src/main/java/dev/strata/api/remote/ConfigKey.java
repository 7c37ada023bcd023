package dev.strata.api.remote;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One key of a provider's configuration section: its name, how its text is parsed, its default, what it means,
 * which values are valid, and whether it is a secret (never printed).
 *
 * <p>A key with no default is required unless {@link #optional()} is set, in which case
 * {@link ProviderConfig#find} returns empty when it is absent.
 *
 * @param name the key in the section, lower-case with underscores ({@code multipart_threshold})
 * @param type a word for the expected form, used in messages and documentation ({@code bytes})
 * @param parser text to value; throws {@link IllegalArgumentException} with a reason on bad text
 * @param defaultValue the value when absent, or null
 * @param optional true if absence without a default is allowed
 * @param documentation what the key means, in one or two sentences
 * @param validator accepts valid parsed values (the default included)
 * @param validRange a short description of what the validator accepts, for messages
 * @param secret true for credentials: {@code toString} of a configuration shows {@code ****}
 */
public record ConfigKey<T>(String name, String type, Function<String, T> parser, T defaultValue, boolean optional,
        String documentation, Predicate<? super T> validator, String validRange, boolean secret) {

    public ConfigKey {
        Objects.requireNonNull(name, "name is null");
        if (!name.matches("[a-z][a-z0-9_.]*")) {
            throw new IllegalArgumentException("config key name '" + name + "' is not lower-case words with '_'");
        }
        Objects.requireNonNull(type, "type is null");
        Objects.requireNonNull(parser, "parser is null");
        Objects.requireNonNull(documentation, "documentation is null");
        Objects.requireNonNull(validator, "validator is null");
        Objects.requireNonNull(validRange, "validRange is null");
        if (defaultValue != null && !validator.test(defaultValue)) {
            throw new IllegalArgumentException("default of config key '" + name + "' is not " + validRange);
        }
    }

    /** True if the section must name this key. */
    public boolean required() {
        return defaultValue == null && !optional;
    }

    /** The default, if there is one. */
    public Optional<T> defaultOptional() {
        return Optional.ofNullable(defaultValue);
    }

    /** This key with values restricted to those {@code rule} accepts, described as {@code description}. */
    public ConfigKey<T> validatedBy(Predicate<? super T> rule, String description) {
        Objects.requireNonNull(rule, "rule is null");
        Predicate<? super T> previous = validator;
        Predicate<T> both = value -> previous.test(value) && rule.test(value);
        String range = validRange.equals("any value") ? description : validRange + " and " + description;
        return new ConfigKey<>(name, type, parser, defaultValue, optional, documentation, both, range, secret);
    }

    /** This key marked as a secret. */
    public ConfigKey<T> asSecret() {
        return new ConfigKey<>(name, type, parser, defaultValue, optional, documentation, validator, validRange, true);
    }

    /** This key, absent allowed without a default. */
    public ConfigKey<T> asOptional() {
        return new ConfigKey<>(name, type, parser, defaultValue, true, documentation, validator, validRange, secret);
    }

    public static ConfigKey<String> string(String name, String defaultValue, String documentation) {
        return new ConfigKey<>(name, "string", Function.identity(), defaultValue, false, documentation,
                value -> true, "any value", false);
    }

    public static ConfigKey<Boolean> bool(String name, boolean defaultValue, String documentation) {
        return new ConfigKey<>(name, "boolean", ConfigKey::parseBoolean, defaultValue, false, documentation,
                value -> true, "any value", false);
    }

    public static ConfigKey<Integer> integer(String name, Integer defaultValue, String documentation) {
        return new ConfigKey<>(name, "integer", ConfigKey::parseInteger, defaultValue, false, documentation,
                value -> true, "any value", false);
    }

    /** A byte count: a number with an optional unit {@code KiB}, {@code MiB} or {@code GiB}. */
    public static ConfigKey<Long> bytes(String name, Long defaultValue, String documentation) {
        return new ConfigKey<>(name, "bytes", ConfigKey::parseBytes, defaultValue, false, documentation,
                value -> true, "any value", false);
    }

    /** A duration: ISO-8601 ({@code PT30S}) or a number with {@code ms}, {@code s} or {@code m}. */
    public static ConfigKey<Duration> duration(String name, Duration defaultValue, String documentation) {
        return new ConfigKey<>(name, "duration", ConfigKey::parseDuration, defaultValue, false, documentation,
                value -> !value.isNegative(), "not negative", false);
    }

    public static ConfigKey<Path> path(String name, Path defaultValue, String documentation) {
        return new ConfigKey<>(name, "path", Path::of, defaultValue, false, documentation,
                value -> true, "any value", false);
    }

    static Boolean parseBoolean(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("expected true or false");
        };
    }

    static Integer parseInteger(String text) {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected an integer");
        }
    }

    static Long parseBytes(String text) {
        String value = text.strip();
        long unit = 1;
        for (String[] suffix : new String[][] {{"KiB", "1024"}, {"MiB", "1048576"}, {"GiB", "1073741824"}, {"B", "1"}}) {
            if (value.endsWith(suffix[0])) {
                unit = Long.parseLong(suffix[1]);
                value = value.substring(0, value.length() - suffix[0].length()).strip();
                break;
            }
        }
        try {
            return Math.multiplyExact(Long.parseLong(value), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("expected a byte count such as 8388608 or 8MiB");
        }
    }

    static Duration parseDuration(String text) {
        return dev.strata.api.Durations.parse(text);
    }
}

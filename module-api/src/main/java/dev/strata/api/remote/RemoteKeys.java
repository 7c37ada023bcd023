package dev.strata.api.remote;

import dev.strata.api.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The keys every backend must accept, so that one bucket layout works everywhere.
 *
 * <p>A valid key is 1 to {@value #MAX_KEY_BYTES} bytes of UTF-8, has no NUL or other control character, and
 * its {@code /}-separated segments are non-empty (no leading, trailing or doubled {@code /}) and are neither
 * {@code .} nor {@code ..}. Any other Unicode is allowed. A list prefix may be empty and may end with
 * {@code /} or in the middle of a segment.
 */
public final class RemoteKeys {
    /** The longest key in UTF-8 bytes (S3's limit). */
    public static final int MAX_KEY_BYTES = 1024;

    private RemoteKeys() {}

    /** Returns {@code key}, or throws {@link InvalidInputException} naming it and the rule it breaks. */
    public static String requireValid(String key) {
        Objects.requireNonNull(key, "key is null");
        String problem = problem(key, false);
        if (problem != null) {
            throw new InvalidInputException("remote key", key, problem);
        }
        return key;
    }

    /** Returns {@code prefix}, or throws {@link InvalidInputException}; the empty prefix and a trailing '/' are fine. */
    public static String requireValidPrefix(String prefix) {
        Objects.requireNonNull(prefix, "prefix is null");
        if (prefix.isEmpty()) {
            return prefix;
        }
        String problem = problem(prefix, true);
        if (problem != null) {
            throw new InvalidInputException("remote key prefix", prefix, problem);
        }
        return prefix;
    }

    private static String problem(String key, boolean prefix) {
        if (key.isEmpty()) {
            return "empty";
        }
        if (key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            return "longer than " + MAX_KEY_BYTES + " bytes of UTF-8";
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isISOControl(c)) {
                return "control character at index " + i;
            }
            if (Character.isSurrogate(c)) {
                boolean paired = Character.isHighSurrogate(c) && i + 1 < key.length()
                        && Character.isLowSurrogate(key.charAt(i + 1));
                if (!paired) {
                    return "unpaired surrogate at index " + i;
                }
                i++;
            }
        }
        String[] segments = key.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i];
            boolean last = i == segments.length - 1;
            if (segment.isEmpty() && !(prefix && last)) {
                return "empty segment (leading, trailing or doubled '/')";
            }
            if ((segment.equals(".") || segment.equals("..")) && !(prefix && last)) {
                return "segment '" + segment + "'";
            }
        }
        return null;
    }
}

package dev.strata.api.remote;

import java.util.Objects;
import java.util.Optional;

/**
 * One page of a listing, with S3 semantics.
 *
 * @param prefix only keys that start with this string, which may end mid-segment ({@code "ab"} matches
 *     {@code "abc"} and {@code "ab/x"}); empty for all keys
 * @param delimiter if present, keys that contain it after the prefix are rolled up into one common prefix
 *     (the key up to and including the first delimiter after the prefix)
 * @param continuationToken where the previous page ended ({@link ListPage#nextToken()}), or empty for the first
 * @param maxKeys the most objects plus common prefixes to return, 1 to 1000
 */
public record ListRequest(String prefix, Optional<String> delimiter, Optional<String> continuationToken, int maxKeys) {
    /** The largest page a backend must serve. */
    public static final int MAX_KEYS = 1000;

    public ListRequest {
        RemoteKeys.requireValidPrefix(prefix);
        Objects.requireNonNull(delimiter, "delimiter is null");
        Objects.requireNonNull(continuationToken, "continuationToken is null");
        if (delimiter.isPresent() && delimiter.get().isEmpty()) {
            throw new IllegalArgumentException("delimiter is empty");
        }
        if (maxKeys < 1 || maxKeys > MAX_KEYS) {
            throw new IllegalArgumentException("maxKeys " + maxKeys + " is not between 1 and " + MAX_KEYS);
        }
    }

    /** Every key under {@code prefix}, no delimiter, first page of the largest size. */
    public static ListRequest all(String prefix) {
        return new ListRequest(prefix, Optional.empty(), Optional.empty(), MAX_KEYS);
    }

    /** Keys and common prefixes directly under {@code prefix}, with {@code /} as the delimiter. */
    public static ListRequest children(String prefix) {
        return new ListRequest(prefix, Optional.of("/"), Optional.empty(), MAX_KEYS);
    }

    /** The request for the page after {@code page}. */
    public ListRequest next(ListPage page) {
        return new ListRequest(prefix, delimiter, page.nextToken(), maxKeys);
    }

    public ListRequest withMaxKeys(int newMaxKeys) {
        return new ListRequest(prefix, delimiter, continuationToken, newMaxKeys);
    }
}

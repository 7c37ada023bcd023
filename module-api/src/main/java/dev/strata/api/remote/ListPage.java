package dev.strata.api.remote;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One page of a listing: objects and common prefixes, each in ascending order of their UTF-8 bytes.
 *
 * @param objects the objects on this page
 * @param commonPrefixes the rolled-up prefixes on this page (only with a delimiter); each ends with it
 * @param nextToken present if and only if more entries follow; pass it in the next {@link ListRequest}
 */
public record ListPage(List<ObjectMetadata> objects, List<String> commonPrefixes, Optional<String> nextToken) {
    public ListPage {
        objects = List.copyOf(objects);
        commonPrefixes = List.copyOf(commonPrefixes);
        Objects.requireNonNull(nextToken, "nextToken is null");
    }

    /** True if this is the last page. */
    public boolean isLast() {
        return nextToken.isEmpty();
    }
}

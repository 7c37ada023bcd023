package dev.strata.api.remote;

import java.time.Instant;
import java.util.Objects;

/**
 * What a backend knows about one stored object.
 *
 * @param key the object's key
 * @param size its length in bytes
 * @param etag an opaque version tag that changes whenever the object's content is replaced; compare it only
 *     for equality and only with tags from the same backend (for S3 and localfs it happens to be an MD5 for
 *     single-part uploads, but callers must not rely on that)
 * @param lastModified when the current content was stored, as the backend reports it
 */
public record ObjectMetadata(String key, long size, String etag, Instant lastModified) {
    public ObjectMetadata {
        RemoteKeys.requireValid(key);
        if (size < 0) {
            throw new IllegalArgumentException("size of '" + key + "' is negative: " + size);
        }
        Objects.requireNonNull(etag, "etag is null");
        if (etag.isEmpty()) {
            throw new IllegalArgumentException("etag of '" + key + "' is empty");
        }
        Objects.requireNonNull(lastModified, "lastModified is null");
    }
}

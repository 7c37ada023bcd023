package dev.strata.api.remote;

import java.util.Objects;

/**
 * Options of a {@link RemoteStorage#put put}.
 *
 * @param ifAbsent store only if no object has the key ("If-None-Match: *"); needs
 *     {@link Capability#CONDITIONAL_PUT}
 * @param contentType the media type to record; backends that keep none ignore it
 */
public record PutOptions(boolean ifAbsent, String contentType) {
    /** Unconditional, {@code application/octet-stream}. */
    public static final PutOptions DEFAULT = new PutOptions(false, "application/octet-stream");
    /** Only if absent, {@code application/octet-stream}. */
    public static final PutOptions IF_ABSENT = new PutOptions(true, "application/octet-stream");

    public PutOptions {
        Objects.requireNonNull(contentType, "contentType is null");
        if (contentType.isBlank()) {
            throw new IllegalArgumentException("contentType is blank");
        }
    }
}

package dev.strata.core.remote;

import java.io.IOException;
import java.io.InputStream;

/**
 * Opens the bytes of a put, once per attempt: a retried put must read its data again from the start, which a
 * plain {@link InputStream} cannot do.
 */
@FunctionalInterface
public interface ContentSource {
    /** A fresh stream positioned at the first byte; the caller closes it. */
    InputStream open() throws IOException;

    /** A source over a byte array. */
    static ContentSource of(byte[] bytes) {
        return () -> new java.io.ByteArrayInputStream(bytes);
    }

    /** A source over a file. */
    static ContentSource of(java.nio.file.Path file) {
        return () -> java.nio.file.Files.newInputStream(file);
    }
}

package dev.strata.api.remote;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * The result of a {@link RemoteStorage#get get}: the object's metadata and a stream of the requested bytes.
 * The caller must close it (it holds a connection or a file). Reading past what was requested returns end
 * of stream; a failure while reading is an {@link RemoteStorageException} thrown from {@code read}.
 *
 * @param metadata the metadata of the version being read (whole-object size, not the range length)
 * @param offset the position in the object of the first byte of {@code stream}
 * @param length how many bytes {@code stream} will return
 * @param stream the bytes
 */
public record ObjectContent(ObjectMetadata metadata, long offset, long length, InputStream stream) implements Closeable {
    public ObjectContent {
        Objects.requireNonNull(metadata, "metadata is null");
        Objects.requireNonNull(stream, "stream is null");
        if (offset < 0 || length < 0 || offset + length > metadata.size()) {
            throw new IllegalArgumentException("range " + offset + "+" + length + " outside object of "
                    + metadata.size() + " bytes: " + metadata.key());
        }
    }

    /** Reads every remaining byte and closes the stream. */
    public byte[] readAllBytes() throws IOException {
        try (InputStream in = stream) {
            return in.readAllBytes();
        }
    }

    @Override
    public void close() throws IOException {
        stream.close();
    }
}

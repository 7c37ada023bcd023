package dev.strata.backend.s3;

import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.RemoteStorageException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import software.amazon.awssdk.core.sync.RequestBody;

/** Reading a put's data in bounded pieces, with the length checks of the SPI. */
final class Uploads {
    private static final int CHUNK = 64 * 1024;

    private Uploads() {}

    /**
     * A request body over {@code bytes} without copying them ({@code RequestBody.fromBytes} copies the array: a
     * second 8 MiB allocation per layer upload). Every stream the SDK asks for starts at the beginning, so a
     * re-read (signing, a retry) sees the whole body; the caller must not change the array until the call returns.
     */
    static RequestBody body(byte[] bytes) {
        return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(bytes), bytes.length, "application/octet-stream");
    }

    /** Reads exactly {@code size} bytes and checks that the stream ends there. */
    static byte[] readExactly(InputStream data, int size, String key, CallContext context) throws RemoteStorageException {
        byte[] bytes = readUpTo(data, size, key, context);
        if (bytes.length < size) {
            throw new RemoteStorageException.Permanent("put", key, "the data ended after " + bytes.length + " of " + size + " bytes", null);
        }
        requireEnd(data, size, key);
        return bytes;
    }

    /** Reads up to {@code size} bytes (fewer only at the end of the stream), checking the context between chunks. */
    static byte[] readUpTo(InputStream data, int size, String key, CallContext context) throws RemoteStorageException {
        byte[] bytes = new byte[size];
        int filled = 0;
        while (filled < size) {
            context.check("put", key);
            int read;
            try {
                read = data.read(bytes, filled, Math.min(CHUNK, size - filled));
            } catch (IOException e) {
                throw new RemoteStorageException.Permanent("put", key, "reading the data failed: " + e, e);
            }
            if (read < 0) {
                return java.util.Arrays.copyOf(bytes, filled);
            }
            filled += read;
        }
        return bytes;
    }

    /** Fails if the stream has a byte after {@code size}. */
    static void requireEnd(InputStream data, long size, String key) throws RemoteStorageException {
        int extra;
        try {
            extra = data.read();
        } catch (IOException e) {
            throw new RemoteStorageException.Permanent("put", key, "reading the data failed: " + e, e);
        }
        if (extra >= 0) {
            throw new RemoteStorageException.Permanent("put", key, "the data is longer than " + size + " bytes", null);
        }
    }
}

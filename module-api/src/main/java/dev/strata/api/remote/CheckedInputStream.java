package dev.strata.api.remote;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * The body of a {@code get} as a backend hands it out: before every read it checks the call's cancellation and
 * deadline ({@link CallContext#check}), aborting the underlying stream when either fired, and a read that fails
 * is turned into a {@link RemoteStorageException} by the backend's classifier. Closing closes the stream.
 *
 * <p>Not thread-safe, like any {@link InputStream}.
 */
public final class CheckedInputStream extends InputStream {
    /** Turns a failed read into the backend's error for {@code get} of the key. */
    @FunctionalInterface
    public interface Classifier {
        RemoteStorageException classify(Exception failure);
    }

    private final InputStream stream;
    private final String key;
    private final CallContext context;
    private final Runnable abort;
    private final Classifier classifier;

    /**
     * @param abort drops the connection under {@code stream} without draining it (called when the call was
     *              cancelled or timed out)
     */
    public CheckedInputStream(InputStream stream, String key, CallContext context, Runnable abort, Classifier classifier) {
        this.stream = Objects.requireNonNull(stream, "stream is null");
        this.key = Objects.requireNonNull(key, "key is null");
        this.context = Objects.requireNonNull(context, "context is null");
        this.abort = Objects.requireNonNull(abort, "abort is null");
        this.classifier = Objects.requireNonNull(classifier, "classifier is null");
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int read = read(one, 0, 1);
        return read < 0 ? -1 : Byte.toUnsignedInt(one[0]);
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        try {
            context.check("get", key);
        } catch (RemoteStorageException e) {
            abort.run();
            throw e;
        }
        try {
            return stream.read(buffer, offset, length);
        } catch (IOException | RuntimeException e) {
            throw classifier.classify(e);
        }
    }

    @Override
    public void close() throws IOException {
        stream.close();
    }
}

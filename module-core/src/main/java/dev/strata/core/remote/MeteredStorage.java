package dev.strata.core.remote;

import dev.strata.api.remote.ByteRange;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.Capability;
import dev.strata.api.remote.DeleteResult;
import dev.strata.api.remote.ListPage;
import dev.strata.api.remote.ListRequest;
import dev.strata.api.remote.ObjectContent;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.api.remote.PutOptions;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.core.metrics.RemoteStorageMetrics;
import dev.strata.core.metrics.RemoteStorageMetrics.Operation;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A backend with every call counted in {@link RemoteStorageMetrics}: one request and its latency per call,
 * whether it returns or throws a {@link RemoteStorageException}; the error's class when it throws; the object
 * bytes a put reads from its data and the bytes read from a get's stream.
 *
 * <p>It wraps the backend <em>inside</em> {@link RetryingStorage}, so each attempt of a retried call counts.
 * Calls refused before any I/O with an unchecked exception (an invalid key) are not counted. Two cases have a
 * result rather than an exception to count:
 * <ul>
 *   <li>a get whose stream fails while it is read counts one error of that failure's class (the first one);</li>
 *   <li>a batch delete with failed keys counts one error, of the class of its first failed key.</li>
 * </ul>
 * So a request counts at most one error. Safe for concurrent use, like the backend it wraps.
 */
public final class MeteredStorage implements RemoteStorage {
    private final RemoteStorage storage;
    private final RemoteStorageMetrics metrics;

    public MeteredStorage(RemoteStorage storage, RemoteStorageMetrics metrics) {
        this.storage = Objects.requireNonNull(storage, "storage is null");
        this.metrics = Objects.requireNonNull(metrics, "metrics is null");
    }

    @Override
    public Set<Capability> capabilities() {
        return storage.capabilities();
    }

    @Override
    public int maxKeysPerDelete() {
        return storage.maxKeysPerDelete();
    }

    @Override
    public ListPage list(ListRequest request, CallContext context) throws RemoteStorageException {
        return measure(Operation.LIST, () -> storage.list(request, context));
    }

    @Override
    public ObjectMetadata head(String key, CallContext context) throws RemoteStorageException {
        return measure(Operation.HEAD, () -> storage.head(key, context));
    }

    @Override
    public ObjectMetadata put(String key, InputStream data, long size, PutOptions options, CallContext context)
            throws RemoteStorageException {
        CountingStream counted = new CountingStream(Objects.requireNonNull(data, "data is null"));
        try {
            return measure(Operation.PUT, () -> storage.put(key, counted, size, options, context));
        } finally {
            metrics.sent(Operation.PUT, counted.count);
        }
    }

    @Override
    public ObjectContent get(String key, ByteRange range, Optional<String> ifMatchEtag, CallContext context)
            throws RemoteStorageException {
        ObjectContent content = measure(Operation.GET, () -> storage.get(key, range, ifMatchEtag, context));
        return new ObjectContent(content.metadata(), content.offset(), content.length(), new MeteredStream(content.stream()));
    }

    @Override
    public void delete(String key, CallContext context) throws RemoteStorageException {
        measure(Operation.DELETE, () -> {
            storage.delete(key, context);
            return null;
        });
    }

    @Override
    public List<DeleteResult> deleteBatch(List<String> keys, CallContext context) throws RemoteStorageException {
        List<DeleteResult> results = measure(Operation.DELETE_BATCH, () -> storage.deleteBatch(keys, context));
        results.stream().flatMap(result -> result.error().stream()).findFirst()
                .ifPresent(error -> metrics.error(Operation.DELETE_BATCH, error));
        return results;
    }

    @Override
    public ObjectMetadata copy(String sourceKey, String targetKey, CallContext context) throws RemoteStorageException {
        return measure(Operation.COPY, () -> storage.copy(sourceKey, targetKey, context));
    }

    @Override
    public <T> Optional<T> unwrap(Class<T> type) {
        return type.isInstance(this) ? Optional.of(type.cast(this)) : storage.unwrap(type);
    }

    @Override
    public void close() {
        storage.close();
    }

    @Override
    public String toString() {
        return "MeteredStorage[" + storage + "]";
    }

    @FunctionalInterface
    private interface Call<T> {
        T run() throws RemoteStorageException;
    }

    private <T> T measure(Operation operation, Call<T> call) throws RemoteStorageException {
        long started = System.nanoTime();
        try {
            T result = call.run();
            metrics.request(operation, System.nanoTime() - started);
            return result;
        } catch (RemoteStorageException e) {
            metrics.request(operation, System.nanoTime() - started);
            metrics.error(operation, e);
            throw e;
        }
    }

    /** Counts the bytes a backend reads from a put's data; never closes it (the caller owns it). */
    private static final class CountingStream extends FilterInputStream {
        private long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int value = in.read();
            if (value >= 0) {
                count++;
            }
            return value;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int read = in.read(buffer, offset, length);
            if (read > 0) {
                count += read;
            }
            return read;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = in.skip(n);
            count += skipped;
            return skipped;
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        @Override
        public void close() {
            // the caller of put owns the stream
        }
    }

    /** A get's stream: bytes read are counted as received, the first failure as the get's error. */
    private final class MeteredStream extends FilterInputStream {
        private boolean failed;

        MeteredStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                int value = in.read();
                if (value >= 0) {
                    metrics.received(Operation.GET, 1);
                }
                return value;
            } catch (RemoteStorageException e) {
                failed(e);
                throw e;
            }
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            try {
                int read = in.read(buffer, offset, length);
                if (read > 0) {
                    metrics.received(Operation.GET, read);
                }
                return read;
            } catch (RemoteStorageException e) {
                failed(e);
                throw e;
            }
        }

        @Override
        public long skip(long n) throws IOException {
            try {
                return in.skip(n);
            } catch (RemoteStorageException e) {
                failed(e);
                throw e;
            }
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        private void failed(RemoteStorageException error) {
            if (!failed) {
                failed = true;
                metrics.error(Operation.GET, error);
            }
        }
    }
}

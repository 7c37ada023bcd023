package dev.strata.api.remote;

import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * An object store: a flat namespace of keys ({@link RemoteKeys}) mapped to immutable byte strings, as S3,
 * Azure Blob Storage or a local directory provide it. Strata treats it as the durable, authoritative copy.
 *
 * <h2>Contract common to every method</h2>
 * <ul>
 *   <li><b>Errors</b> are thrown as exactly one subclass of the sealed {@link RemoteStorageException}, classified
 *       by the backend. An invalid key or argument throws {@link IllegalArgumentException} before any I/O.</li>
 *   <li><b>No retries inside.</b> A backend makes one attempt (SDK retries off); core retries transient
 *       failures in one place with backoff. A backend may report a service's requested delay in
 *       {@link RemoteStorageException.Transient#retryAfter()}.</li>
 *   <li><b>Cancellation and deadline.</b> Every call takes a {@link CallContext}. A call whose signal already
 *       fired throws {@link RemoteStorageException.Cancelled}, one whose deadline already passed throws
 *       {@link RemoteStorageException.Timeout}; neither has any effect. A call in progress checks both at least
 *       between chunks of data and before its commit step, and aborts what it started (temp files, multipart
 *       uploads). A timeout during the commit step leaves the effect unknown.</li>
 *   <li><b>Atomic objects.</b> A reader sees either a whole version of an object or none: never a partial put.
 *       Objects are replaced, never modified in place.</li>
 *   <li><b>Consistency.</b> After a put, copy or delete returns, head, get and list reflect it
 *       (read-after-write, as S3 has offered since 2020).</li>
 *   <li><b>Thread safety.</b> Implementations are safe for concurrent use.</li>
 * </ul>
 */
public interface RemoteStorage extends AutoCloseable {

    /** The optional behaviours this backend has; a constant for the lifetime of the instance. */
    Set<Capability> capabilities();

    /** The most keys one batch-delete request carries (S3 1000, Azure 256); {@link #deleteBatch} splits above it. */
    int maxKeysPerDelete();

    /**
     * Lists one page of keys with S3 semantics (see {@link ListRequest}): ascending UTF-8 byte order, a prefix
     * may end mid-segment, with a delimiter keys are rolled up into common prefixes that count against
     * {@code maxKeys} like objects. An empty result is not an error. Paging by the returned token visits every
     * key that existed throughout the listing exactly once; keys added or removed meanwhile may or may not
     * appear. Idempotent.
     */
    ListPage list(ListRequest request, CallContext context) throws RemoteStorageException;

    /**
     * The metadata of the current version of {@code key}.
     *
     * @throws RemoteStorageException.NotFound if no object has the key
     */
    ObjectMetadata head(String key, CallContext context) throws RemoteStorageException;

    /**
     * Stores exactly {@code size} bytes read from {@code data} under {@code key}, atomically: readers see the
     * previous version (or none) until the call returns, then the new one. The stream is read to
     * {@code size} bytes and not closed (the caller owns it).
     *
     * <ul>
     *   <li>Without {@link PutOptions#ifAbsent()}, an existing object is replaced. Repeating the same put is
     *       idempotent.</li>
     *   <li>With it, and {@link Capability#CONDITIONAL_PUT}, the put succeeds only if no object has the key;
     *       otherwise it throws {@link RemoteStorageException.AlreadyExists} and changes nothing. Of concurrent
     *       such puts, exactly one succeeds. Without the capability it throws
     *       {@link RemoteStorageException.Permanent} and writes nothing.</li>
     *   <li>If the stream ends before {@code size} bytes or has more, the put throws
     *       {@link RemoteStorageException.Permanent} and stores nothing. An {@link java.io.IOException} from the
     *       stream is reported as {@code Permanent} too, with it as the cause.</li>
     *   <li>On any failure or cancellation nothing partial is left behind: temp files are removed and
     *       multipart uploads aborted.</li>
     * </ul>
     *
     * @return the metadata of the stored version
     */
    ObjectMetadata put(String key, InputStream data, long size, PutOptions options, CallContext context)
            throws RemoteStorageException;

    /**
     * Opens the bytes of {@code range} of the current version of {@code key}. The range is clipped to the object
     * (an offset past the end gives no bytes). If {@code ifMatchEtag} is present and the current ETag differs,
     * throws {@link RemoteStorageException.PreconditionFailed} (needs {@link Capability#CONDITIONAL_GET}; without
     * it any present value throws {@link RemoteStorageException.Permanent}). The returned stream reads one
     * version even if the object is replaced meanwhile, or fails with a {@code PreconditionFailed} or
     * {@code Transient} error from {@code read}; it never mixes versions.
     *
     * @throws RemoteStorageException.NotFound if no object has the key
     */
    ObjectContent get(String key, ByteRange range, Optional<String> ifMatchEtag, CallContext context)
            throws RemoteStorageException;

    /**
     * Deletes {@code key}. A missing key counts as deleted, so the call is idempotent.
     */
    void delete(String key, CallContext context) throws RemoteStorageException;

    /**
     * Deletes every key, in requests of at most {@link #maxKeysPerDelete()} keys, and returns one result per
     * key in the order given (duplicates allowed). A missing key counts as deleted. A failure of a whole request
     * is reported as that error for each of its keys; a per-key error for that key only. Throws only for
     * cancellation, a deadline, or invalid keys (before any I/O); requests already sent stay done.
     */
    List<DeleteResult> deleteBatch(List<String> keys, CallContext context) throws RemoteStorageException;

    /**
     * Copies the current version of {@code sourceKey} to {@code targetKey}, replacing any object there; the
     * copy is atomic like a put. Copying a key onto itself is allowed and leaves the bytes unchanged.
     *
     * @return the metadata of the new version of {@code targetKey}
     * @throws RemoteStorageException.NotFound if {@code sourceKey} does not exist (the target is unchanged)
     */
    ObjectMetadata copy(String sourceKey, String targetKey, CallContext context) throws RemoteStorageException;

    /**
     * This storage, or the storage it wraps, as {@code type}: how a backend-specific extension (a deletion executor
     * that tags S3 objects) reaches its own backend through core's wrappers. A wrapper returns itself if it is a
     * {@code type}, and otherwise asks the storage it wraps; a backend returns itself or nothing.
     */
    default <T> Optional<T> unwrap(Class<T> type) {
        return type.isInstance(this) ? Optional.of(type.cast(this)) : Optional.empty();
    }

    /** Releases connections and threads. Calls after close fail with {@link IllegalStateException}. */
    @Override
    void close();
}

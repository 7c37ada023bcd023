package dev.strata.backend.localfs;

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
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * {@link RemoteStorage} in a local directory.
 *
 * <ul>
 *   <li>A put writes {@code %tmp-<random>} in the target directory (header with ETag = MD5 of the bytes, then
 *       the bytes), fsyncs it, and renames it over the object file, then fsyncs the directory. "Only if absent"
 *       uses {@link Files#createLink} instead of a rename: the link fails atomically when the name exists, so of
 *       concurrent such puts exactly one wins, and an existing object is never replaced.</li>
 *   <li>Metadata lives in a header of the same file (see {@link ObjectHeader}).</li>
 *   <li>Listing walks the directory of the prefix and applies S3 semantics ({@link Listing}).</li>
 *   <li>Deleting the last object of a directory removes the empty directories up to the root; a put that
 *       races with that removal recreates them.</li>
 * </ul>
 *
 * <p>Failures: a missing file is NotFound, access denied or a damaged object file Permanent, any other I/O
 * error Transient; an interrupt of the calling thread is reported as Cancelled.
 */
final class LocalFsStorage implements RemoteStorage {
    private static final int CHUNK = 64 * 1024;
    private static final int DIRECTORY_RACE_ATTEMPTS = 16;

    private final KeyPaths paths;
    private final boolean fsync;
    private final int maxKeysPerDelete;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private volatile boolean closed;

    LocalFsStorage(Path root, boolean fsync, int maxKeysPerDelete, Clock clock) {
        this.paths = new KeyPaths(Objects.requireNonNull(root, "root is null"));
        this.fsync = fsync;
        if (maxKeysPerDelete < 1) {
            throw new IllegalArgumentException("maxKeysPerDelete must be positive: " + maxKeysPerDelete);
        }
        this.maxKeysPerDelete = maxKeysPerDelete;
        this.clock = Objects.requireNonNull(clock, "clock is null");
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.CONDITIONAL_PUT, Capability.CONDITIONAL_GET);
    }

    @Override
    public int maxKeysPerDelete() {
        return maxKeysPerDelete;
    }

    @Override
    public ListPage list(ListRequest request, CallContext context) throws RemoteStorageException {
        Objects.requireNonNull(request, "request is null");
        begin("list", null, context);
        try {
            return Listing.page(paths, request, context, this::metadataOrEmpty);
        } catch (IOException e) {
            throw classify("list", null, e);
        }
    }

    @Override
    public ObjectMetadata head(String key, CallContext context) throws RemoteStorageException {
        Path file = paths.objectFile(key);
        begin("head", key, context);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return metadata(key, ObjectHeader.read(channel, key));
        } catch (IOException e) {
            throw classify("head", key, e);
        }
    }

    /** Metadata for listing: empty if the object vanished between the directory walk and the read. */
    private Optional<ObjectMetadata> metadataOrEmpty(String key, Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return Optional.of(metadata(key, ObjectHeader.read(channel, key)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public ObjectMetadata put(String key, InputStream data, long size, PutOptions options, CallContext context)
            throws RemoteStorageException {
        Path target = paths.objectFile(key);
        Objects.requireNonNull(data, "data is null");
        Objects.requireNonNull(options, "options is null");
        if (size < 0) {
            throw new IllegalArgumentException("size of put '" + key + "' is negative: " + size);
        }
        begin("put", key, context);
        if (options.ifAbsent() && Files.exists(target)) {
            throw new RemoteStorageException.AlreadyExists("put", key, null);
        }
        Path temp = null;
        boolean success = false;
        try {
            temp = createTemp(target.getParent());
            ObjectHeader header = writeTemp(temp, key, data, size, options.contentType(), context);
            context.check("put", key);
            if (options.ifAbsent()) {
                try {
                    Files.createLink(target, temp);
                } catch (FileAlreadyExistsException e) {
                    throw new RemoteStorageException.AlreadyExists("put", key, e);
                }
                Files.delete(temp);
            } else {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            temp = null;
            syncDirectory(target.getParent());
            success = true;
            return metadata(key, header);
        } catch (IOException e) {
            throw classify("put", key, e);
        } finally {
            if (!success && temp != null) {
                deleteQuietly(temp);
            }
        }
    }

    /** Writes header and data to the temp file, checking the context between chunks. */
    private ObjectHeader writeTemp(Path temp, String key, InputStream data, long size, String contentType,
            CallContext context) throws IOException, RemoteStorageException {
        MessageDigest md5 = md5();
        int headerLength = ObjectHeader.length(32, contentType);
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            byte[] chunk = new byte[CHUNK];
            long written = 0;
            while (written < size) {
                context.check("put", key);
                int read;
                try {
                    read = data.read(chunk, 0, (int) Math.min(chunk.length, size - written));
                } catch (IOException e) {
                    throw new RemoteStorageException.Permanent("put", key, "reading the data failed: " + e, e);
                }
                if (read < 0) {
                    throw new RemoteStorageException.Permanent("put", key,
                            "the data ended after " + written + " of " + size + " bytes", null);
                }
                md5.update(chunk, 0, read);
                ByteBuffer buffer = ByteBuffer.wrap(chunk, 0, read);
                while (buffer.hasRemaining()) {
                    channel.write(buffer, headerLength + written + (read - buffer.remaining()));
                }
                written += read;
            }
            int extra;
            try {
                extra = data.read();
            } catch (IOException e) {
                throw new RemoteStorageException.Permanent("put", key, "reading the data failed: " + e, e);
            }
            if (extra >= 0) {
                throw new RemoteStorageException.Permanent("put", key, "the data is longer than " + size + " bytes", null);
            }
            ObjectHeader header = new ObjectHeader(HexFormat.of().formatHex(md5.digest()), contentType,
                    clock.instant(), size);
            ByteBuffer encoded = header.encode();
            while (encoded.hasRemaining()) {
                channel.write(encoded, encoded.position());
            }
            if (fsync) {
                channel.force(true);
            }
            return header;
        }
    }

    @Override
    public ObjectContent get(String key, ByteRange range, Optional<String> ifMatchEtag, CallContext context)
            throws RemoteStorageException {
        Path file = paths.objectFile(key);
        Objects.requireNonNull(range, "range is null");
        Objects.requireNonNull(ifMatchEtag, "ifMatchEtag is null");
        begin("get", key, context);
        FileChannel channel = null;
        boolean success = false;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
            ObjectHeader header = ObjectHeader.read(channel, key);
            if (ifMatchEtag.isPresent() && !ifMatchEtag.get().equals(header.etag())) {
                throw new RemoteStorageException.PreconditionFailed("get", key,
                        "ETag is " + header.etag() + ", expected " + ifMatchEtag.get(), null);
            }
            long start = range.start(header.size());
            long length = range.length(header.size());
            ObjectContent content = new ObjectContent(metadata(key, header), start, length,
                    new RangeStream(channel, header.length() + start, length, key, context));
            success = true;
            return content;
        } catch (IOException e) {
            throw classify("get", key, e);
        } finally {
            if (!success && channel != null) {
                closeQuietly(channel);
            }
        }
    }

    @Override
    public void delete(String key, CallContext context) throws RemoteStorageException {
        Path file = paths.objectFile(key);
        begin("delete", key, context);
        try {
            deleteFile(file);
        } catch (IOException e) {
            throw classify("delete", key, e);
        }
    }

    private void deleteFile(Path file) throws IOException {
        if (Files.deleteIfExists(file)) {
            syncDirectory(file.getParent());
            pruneEmptyDirectories(file.getParent());
        }
    }

    @Override
    public List<DeleteResult> deleteBatch(List<String> keys, CallContext context) throws RemoteStorageException {
        List<Path> files = keys.stream().map(paths::objectFile).toList();
        begin("deleteBatch", null, context);
        List<DeleteResult> results = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            if (i % maxKeysPerDelete == 0) {
                context.check("deleteBatch", null);
            }
            String key = keys.get(i);
            try {
                deleteFile(files.get(i));
                results.add(DeleteResult.deleted(key));
            } catch (IOException e) {
                results.add(DeleteResult.failed(key, classify("delete", key, e)));
            }
        }
        return results;
    }

    @Override
    public ObjectMetadata copy(String sourceKey, String targetKey, CallContext context) throws RemoteStorageException {
        paths.objectFile(sourceKey);
        paths.objectFile(targetKey);
        begin("copy", sourceKey, context);
        try (ObjectContent source = get(sourceKey, ByteRange.WHOLE, Optional.empty(), context)) {
            return put(targetKey, source.stream(), source.length(), PutOptions.DEFAULT, context);
        } catch (RemoteStorageException.NotFound e) {
            throw new RemoteStorageException.NotFound("copy", sourceKey, e);
        } catch (IOException e) {
            throw classify("copy", sourceKey, e);
        }
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "LocalFsStorage[" + paths.root() + "]";
    }

    private void begin(String operation, String key, CallContext context) throws RemoteStorageException {
        Objects.requireNonNull(context, "context is null");
        if (closed) {
            throw new IllegalStateException("localfs storage at " + paths.root() + " is closed");
        }
        context.check(operation, key);
    }

    /** Creates a temp file in {@code directory}, creating the directory; retries if a delete prunes it meanwhile. */
    private Path createTemp(Path directory) throws IOException {
        for (int attempt = 1; ; attempt++) {
            Files.createDirectories(directory);
            Path temp = KeyPaths.tempFile(directory, random);
            try {
                return Files.createFile(temp);
            } catch (NoSuchFileException e) {
                if (attempt == DIRECTORY_RACE_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** Removes empty directories from {@code directory} up to (not including) the root. */
    private void pruneEmptyDirectories(Path directory) {
        Path current = directory;
        while (current != null && current.startsWith(paths.root()) && !current.equals(paths.root())) {
            try {
                Files.delete(current);
            } catch (DirectoryNotEmptyException | NoSuchFileException e) {
                return;
            } catch (IOException e) {
                return; // an empty directory left behind is harmless: listing shows only objects
            }
            current = current.getParent();
        }
    }

    private void syncDirectory(Path directory) throws IOException {
        if (!fsync) {
            return;
        }
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private static ObjectMetadata metadata(String key, ObjectHeader header) {
        return new ObjectMetadata(key, header.size(), header.etag(), header.lastModified());
    }

    static RemoteStorageException classify(String operation, String key, IOException e) {
        return switch (e) {
            case RemoteStorageException classified -> classified;
            case NoSuchFileException missing -> new RemoteStorageException.NotFound(operation, key, missing);
            case ClosedByInterruptException interrupted -> {
                Thread.currentThread().interrupt();
                yield new RemoteStorageException.Cancelled(operation, key, interrupted);
            }
            case AccessDeniedException denied -> new RemoteStorageException.Permanent(operation, key, denied.toString(), denied);
            case CorruptObjectException corrupt -> new RemoteStorageException.Permanent(operation, key, corrupt.getMessage(), corrupt);
            default -> new RemoteStorageException.Transient(operation, key, e.toString(), null, e);
        };
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no MD5", e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // best effort: a leftover temp file is swept at the next start
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing was written through it
        }
    }
}

package dev.strata.backend.localfs;

import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.ListPage;
import dev.strata.api.remote.ListRequest;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.api.remote.RemoteStorageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * One page of a listing with S3 semantics, computed from the directory tree: every object under the prefix's
 * directory whose key starts with the prefix, in UTF-8 byte order, rolled up at the delimiter. The continuation
 * token is the last entry returned (a key or a common prefix), so the next page starts after it and a common
 * prefix is never split across pages.
 */
final class Listing {
    private static final Comparator<Entry> UTF8_ORDER = (left, right) -> Arrays.compareUnsigned(left.bytes, right.bytes);

    private Listing() {}

    /** Reads an object's metadata, or empty if it vanished meanwhile. */
    @FunctionalInterface
    interface MetadataReader {
        Optional<ObjectMetadata> read(String key, Path file) throws IOException;
    }

    private record Entry(String value, byte[] bytes, Path file) {
        Entry(String value, Path file) {
            this(value, value.getBytes(StandardCharsets.UTF_8), file);
        }

        boolean isCommonPrefix() {
            return file == null;
        }
    }

    static ListPage page(KeyPaths paths, ListRequest request, CallContext context, MetadataReader reader)
            throws IOException, RemoteStorageException {
        String prefix = request.prefix();
        List<Entry> keys = new ArrayList<>();
        collect(paths, paths.directoryOf(prefix), prefix, keys, context);
        keys.sort(UTF8_ORDER);

        List<Entry> entries = new ArrayList<>(keys.size());
        for (Entry key : keys) {
            if (request.delimiter().isPresent()) {
                String delimiter = request.delimiter().get();
                int at = key.value().indexOf(delimiter, prefix.length());
                if (at >= 0) {
                    String commonPrefix = key.value().substring(0, at + delimiter.length());
                    if (entries.isEmpty() || !entries.getLast().value().equals(commonPrefix)) {
                        entries.add(new Entry(commonPrefix, null));
                    }
                    continue;
                }
            }
            entries.add(key);
        }

        byte[] after = request.continuationToken().map(Listing::decodeToken).orElse(null);
        List<ObjectMetadata> objects = new ArrayList<>();
        List<String> commonPrefixes = new ArrayList<>();
        int taken = 0;
        String last = null;
        boolean more = false;
        for (Entry entry : entries) {
            if (after != null && Arrays.compareUnsigned(entry.bytes(), after) <= 0) {
                continue;
            }
            if (taken == request.maxKeys()) {
                more = true;
                break;
            }
            if (entry.isCommonPrefix()) {
                commonPrefixes.add(entry.value());
            } else {
                Optional<ObjectMetadata> metadata = reader.read(entry.value(), entry.file());
                if (metadata.isEmpty()) {
                    continue;
                }
                objects.add(metadata.get());
            }
            taken++;
            last = entry.value();
        }
        Optional<String> next = more ? Optional.of(encodeToken(last)) : Optional.empty();
        return new ListPage(objects, commonPrefixes, next);
    }

    private static void collect(KeyPaths paths, Path directory, String prefix, List<Entry> keys, CallContext context)
            throws IOException, RemoteStorageException {
        if (!Files.isDirectory(directory)) {
            return;
        }
        RemoteStorageException[] stopped = new RemoteStorageException[1];
        Files.walkFileTree(directory, new SimpleFileVisitor<>() {
            private int visited;

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                if (++visited % 1024 == 0) {
                    try {
                        context.check("list", null);
                    } catch (RemoteStorageException e) {
                        stopped[0] = e;
                        return FileVisitResult.TERMINATE;
                    }
                }
                if (attributes.isRegularFile()) {
                    paths.keyOf(file).filter(key -> key.startsWith(prefix)).ifPresent(key -> keys.add(new Entry(key, file)));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE; // removed by a concurrent delete
                }
                throw e;
            }
        });
        if (stopped[0] != null) {
            throw stopped[0];
        }
    }

    private static String encodeToken(String lastEntry) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(lastEntry.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] decodeToken(String token) {
        try {
            return Base64.getUrlDecoder().decode(token);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("continuation token '" + token + "' was not issued by localfs", e);
        }
    }
}

package dev.strata.backend.localfs;

import dev.strata.api.remote.RemoteKeys;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * Maps keys to files under a root directory so that every valid key has its own file and no two keys collide,
 * even when one key is a prefix directory of another ({@code a} and {@code a/b} both exist on S3).
 *
 * <p>Each key segment is escaped (only {@code %} becomes {@code %25}); a segment that is a directory keeps the
 * escaped name, the object file of the last segment gets a trailing {@code %}. An escaped name never ends in a
 * lone {@code %}, so directory {@code a} and object file {@code a%} cannot be confused. Temp files are named
 * {@code %tmp-<random>}, which no escaped name starts with.
 */
final class KeyPaths {
    static final String OBJECT_SUFFIX = "%";
    static final String TEMP_PREFIX = "%tmp-";

    private final Path root;

    KeyPaths(Path root) {
        this.root = Objects.requireNonNull(root, "root is null");
    }

    Path root() {
        return root;
    }

    /** The object file of a valid key. */
    Path objectFile(String key) {
        RemoteKeys.requireValid(key);
        String[] segments = key.split("/", -1);
        Path path = root;
        for (int i = 0; i < segments.length - 1; i++) {
            path = path.resolve(escape(segments[i]));
        }
        return path.resolve(escape(segments[segments.length - 1]) + OBJECT_SUFFIX);
    }

    /**
     * The directory that holds every object whose key starts with {@code prefix}: the complete segments of
     * the prefix, which may end mid-segment.
     */
    Path directoryOf(String prefix) {
        int lastSlash = prefix.lastIndexOf('/');
        if (lastSlash < 0) {
            return root;
        }
        Path path = root;
        for (String segment : prefix.substring(0, lastSlash).split("/", -1)) {
            path = path.resolve(escape(segment));
        }
        return path;
    }

    /** The key of an object file under the root, or empty if the file is not an object (a temp file). */
    Optional<String> keyOf(Path file) {
        Path relative = root.relativize(file);
        StringBuilder key = new StringBuilder();
        for (int i = 0; i < relative.getNameCount(); i++) {
            String name = relative.getName(i).toString();
            boolean last = i == relative.getNameCount() - 1;
            if (last) {
                if (!name.endsWith(OBJECT_SUFFIX) || name.startsWith(TEMP_PREFIX)) {
                    return Optional.empty();
                }
                name = name.substring(0, name.length() - OBJECT_SUFFIX.length());
            }
            Optional<String> segment = unescape(name);
            if (segment.isEmpty()) {
                return Optional.empty();
            }
            if (i > 0) {
                key.append('/');
            }
            key.append(segment.get());
        }
        return Optional.of(key.toString());
    }

    static boolean isTempFile(Path file) {
        return file.getFileName().toString().startsWith(TEMP_PREFIX);
    }

    static String escape(String segment) {
        return segment.replace("%", "%25");
    }

    /** Reverses {@link #escape}; empty for a name that escape cannot have produced. */
    static Optional<String> unescape(String name) {
        if (name.isEmpty()) {
            return Optional.empty();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(name.length());
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < utf8.length; i++) {
            if (utf8[i] != '%') {
                bytes.write(utf8[i]);
                continue;
            }
            if (i + 2 >= utf8.length || utf8[i + 1] != '2' || utf8[i + 2] != '5') {
                return Optional.empty();
            }
            bytes.write('%');
            i += 2;
        }
        return Optional.of(bytes.toString(StandardCharsets.UTF_8));
    }

    /** A fresh temp file name in {@code directory}. */
    static Path tempFile(Path directory, java.util.random.RandomGenerator random) {
        byte[] suffix = new byte[12];
        random.nextBytes(suffix);
        return directory.resolve(TEMP_PREFIX + HexFormat.of().formatHex(suffix));
    }
}

package dev.strata.core.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * Crash-safe file primitives.
 *
 * <ul>
 *   <li>{@link #renameNoReplace} moves a file to a name that must not exist yet, atomically: Linux
 *       {@code renameat2(RENAME_NOREPLACE)} through the FFM API, or {@code link} + {@code unlink} where that
 *       call is unavailable. An existing target is never replaced.</li>
 *   <li>{@link #fsyncDirectory} makes a rename or a deletion in a directory durable.</li>
 *   <li>{@link #writeAtomically} replaces a small state file so that a reader sees the old or the new
 *       contents, never a mix: temp file, fsync, rename, fsync of the directory.</li>
 * </ul>
 */
public final class DurableFiles {
    /** Suffix of files written but not yet renamed; start-up removes them. */
    public static final String TEMP_SUFFIX = ".___temp";

    private static final int AT_FDCWD = -100;
    private static final int RENAME_NOREPLACE = 1;
    private static final int EEXIST = 17;
    private static final int ENOENT = 2;
    private static final int ENOSYS = 38;
    private static final int EINVAL = 22;

    private static final MethodHandle RENAMEAT2;
    private static final StructLayout CAPTURE_LAYOUT;
    private static final VarHandle ERRNO;

    static {
        MethodHandle handle = null;
        StructLayout layout = null;
        VarHandle errno = null;
        try {
            Linker linker = Linker.nativeLinker();
            layout = Linker.Option.captureStateLayout();
            errno = layout.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
            handle = linker.defaultLookup().find("renameat2").map(symbol -> linker.downcallHandle(symbol,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                    Linker.Option.captureCallState("errno"))).orElse(null);
        } catch (RuntimeException | LinkageError e) {
            handle = null;
        }
        RENAMEAT2 = handle;
        CAPTURE_LAYOUT = layout;
        ERRNO = errno;
    }

    private DurableFiles() {}

    /** True when no-replace renames go through {@code renameat2}; false when link + unlink is used. */
    public static boolean usesRenameat2() {
        return RENAMEAT2 != null;
    }

    /**
     * Renames {@code source} to {@code target}, failing if {@code target} exists. Does not fsync; callers
     * fsync the file before and the directory after.
     *
     * @throws FileAlreadyExistsException if {@code target} exists; {@code source} is left in place
     * @throws NoSuchFileException if {@code source} does not exist
     */
    public static void renameNoReplace(Path source, Path target) throws IOException {
        Objects.requireNonNull(source, "source is null");
        Objects.requireNonNull(target, "target is null");
        if (RENAMEAT2 != null) {
            int errno = renameat2(source, target);
            if (errno == 0) {
                return;
            }
            switch (errno) {
                case EEXIST -> throw new FileAlreadyExistsException(target.toString(), source.toString(),
                        "target exists; a layer or state file is never overwritten");
                case ENOENT -> throw new NoSuchFileException(source.toString(), target.toString(), "rename source missing");
                case ENOSYS, EINVAL -> {
                    // The file system does not support RENAME_NOREPLACE: fall through to link + unlink.
                }
                default -> throw new IOException("renameat2(" + source + ", " + target + ") failed with errno " + errno);
            }
        }
        Files.createLink(target, source);
        Files.delete(source);
    }

    private static int renameat2(Path source, Path target) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE_LAYOUT);
            MemorySegment from = arena.allocateFrom(source.toAbsolutePath().toString());
            MemorySegment to = arena.allocateFrom(target.toAbsolutePath().toString());
            int result = (int) RENAMEAT2.invokeExact(capture, AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
            return result == 0 ? 0 : (int) ERRNO.get(capture, 0L);
        } catch (Throwable t) {
            if (t instanceof Error error) {
                throw error;
            }
            throw new IOException("renameat2 call failed: " + t, t);
        }
    }

    /** Forces a directory's entries (renames, creations, deletions) to disk. */
    public static void fsyncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /**
     * Replaces {@code target} with {@code content} crash-safely: write {@code <target>.___temp}, fsync it,
     * rename over {@code target}, fsync the directory. On failure the temp file is removed and
     * {@code target} is unchanged.
     */
    public static void writeAtomically(Path target, byte[] content) throws IOException {
        writeAtomically(target, content, TEMP_SUFFIX);
    }

    /** As {@link #writeAtomically(Path, byte[])} with a chosen temp suffix (the deletion queue uses {@code .tmp}). */
    public static void writeAtomically(Path target, byte[] content, String tempSuffix) throws IOException {
        Path temp = target.resolveSibling(target.getFileName() + tempSuffix);
        boolean success = false;
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("file system cannot rename " + temp + " atomically", e);
            }
            fsyncDirectory(target.getParent());
            success = true;
        } finally {
            if (!success) {
                Files.deleteIfExists(temp);
            }
        }
    }

    /** Creates a directory (and missing parents) and fsyncs its parent so the entry survives a crash. */
    public static void createDirectoryDurably(Path directory) throws IOException {
        if (Files.isDirectory(directory)) {
            return;
        }
        Path parent = directory.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            createDirectoryDurably(parent);
        }
        Files.createDirectories(directory);
        if (parent != null) {
            fsyncDirectory(parent);
        }
    }

    /** Deletes a file or a directory tree; a missing path is fine. Symbolic links are not followed. */
    public static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (java.util.stream.Stream<Path> walk = Files.walk(path)) {
            for (Path entry : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(entry);
            }
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * Deletes a directory tree so that a crash never leaves it half-deleted under its own name: it is
     * renamed to {@code <name>.___temp} and the parent fsynced first (start-up removes such leftovers), then
     * deleted.
     */
    public static void deleteDirectoryDurably(Path directory) throws IOException {
        Path aside = directory.resolveSibling(directory.getFileName() + TEMP_SUFFIX);
        deleteRecursively(aside);
        renameNoReplace(directory, aside);
        fsyncDirectory(directory.toAbsolutePath().getParent());
        deleteRecursively(aside);
    }
}

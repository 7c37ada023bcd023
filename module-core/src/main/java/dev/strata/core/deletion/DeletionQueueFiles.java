package dev.strata.core.deletion;

import dev.strata.core.io.DurableFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The deletion queue's directory: list files and the header, each written {@code <name>.tmp} → fsync → rename
 * → fsync directory (INVARIANTS 4), so a reader never sees a half-written one.
 */
final class DeletionQueueFiles {
    static final String TEMP_SUFFIX = ".tmp";
    private static final System.Logger LOG = System.getLogger(DeletionQueueFiles.class.getName());

    private final Path directory;
    private final DeletionQueueMetrics metrics;

    /** What a start-up found: the header and every readable list, in sequence order. */
    record Recovered(DeletionHeader header, List<DeletionList> lists) { }

    DeletionQueueFiles(Path directory, DeletionQueueMetrics metrics) {
        this.directory = Objects.requireNonNull(directory, "directory is null");
        this.metrics = Objects.requireNonNull(metrics, "metrics is null");
    }

    void writeList(DeletionList list) throws IOException {
        DurableFiles.writeAtomically(directory.resolve(DeletionList.fileName(list.sequence())), list.toJson(), TEMP_SUFFIX);
    }

    void writeHeader(DeletionHeader header) throws IOException {
        DurableFiles.writeAtomically(directory.resolve(DeletionHeader.FILE), header.toJson(), TEMP_SUFFIX);
    }

    void deleteList(long sequence) throws IOException {
        if (Files.deleteIfExists(directory.resolve(DeletionList.fileName(sequence)))) {
            DurableFiles.fsyncDirectory(directory);
        }
    }

    /**
     * Reads the header (absent: validated sequence 0) and every list. Leftover temporary files are removed. A
     * list that cannot be read, or whose content names another sequence, is deleted with an error log line
     * naming it and counted; an unreadable header is treated as absent (lists carry their own validated flag).
     */
    Recovered recover() throws IOException {
        DurableFiles.createDirectoryDurably(directory);
        DeletionHeader header = DeletionHeader.INITIAL;
        Path headerFile = directory.resolve(DeletionHeader.FILE);
        try {
            header = DeletionHeader.parse(headerFile.toString(), Files.readAllBytes(headerFile));
        } catch (NoSuchFileException e) {
            // A new queue.
        } catch (IOException e) {
            metrics.unreadableList();
            LOG.log(System.Logger.Level.ERROR, "deletion queue: ignoring unreadable header {0}: {1}", headerFile, e.getMessage());
        }
        List<DeletionList> lists = new ArrayList<>();
        boolean removed = false;
        try (Stream<Path> entries = Files.list(directory)) {
            for (Path file : entries.sorted().toList()) {
                String name = file.getFileName().toString();
                if (name.endsWith(TEMP_SUFFIX)) {
                    Files.deleteIfExists(file);
                    removed = true;
                    continue;
                }
                if (name.equals(DeletionHeader.FILE)) {
                    continue;
                }
                long sequence = DeletionList.sequenceOf(name);
                if (sequence <= 0) {
                    LOG.log(System.Logger.Level.ERROR, "deletion queue: unknown file {0} left in place", file);
                    continue;
                }
                try {
                    DeletionList list = DeletionList.parse(file.toString(), Files.readAllBytes(file));
                    if (list.sequence() != sequence) {
                        throw new IOException("deletion list " + file + " holds sequence " + list.sequence());
                    }
                    lists.add(list);
                } catch (IOException e) {
                    metrics.unreadableList();
                    LOG.log(System.Logger.Level.ERROR, "deletion queue: dropping unreadable list {0}: {1}", file, e.getMessage());
                    Files.deleteIfExists(file);
                    removed = true;
                }
            }
        }
        if (removed) {
            DurableFiles.fsyncDirectory(directory);
        }
        return new Recovered(header, lists);
    }
}

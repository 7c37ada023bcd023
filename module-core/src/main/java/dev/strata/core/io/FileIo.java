package dev.strata.core.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * Opens the file channels that the engine writes layers and WAL through. Production uses {@link #DEFAULT};
 * tests substitute a fault-injecting implementation (disk full, I/O errors) to prove that every failure path
 * cleans up after itself.
 */
@FunctionalInterface
public interface FileIo {
    /** Plain {@link FileChannel#open(Path, OpenOption...)}. */
    FileIo DEFAULT = FileChannel::open;

    FileChannel open(Path path, OpenOption... options) throws IOException;
}

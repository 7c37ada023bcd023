package dev.strata.core.metrics;

import com.codahale.metrics.Counter;
import dev.strata.core.io.FileIo;
import dev.strata.core.io.ForwardingFileChannel;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Opens channels through another {@link FileIo} and counts their {@code force()} calls: under
 * {@code strata.fsyncs.wal} for files in a {@code wal} directory, {@code strata.fsyncs.layer} otherwise.
 * Every other call goes to the underlying channel unchanged.
 */
final class FsyncCountingFileIo implements FileIo {
    private static final String WAL_DIRECTORY = "wal";

    private final FileIo delegate;
    private final Counter walFsyncs;
    private final Counter layerFsyncs;

    FsyncCountingFileIo(FileIo delegate, Counter walFsyncs, Counter layerFsyncs) {
        this.delegate = Objects.requireNonNull(delegate, "delegate is null");
        this.walFsyncs = Objects.requireNonNull(walFsyncs, "walFsyncs is null");
        this.layerFsyncs = Objects.requireNonNull(layerFsyncs, "layerFsyncs is null");
    }

    @Override
    public FileChannel open(Path path, OpenOption... options) throws IOException {
        Path parent = path.getParent();
        boolean wal = parent != null && parent.getFileName() != null && parent.getFileName().toString().equals(WAL_DIRECTORY);
        return new Counting(delegate.open(path, options), wal ? walFsyncs : layerFsyncs);
    }

    private static final class Counting extends ForwardingFileChannel {
        private final Counter fsyncs;

        Counting(FileChannel channel, Counter fsyncs) {
            super(channel);
            this.fsyncs = fsyncs;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            delegate.force(metaData);
            fsyncs.inc();
        }
    }
}

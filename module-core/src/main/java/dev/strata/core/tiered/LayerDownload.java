package dev.strata.core.tiered;

import dev.strata.api.LayerFileName;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.remote.ByteRange;
import dev.strata.api.remote.Cancellation;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.Deadline;
import dev.strata.api.remote.ObjectContent;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.io.DurableFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Downloads one layer object to its local file, the one way every layer reaches a local disk (on-demand reads of
 * an attached timeline and the warm copy of a Secondary location): into {@code <file>.<n>.temp_download}
 * (created new), checked against the expected size, forced, renamed into place without replacing, and the
 * directory forced. The object is named by the generation in the layer's name, never by the caller's.
 */
public final class LayerDownload {
    /** Suffix of a download in progress (removed at start and on failure). */
    public static final String TEMP_DOWNLOAD_SUFFIX = ".temp_download";
    /** Hit after the object is opened and before its bytes are copied. */
    public static final String FAILPOINT_DURING_DOWNLOAD = "remote-during-download";
    private static final AtomicLong COUNTER = new AtomicLong();

    private LayerDownload() {}

    /**
     * @return the local file {@code directory/<layer local name>}
     * @throws IOException when the object is missing or of another size, the target already exists, or on an I/O
     *                     error; no temp file is left behind
     */
    public static Path download(RemoteResources remote, TenantId tenantId, TimelineId timelineId, Path directory,
                                LayerFileName layer, long expectedSize, Failpoints failpoints, Cancellation cancellation)
            throws IOException {
        Path target = directory.resolve(layer.localFileName());
        Path temp = directory.resolve(layer.localFileName() + "." + Long.toHexString(COUNTER.incrementAndGet())
                + TEMP_DOWNLOAD_SUFFIX);
        String key = remote.layout().layerKey(tenantId, timelineId, layer);
        boolean success = false;
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                long copied;
                try (ObjectContent content = remote.storage().get(key, ByteRange.WHOLE, Optional.empty(),
                        new CallContext(cancellation, Deadline.NONE))) {
                    failpoints.hit(FAILPOINT_DURING_DOWNLOAD);
                    copied = copy(content.stream(), channel);
                }
                if (copied != expectedSize) {
                    throw new IOException("layer object " + key + " has " + copied + " bytes, expected " + expectedSize);
                }
                channel.force(true);
            }
            DurableFiles.renameNoReplace(temp, target);
            DurableFiles.fsyncDirectory(directory);
            success = true;
            return target;
        } finally {
            if (!success) {
                Files.deleteIfExists(temp);
            }
        }
    }

    private static long copy(InputStream in, FileChannel out) throws IOException {
        byte[] buffer = new byte[256 * 1024];
        long total = 0;
        int read;
        while ((read = in.read(buffer)) >= 0) {
            ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, read);
            while (chunk.hasRemaining()) {
                out.write(chunk);
            }
            total += read;
        }
        return total;
    }
}

package dev.strata.core.layer;

import static java.util.Objects.requireNonNull;

import dev.strata.api.Key;
import dev.strata.api.Lsn;

/**
 * What a layer file says about itself in its summary section. The ranges equal those of the file's name
 * ({@link LayerFile#open} checks it): for an image, {@code lsnStart} is the image LSN and {@code lsnEnd} is
 * one past it.
 *
 * @param formatVersion the layout version the file was written with
 * @param delta         true for a delta layer, false for an image layer
 * @param keyStart      inclusive start of the key range
 * @param keyEnd        exclusive end of the key range
 * @param lsnStart      inclusive start of the LSN range
 * @param lsnEnd        exclusive end of the LSN range
 * @param entryCount    number of (key, LSN) entries
 * @param blockCount    number of data blocks
 * @param compressed    whether the writer compressed blocks (each block still says how it is stored)
 */
public record LayerSummary(int formatVersion, boolean delta, Key keyStart, Key keyEnd, Lsn lsnStart, Lsn lsnEnd,
                           long entryCount, int blockCount, boolean compressed) {
    public LayerSummary {
        requireNonNull(keyStart, "keyStart is null");
        requireNonNull(keyEnd, "keyEnd is null");
        requireNonNull(lsnStart, "lsnStart is null");
        requireNonNull(lsnEnd, "lsnEnd is null");
        if (entryCount < 0 || blockCount < 0) {
            throw new IllegalArgumentException("negative counts: " + entryCount + " entries, " + blockCount + " blocks");
        }
    }
}

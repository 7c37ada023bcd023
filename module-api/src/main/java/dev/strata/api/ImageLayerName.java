package dev.strata.api;

import java.util.Objects;

/** An image layer: the page of every key in [keyStart, keyEnd) as of {@code lsn} (inclusive). */
public record ImageLayerName(Key keyStart, Key keyEnd, Lsn lsn) implements LayerName {
    public ImageLayerName {
        LayerName.checkKeys(keyStart, keyEnd);
        Objects.requireNonNull(lsn, "lsn is null");
        if (lsn.equals(Lsn.MAX)) {
            throw new IllegalArgumentException("image LSN must be below the maximum LSN");
        }
    }

    @Override
    public Lsn lsnStart() {
        return lsn;
    }

    @Override
    public Lsn lsnEnd() {
        return lsn.plus(1);
    }

    @Override
    public String text() {
        return keyStart + "-" + keyEnd + "__" + lsn.toFileName();
    }

    @Override
    public String toString() {
        return text();
    }
}

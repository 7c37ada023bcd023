package dev.strata.api;

import java.util.Objects;

/** A delta layer: values for keys in [keyStart, keyEnd) with LSNs in [lsnStart, lsnEnd). */
public record DeltaLayerName(Key keyStart, Key keyEnd, Lsn lsnStart, Lsn lsnEnd) implements LayerName {
    public DeltaLayerName {
        LayerName.checkKeys(keyStart, keyEnd);
        Objects.requireNonNull(lsnStart, "lsnStart is null");
        Objects.requireNonNull(lsnEnd, "lsnEnd is null");
        if (lsnStart.compareTo(lsnEnd) >= 0) {
            throw new IllegalArgumentException("LSN start " + lsnStart + " is not below LSN end " + lsnEnd);
        }
    }

    @Override
    public String text() {
        return keyStart + "-" + keyEnd + "__" + lsnStart.toFileName() + "-" + lsnEnd.toFileName();
    }

    @Override
    public String toString() {
        return text();
    }
}

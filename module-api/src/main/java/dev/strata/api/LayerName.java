package dev.strata.api;

import java.util.Objects;

/**
 * The name of a layer: a delta (key range x LSN range) or an image (key range at one LSN).
 *
 * <pre>
 * image: &lt;key start&gt;-&lt;key end&gt;__&lt;LSN&gt;
 * delta: &lt;key start&gt;-&lt;key end&gt;__&lt;LSN start&gt;-&lt;LSN end&gt;    (LSN range is [start, end))
 * </pre>
 *
 * A name with a generation suffix and the same name without it describe the same layer; {@link #parse}
 * accepts both and drops the suffix (use {@link LayerFileName} to keep it).
 */
public sealed interface LayerName extends Comparable<LayerName> permits DeltaLayerName, ImageLayerName {

    Key keyStart();

    /** Exclusive end of the key range. */
    Key keyEnd();

    /** Lowest LSN of the range (inclusive). */
    Lsn lsnStart();

    /** Exclusive end of the LSN range; for an image, its LSN plus one. */
    Lsn lsnEnd();

    /** The canonical text of this name, without any generation suffix. */
    String text();

    /** True for a delta that spans every key: a level-0 delta. */
    default boolean isL0() {
        return this instanceof DeltaLayerName && keyStart().equals(Key.MIN) && keyEnd().equals(Key.MAX);
    }

    /** True when the key range contains {@code key}. */
    default boolean containsKey(Key key) {
        return keyStart().compareTo(key) <= 0 && key.compareTo(keyEnd()) < 0;
    }

    /**
     * Parses a layer name, with or without a generation suffix (local {@code -v1-<gen>} or remote
     * {@code -<gen>}).
     *
     * @throws InvalidInputException that names the input when it is neither a delta nor an image name
     */
    static LayerName parse(String text) {
        return LayerFileName.parse(text).name();
    }

    @Override
    default int compareTo(LayerName other) {
        int c = keyStart().compareTo(other.keyStart());
        if (c != 0) {
            return c;
        }
        c = lsnStart().compareTo(other.lsnStart());
        if (c != 0) {
            return c;
        }
        c = keyEnd().compareTo(other.keyEnd());
        if (c != 0) {
            return c;
        }
        c = lsnEnd().compareTo(other.lsnEnd());
        if (c != 0) {
            return c;
        }
        return Boolean.compare(this instanceof DeltaLayerName, other instanceof DeltaLayerName);
    }

    /** Shared by the record constructors. */
    static void checkKeys(Key keyStart, Key keyEnd) {
        Objects.requireNonNull(keyStart, "keyStart is null");
        Objects.requireNonNull(keyEnd, "keyEnd is null");
        if (keyStart.compareTo(keyEnd) >= 0) {
            throw new IllegalArgumentException("key start " + keyStart + " is not below key end " + keyEnd);
        }
    }
}

package dev.strata.api;

import java.util.Arrays;
import java.util.Objects;

/**
 * A value stored for a (key, LSN): a full page image, or a record applied on top of the previous version of
 * the page. Records that {@link #initializes() initialise} the page do not need any earlier version; a read
 * stops collecting at the first one it meets.
 *
 * <p>Built-in kinds are applied by the engine. {@link Custom} records are applied by the
 * {@link dev.strata.api.redo.RedoHandler} whose {@code kind()} matches, found through {@code ServiceLoader}.
 */
public sealed interface PageRecord permits PageRecord.Image, PageRecord.Init, PageRecord.Overwrite,
        PageRecord.Append, PageRecord.Custom {

    /** The largest page or record payload accepted anywhere: 1 MiB. */
    int MAX_VALUE_BYTES = 1 << 20;

    /** True when applying this record needs no earlier version of the page. */
    boolean initializes();

    /** Number of payload bytes, for accounting. */
    int payloadSize();

    /** The full page. */
    record Image(byte[] page) implements PageRecord {
        public Image {
            Objects.requireNonNull(page, "page is null");
            checkSize("page image", page.length);
        }

        @Override
        public boolean initializes() {
            return true;
        }

        @Override
        public int payloadSize() {
            return page.length;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Image image && Arrays.equals(page, image.page);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(page);
        }

        @Override
        public String toString() {
            return "Image[" + page.length + " bytes]";
        }
    }

    /** Starts the page over as {@code size} zero bytes. */
    record Init(int size) implements PageRecord {
        public Init {
            if (size < 0) {
                throw new InvalidInputException("page size", Integer.toString(size), "must not be negative");
            }
            checkSize("initialised page", size);
        }

        @Override
        public boolean initializes() {
            return true;
        }

        @Override
        public int payloadSize() {
            return 0;
        }
    }

    /** Writes {@code bytes} at {@code offset}; a shorter page is first extended with zero bytes. */
    record Overwrite(int offset, byte[] bytes) implements PageRecord {
        public Overwrite {
            Objects.requireNonNull(bytes, "bytes is null");
            if (offset < 0) {
                throw new InvalidInputException("overwrite offset", Integer.toString(offset), "must not be negative");
            }
            checkSize("overwrite end", (long) offset + bytes.length);
        }

        @Override
        public boolean initializes() {
            return false;
        }

        @Override
        public int payloadSize() {
            return bytes.length;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Overwrite o && offset == o.offset && Arrays.equals(bytes, o.bytes);
        }

        @Override
        public int hashCode() {
            return 31 * offset + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Overwrite[offset=" + offset + ", " + bytes.length + " bytes]";
        }
    }

    /** Appends {@code bytes} to the page. */
    record Append(byte[] bytes) implements PageRecord {
        public Append {
            Objects.requireNonNull(bytes, "bytes is null");
            checkSize("append", bytes.length);
        }

        @Override
        public boolean initializes() {
            return false;
        }

        @Override
        public int payloadSize() {
            return bytes.length;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Append a && Arrays.equals(bytes, a.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Append[" + bytes.length + " bytes]";
        }
    }

    /**
     * A record of a kind that a plugin's {@link dev.strata.api.redo.RedoHandler} applies. The kind is 1 to 64
     * characters of {@code [a-z0-9._-]}.
     */
    record Custom(String kind, byte[] payload, boolean initializes) implements PageRecord {
        public Custom {
            Objects.requireNonNull(kind, "kind is null");
            Objects.requireNonNull(payload, "payload is null");
            if (kind.isEmpty() || kind.length() > 64 || !kind.matches("[a-z0-9._-]+")) {
                throw new InvalidInputException("record kind", kind, "expected 1 to 64 characters of [a-z0-9._-]");
            }
            checkSize("custom record", payload.length);
        }

        @Override
        public int payloadSize() {
            return payload.length;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Custom c && kind.equals(c.kind) && initializes == c.initializes
                    && Arrays.equals(payload, c.payload);
        }

        @Override
        public int hashCode() {
            return kind.hashCode() * 31 + Arrays.hashCode(payload) + (initializes ? 1 : 0);
        }

        @Override
        public String toString() {
            return "Custom[" + kind + ", " + payload.length + " bytes]";
        }
    }

    private static void checkSize(String what, long size) {
        if (size > MAX_VALUE_BYTES) {
            throw new InvalidInputException(what, Long.toString(size),
                    "larger than the maximum of " + MAX_VALUE_BYTES + " bytes");
        }
    }
}

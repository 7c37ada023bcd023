package dev.strata.api.remote;

/**
 * Which bytes of an object a {@link RemoteStorage#get get} returns. Ranges are clipped to the object: bytes
 * past the end are simply not returned, never an error.
 */
public sealed interface ByteRange {
    /** The whole object. */
    ByteRange WHOLE = new Whole();

    /** {@code length} bytes from {@code offset}; an offset at or past the end yields no bytes. */
    static ByteRange of(long offset, long length) {
        return new Span(offset, length);
    }

    /** The last {@code length} bytes, or the whole object if it is shorter. */
    static ByteRange tail(long length) {
        return new Tail(length);
    }

    /** The offset of the first returned byte in an object of {@code size} bytes. */
    long start(long size);

    /** How many bytes are returned from an object of {@code size} bytes. */
    long length(long size);

    record Whole() implements ByteRange {
        @Override
        public long start(long size) {
            return 0;
        }

        @Override
        public long length(long size) {
            return size;
        }
    }

    record Span(long offset, long length) implements ByteRange {
        public Span {
            if (offset < 0 || length < 0) {
                throw new IllegalArgumentException("negative range: offset " + offset + ", length " + length);
            }
        }

        @Override
        public long start(long size) {
            return Math.min(offset, size);
        }

        @Override
        public long length(long size) {
            return Math.max(0, Math.min(length, size - start(size)));
        }
    }

    record Tail(long length) implements ByteRange {
        public Tail {
            if (length < 0) {
                throw new IllegalArgumentException("negative tail length: " + length);
            }
        }

        @Override
        public long start(long size) {
            return Math.max(0, size - length);
        }

        @Override
        public long length(long size) {
            return size - start(size);
        }
    }
}

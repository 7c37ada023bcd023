package dev.strata.core.layer;

/**
 * How a {@link LayerWriter} cuts and encodes data blocks.
 *
 * @param targetBlockBytes the decoded size at which a data block is closed, from {@link #MIN_BLOCK_BYTES} to
 *                         {@link #MAX_BLOCK_BYTES}; a single entry larger than this gets a block of its own
 * @param compress         whether each data block is Deflate-compressed (a block that does not shrink is
 *                         stored raw)
 */
public record LayerWriteOptions(int targetBlockBytes, boolean compress) {
    /** Smallest accepted target; small blocks are only useful in tests that want many blocks. */
    public static final int MIN_BLOCK_BYTES = 128;
    /** Largest accepted target: a block is read and cached whole, so it must stay far below the heap. */
    public static final int MAX_BLOCK_BYTES = 64 << 20;
    /** 64 KiB blocks, not compressed. */
    public static final LayerWriteOptions DEFAULT = new LayerWriteOptions(64 * 1024, false);

    public LayerWriteOptions {
        if (targetBlockBytes < MIN_BLOCK_BYTES || targetBlockBytes > MAX_BLOCK_BYTES) {
            throw new IllegalArgumentException("targetBlockBytes " + targetBlockBytes + " is outside "
                    + MIN_BLOCK_BYTES + " to " + MAX_BLOCK_BYTES);
        }
    }
}

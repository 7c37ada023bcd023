package dev.strata.core.layer;

import static java.util.Objects.requireNonNull;

import dev.strata.api.Key;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The block index of an open layer file: for each data block its first and last (key, LSN), its place in the
 * file and its entry count, held in arrays so a lookup is a binary search without allocation. Immutable and
 * so safe to share between reader threads. The encoding is described in {@link LayerFormat}.
 */
final class BlockIndex {
    private final Key[] firstKeys;
    private final long[] firstLsns;
    private final Key[] lastKeys;
    private final long[] lastLsns;
    private final long[] offsets;
    private final int[] lengths;
    private final int[] entryCounts;

    private BlockIndex(int blockCount) {
        this.firstKeys = new Key[blockCount];
        this.firstLsns = new long[blockCount];
        this.lastKeys = new Key[blockCount];
        this.lastLsns = new long[blockCount];
        this.offsets = new long[blockCount];
        this.lengths = new int[blockCount];
        this.entryCounts = new int[blockCount];
    }

    /** Orders (key, LSN) pairs as the file does: key, then LSN as an unsigned number. */
    static int compare(Key key, long lsn, Key otherKey, long otherLsn) {
        int c = key.compareTo(otherKey);
        return c != 0 ? c : Long.compareUnsigned(lsn, otherLsn);
    }

    int blockCount() {
        return offsets.length;
    }

    long offset(int block) {
        return offsets[block];
    }

    int length(int block) {
        return lengths[block];
    }

    int entryCount(int block) {
        return entryCounts[block];
    }

    Key firstKey(int block) {
        return firstKeys[block];
    }

    long firstLsn(int block) {
        return firstLsns[block];
    }

    Key lastKey(int block) {
        return lastKeys[block];
    }

    long lastLsn(int block) {
        return lastLsns[block];
    }

    /** The first block whose last entry is at or after (key, lsn), or {@link #blockCount()} when none is. */
    int firstBlockEndingAtOrAfter(Key key, long lsn) {
        int low = 0;
        int high = blockCount();
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (compare(lastKeys[middle], lastLsns[middle], key, lsn) < 0) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }

    /** True when the first entry of {@code block} comes before (key, lsn). */
    boolean startsBefore(int block, Key key, long lsn) {
        return compare(firstKeys[block], firstLsns[block], key, lsn) < 0;
    }

    /**
     * Decodes and checks an index read from {@code indexOffset}: its checksum, that the blocks tile the data
     * region {@code [0, indexOffset)} in order, and that their counts and ranges agree with the summary.
     */
    static BlockIndex decode(Path path, long indexOffset, byte[] bytes, LayerSummary summary)
            throws CorruptLayerException {
        int entriesLength = bytes.length - LayerFormat.CHECKSUM_BYTES;
        int stored = ByteBuffer.wrap(bytes).getInt(entriesLength);
        int computed = LayerFormat.crc32c(bytes, 0, entriesLength);
        if (stored != computed) {
            throw LayerFormat.checksumMismatch(path, indexOffset, "block index", stored, computed);
        }
        int blockCount = entriesLength / LayerFormat.INDEX_ENTRY_BYTES;
        if (blockCount != summary.blockCount()) {
            throw new CorruptLayerException(path, indexOffset, "index has " + blockCount
                    + " blocks, the summary says " + summary.blockCount());
        }
        BlockIndex index = new BlockIndex(blockCount);
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        long expectedOffset = 0;
        long entries = 0;
        for (int block = 0; block < blockCount; block++) {
            index.firstKeys[block] = Key.read(buffer);
            index.firstLsns[block] = buffer.getLong();
            index.lastKeys[block] = Key.read(buffer);
            index.lastLsns[block] = buffer.getLong();
            index.offsets[block] = buffer.getLong();
            index.lengths[block] = buffer.getInt();
            index.entryCounts[block] = buffer.getInt();
            String problem = index.checkBlock(block, expectedOffset, summary);
            if (problem != null) {
                throw new CorruptLayerException(path, indexOffset, "index entry " + block + ": " + problem);
            }
            expectedOffset += index.lengths[block];
            entries += index.entryCounts[block];
        }
        if (expectedOffset != indexOffset) {
            throw new CorruptLayerException(path, indexOffset, "data blocks end at " + expectedOffset
                    + ", not where the index starts");
        }
        if (entries != summary.entryCount()) {
            throw new CorruptLayerException(path, indexOffset, "index counts " + entries
                    + " entries, the summary says " + summary.entryCount());
        }
        return index;
    }

    /** Why entry {@code block} is inconsistent, or null when it is not. */
    private String checkBlock(int block, long expectedOffset, LayerSummary summary) {
        if (offsets[block] != expectedOffset) {
            return "offset " + offsets[block] + ", expected " + expectedOffset;
        }
        if (lengths[block] < LayerFormat.MIN_BLOCK_BYTES) {
            return "length " + lengths[block] + " is below the minimum of " + LayerFormat.MIN_BLOCK_BYTES;
        }
        if (entryCounts[block] < 1) {
            return "entry count " + entryCounts[block];
        }
        if (compare(firstKeys[block], firstLsns[block], lastKeys[block], lastLsns[block]) > 0) {
            return "first entry " + firstKeys[block] + "@" + firstLsns[block] + " after last entry";
        }
        if (block > 0 && compare(lastKeys[block - 1], lastLsns[block - 1], firstKeys[block], firstLsns[block]) >= 0) {
            return "first entry " + firstKeys[block] + "@" + Long.toUnsignedString(firstLsns[block])
                    + " does not follow the previous block";
        }
        if (firstKeys[block].compareTo(summary.keyStart()) < 0 || lastKeys[block].compareTo(summary.keyEnd()) >= 0) {
            return "keys " + firstKeys[block] + " to " + lastKeys[block] + " outside the layer's key range";
        }
        // Within a block LSNs are not sorted, so only the first and last are checked here; verify() checks all.
        if (Long.compareUnsigned(firstLsns[block], summary.lsnStart().value()) < 0
                || Long.compareUnsigned(firstLsns[block], summary.lsnEnd().value()) >= 0
                || Long.compareUnsigned(lastLsns[block], summary.lsnStart().value()) < 0
                || Long.compareUnsigned(lastLsns[block], summary.lsnEnd().value()) >= 0) {
            return "LSNs outside the layer's LSN range";
        }
        return null;
    }

    /** Accumulates index entries while a layer is written. */
    static final class Builder {
        private byte[] bytes = new byte[16 * LayerFormat.INDEX_ENTRY_BYTES];
        private int size;

        void add(Key firstKey, long firstLsn, Key lastKey, long lastLsn, long offset, int length, int entryCount) {
            requireNonNull(firstKey, "firstKey is null");
            requireNonNull(lastKey, "lastKey is null");
            if (size + LayerFormat.INDEX_ENTRY_BYTES > bytes.length) {
                bytes = Arrays.copyOf(bytes, bytes.length * 2);
            }
            ByteBuffer buffer = ByteBuffer.wrap(bytes, size, LayerFormat.INDEX_ENTRY_BYTES);
            firstKey.write(buffer);
            buffer.putLong(firstLsn);
            lastKey.write(buffer);
            buffer.putLong(lastLsn).putLong(offset).putInt(length).putInt(entryCount);
            size += LayerFormat.INDEX_ENTRY_BYTES;
        }

        /** The encoded index: the entries and their checksum. */
        byte[] toBytes() {
            byte[] encoded = Arrays.copyOf(bytes, size + LayerFormat.CHECKSUM_BYTES);
            ByteBuffer.wrap(encoded).putInt(size, LayerFormat.crc32c(encoded, 0, size));
            return encoded;
        }
    }
}

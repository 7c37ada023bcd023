package dev.strata.core.timeline;

/** What one compaction pass did. */
public record CompactionResult(int l0Compacted, int l1Written, int imagesWritten, int outputsReused) {
    public static final CompactionResult NOTHING = new CompactionResult(0, 0, 0, 0);
}

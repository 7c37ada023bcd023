package dev.strata.core.metrics;

/**
 * Layer counts of one timeline, or summed over many.
 *
 * @param l0Deltas persistent delta layers over the whole key range, waiting for compaction
 * @param l1Deltas other persistent delta layers
 * @param images persistent image layers
 * @param frozen in-memory layers frozen and waiting for flush
 */
public record LayerTotals(long l0Deltas, long l1Deltas, long images, long frozen) {
    public static final LayerTotals NONE = new LayerTotals(0, 0, 0, 0);

    public LayerTotals plus(LayerTotals other) {
        return new LayerTotals(l0Deltas + other.l0Deltas, l1Deltas + other.l1Deltas, images + other.images,
                frozen + other.frozen);
    }
}

package dev.strata.core.metrics;

/**
 * The state of one timeline's upload queue, or of many summed.
 *
 * @param queued operations waiting to start (layer and index uploads, deletions, barriers)
 * @param inFlight operations started and not finished
 * @param layerBytes bytes of the layer files whose upload is queued or in flight
 */
public record UploadTotals(long queued, long inFlight, long layerBytes) {
    public static final UploadTotals NONE = new UploadTotals(0, 0, 0);

    public UploadTotals plus(UploadTotals other) {
        return new UploadTotals(queued + other.queued, inFlight + other.inFlight, layerBytes + other.layerBytes);
    }
}

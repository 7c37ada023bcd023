package dev.strata.core.timeline;

/**
 * Sorts key numbers into key order ({@link dev.strata.api.Key#compareTo}) without an object per key: the keys'
 * three numbers are in parallel arrays indexed by key number, and the sort moves only the numbers.
 */
final class KeyOrder {
    private static final int INSERTION_RUN = 16;

    private KeyOrder() {
    }

    /**
     * Sorts {@code order}, a permutation of key numbers, so that the keys it names ascend. A bottom-up merge sort:
     * {@code n log n} comparisons in every case, one scratch array.
     */
    static void sort(int[] order, long[] highs, long[] middles, int[] lows) {
        int n = order.length;
        for (int start = 0; start < n; start += INSERTION_RUN) {
            int end = Math.min(n, start + INSERTION_RUN);
            for (int i = start + 1; i < end; i++) {
                int moving = order[i];
                int j = i - 1;
                while (j >= start && compare(order[j], moving, highs, middles, lows) > 0) {
                    order[j + 1] = order[j];
                    j--;
                }
                order[j + 1] = moving;
            }
        }
        int[] from = order;
        int[] to = new int[n];
        for (int width = INSERTION_RUN; width < n; width *= 2) {
            for (int left = 0; left < n; left += 2 * width) {
                int middle = Math.min(n, left + width);
                int right = Math.min(n, left + 2 * width);
                int i = left;
                int j = middle;
                for (int k = left; k < right; k++) {
                    if (i < middle && (j >= right || compare(from[i], from[j], highs, middles, lows) <= 0)) {
                        to[k] = from[i++];
                    } else {
                        to[k] = from[j++];
                    }
                }
            }
            int[] swap = from;
            from = to;
            to = swap;
        }
        if (from != order) {
            System.arraycopy(from, 0, order, 0, n);
        }
    }

    private static int compare(int a, int b, long[] highs, long[] middles, int[] lows) {
        int c = Long.compareUnsigned(highs[a], highs[b]);
        if (c != 0) {
            return c;
        }
        c = Long.compareUnsigned(middles[a], middles[b]);
        if (c != 0) {
            return c;
        }
        return Integer.compare(lows[a], lows[b]);
    }
}

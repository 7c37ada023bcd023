package dev.strata.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Histogram;
import org.junit.jupiter.api.Test;

final class SampledReservoirTest {
    @Test
    void keepsEveryValueUntilTheSampleIsFullThenOneInEvery() {
        SampledReservoir reservoir = new SampledReservoir(16);
        for (int i = 0; i < 100; i++) {
            reservoir.update(i);
        }
        assertEquals(100, reservoir.size(), "a quiet reservoir keeps every value");
        assertEquals(99, reservoir.getSnapshot().getMax());
        for (int i = 0; i < 200_000; i++) {
            reservoir.update(1_000 + i % 1_000);
        }
        assertEquals(1024, reservoir.size(), "the sample stays bounded");
        double median = reservoir.getSnapshot().getMedian();
        assertTrue(median > 1_300 && median < 1_700, "the sampled median estimates the true one (1,500): " + median);
    }

    @Test
    void aHistogramCountsEveryUpdateWhateverItSamples() {
        Histogram histogram = new Histogram(new SampledReservoir(16));
        for (int i = 0; i < 5_000; i++) {
            histogram.update(3);
        }
        assertEquals(5_000, histogram.getCount());
        assertEquals(3, histogram.getSnapshot().get99thPercentile());
    }

    @Test
    void refusesAnEveryBelowOne() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> new SampledReservoir(0));
        assertTrue(refused.getMessage().contains("0"), refused.getMessage());
    }
}

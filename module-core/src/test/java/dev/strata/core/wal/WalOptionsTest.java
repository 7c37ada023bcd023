package dev.strata.core.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Pins the defaults and the validation of {@link WalOptions}. */
final class WalOptionsTest {
    @Test
    void defaults() {
        assertEquals(16L << 20, WalOptions.DEFAULT.segmentBytes());
        assertEquals(Durability.FSYNC, WalOptions.DEFAULT.durability());
        assertEquals(Duration.ofMillis(100), WalOptions.DEFAULT.periodicInterval());
        assertEquals(16, WalOptions.DEFAULT.spareSegments());
    }

    @Test
    void spareSegmentsOutsideTheRangeAreRejectedWithTheValue() {
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> WalOptions.DEFAULT.withSpareSegments(-1));
        assertTrue(negative.getMessage().contains("spareSegments -1"), negative.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> WalOptions.DEFAULT.withSpareSegments(WalOptions.MAX_SPARE_SEGMENTS + 1));
        assertEquals(0, WalOptions.DEFAULT.withSpareSegments(0).spareSegments());
        assertEquals(WalOptions.DEFAULT.segmentBytes(), WalOptions.DEFAULT.withSpareSegments(3).segmentBytes());
    }

    @Test
    void segmentSizeOutsideTheRangeIsRejectedWithTheValue() {
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> WalOptions.DEFAULT.withSegmentBytes(WalOptions.MIN_SEGMENT_BYTES - 1));
        assertTrue(small.getMessage().contains("segmentBytes " + (WalOptions.MIN_SEGMENT_BYTES - 1)), small.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> WalOptions.DEFAULT.withSegmentBytes(WalOptions.MAX_SEGMENT_BYTES + 1));
        assertEquals(WalOptions.MIN_SEGMENT_BYTES,
                WalOptions.DEFAULT.withSegmentBytes(WalOptions.MIN_SEGMENT_BYTES).segmentBytes());
    }

    @Test
    void periodicIntervalMustBePositive() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new WalOptions(WalOptions.MIN_SEGMENT_BYTES, Durability.PERIODIC, Duration.ZERO));
        assertTrue(e.getMessage().contains("periodicInterval"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new WalOptions(WalOptions.MIN_SEGMENT_BYTES, Durability.PERIODIC, Duration.ofMillis(-1)));
        assertThrows(NullPointerException.class, () -> new WalOptions(WalOptions.MIN_SEGMENT_BYTES, null, Duration.ZERO));
    }
}

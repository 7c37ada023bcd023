package dev.strata.controller.testing;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one place the controller's randomised tests take their seed from, with the same property and form as
 * the engine's tests ({@code dev.strata.core.testing.TestSeeds}, which this module cannot see):
 * {@code -Dstrata.test.seed=<hex>} replays a run, otherwise a fresh seed is drawn.
 */
public final class TestSeeds {
    /** The system property that fixes the seed, in hex. */
    public static final String PROPERTY = "strata.test.seed";

    private TestSeeds() {}

    /**
     * The seed of this run.
     *
     * @throws IllegalArgumentException naming the property when its value is not a hex number
     */
    public static long seed() {
        String configured = System.getProperty(PROPERTY);
        if (configured == null || configured.isBlank()) {
            return ThreadLocalRandom.current().nextLong();
        }
        try {
            return Long.parseUnsignedLong(configured.strip().replaceFirst("^0x", ""), 16);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + configured + " is not a 64-bit hex number", e);
        }
    }

    public static String format(long seed) {
        return HexFormat.of().toHexDigits(seed);
    }

    public static String describe(long seed) {
        return "seed " + format(seed) + " (replay with -D" + PROPERTY + "=" + format(seed) + ")";
    }
}

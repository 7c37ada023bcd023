package dev.strata.core.testing;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one place randomised tests take their seed from: {@code -Dstrata.test.seed=<hex>} replays a failure,
 * otherwise a fresh seed is drawn. {@link RandomSeed} (a JUnit extension) and the tests that hold a seed
 * themselves all come here, and all print the seed in the same form.
 */
public final class TestSeeds {
    /** The system property that fixes the seed, in hex. */
    public static final String PROPERTY = "strata.test.seed";

    private TestSeeds() {}

    public static long seed() {
        String configured = System.getProperty(PROPERTY);
        if (configured == null || configured.isBlank()) {
            return ThreadLocalRandom.current().nextLong();
        }
        return Long.parseUnsignedLong(configured.strip().replaceFirst("^0x", ""), 16);
    }

    public static String format(long seed) {
        return HexFormat.of().toHexDigits(seed);
    }

    public static String describe(long seed) {
        return "seed " + format(seed) + " (replay with -D" + PROPERTY + "=" + format(seed) + ")";
    }
}

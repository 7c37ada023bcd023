package dev.strata.testkit;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one place randomised tests take their seed from: {@code -Dstrata.test.seed=<hex>} replays a failure,
 * otherwise a fresh seed is drawn. The engine's and the controller's randomised tests, JUnit extensions and
 * torture runs all come here, and all print the seed in the same form.
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
        return parse(PROPERTY, configured);
    }

    /** The seed in {@code property} (hex) when it is set, otherwise {@link #seed()}; for runs with their own property. */
    public static long seed(String property) {
        String configured = System.getProperty(property);
        if (configured == null || configured.isBlank()) {
            return seed();
        }
        return parse(property, configured);
    }

    private static long parse(String property, String configured) {
        try {
            return Long.parseUnsignedLong(configured.strip().replaceFirst("^0x", ""), 16);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + property + "=" + configured + " is not a seed in hex", e);
        }
    }

    /** As {@link #describe(long)}, naming {@code property} to replay with. */
    public static String describe(String property, long seed) {
        return "seed " + format(seed) + " (replay with -D" + property + "=" + format(seed) + ")";
    }

    public static String format(long seed) {
        return HexFormat.of().toHexDigits(seed);
    }

    public static String describe(long seed) {
        return "seed " + format(seed) + " (replay with -D" + PROPERTY + "=" + format(seed) + ")";
    }
}

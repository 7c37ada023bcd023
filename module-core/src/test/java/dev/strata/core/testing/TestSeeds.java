package dev.strata.core.testing;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The one place randomised tests take their seed from: {@code -Dstrata.test.seed=N} replays a failure,
 * otherwise a fresh seed is drawn. Tests put the seed in every assertion message.
 */
public final class TestSeeds {
    private TestSeeds() {}

    public static long seed() {
        String fixed = System.getProperty("strata.test.seed");
        if (fixed != null && !fixed.isBlank()) {
            return Long.parseLong(fixed.trim());
        }
        return ThreadLocalRandom.current().nextLong();
    }

    public static String describe(long seed) {
        return "seed " + seed + " (replay with -Dstrata.test.seed=" + seed + ")";
    }
}

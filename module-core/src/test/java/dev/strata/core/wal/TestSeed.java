package dev.strata.core.wal;

import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * The one source of randomness of a test: the seed comes from {@code -Dstrata.test.seed} or the clock, and is
 * printed when the test fails, so the failure replays. Register with {@code @RegisterExtension}.
 */
final class TestSeed implements TestWatcher {
    private final long seed = Long.getLong("strata.test.seed", System.nanoTime());

    Random random() {
        return new Random(seed);
    }

    long seed() {
        return seed;
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        System.err.println(context.getDisplayName() + " failed with seed " + seed + "; replay with -Dstrata.test.seed="
                + seed);
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        testFailed(context, cause);
    }

    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {}
}

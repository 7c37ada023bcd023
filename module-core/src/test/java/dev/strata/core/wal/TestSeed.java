package dev.strata.core.wal;

import dev.strata.testkit.TestSeeds;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * The one source of randomness of a WAL test: the seed comes from {@link TestSeeds}, and is
 * printed when the test fails, so the failure replays. Register with {@code @RegisterExtension}.
 */
final class TestSeed implements TestWatcher {
    private final long seed = TestSeeds.seed();

    Random random() {
        return new Random(seed);
    }

    long seed() {
        return seed;
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        System.err.println(context.getDisplayName() + " failed with " + TestSeeds.describe(seed));
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        testFailed(context, cause);
    }

    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {}
}

package dev.strata.core.testing;

import dev.strata.testkit.TestSeeds;
import java.util.Random;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * Gives a test method a {@link Random} from one seed and reports that seed when the test fails, so that every
 * randomised failure replays: run again with {@code -Dstrata.test.seed=<hex>}.
 *
 * <p>Register it on a field, {@code @RegisterExtension static final RandomSeed SEED = new RandomSeed();}, and
 * take a {@code Random} parameter. (Not {@code @ExtendWith}: tests run patched into the module, and Surefire
 * opens only the packages of the tests it runs, so JUnit could not construct this class reflectively.)
 * Without the property, each test method draws a fresh seed.
 */
public final class RandomSeed implements ParameterResolver, TestExecutionExceptionHandler {
    /** The system property that fixes the seed. */
    public static final String PROPERTY = TestSeeds.PROPERTY;
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(RandomSeed.class);

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == Random.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return new Random(seed(extensionContext));
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        Long seed = context.getStore(NAMESPACE).get("seed", Long.class);
        if (seed != null) {
            String message = "random seed " + format(seed) + ": replay with -D" + PROPERTY + "=" + format(seed)
                    + " -Dtest=" + context.getRequiredTestClass().getSimpleName() + "#" + context.getRequiredTestMethod().getName();
            System.err.println(context.getDisplayName() + " failed with " + message);
            throwable.addSuppressed(new SeedReport(message));
        }
        throw throwable;
    }

    private static long seed(ExtensionContext context) {
        return context.getStore(NAMESPACE).getOrComputeIfAbsent("seed", key -> TestSeeds.seed(), Long.class);
    }

    /** Carries the seed into the failure's stack trace, where reports show it next to the error. */
    private static final class SeedReport extends Exception {
        SeedReport(String message) {
            super(message, null, false, false);
        }
    }

    private static String format(long seed) {
        return TestSeeds.format(seed);
    }
}

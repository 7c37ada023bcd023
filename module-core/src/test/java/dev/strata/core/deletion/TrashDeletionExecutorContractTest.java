package dev.strata.core.deletion;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.deletion.DeletionExecutor;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;

/** The executor contract for {@code trash}: the originals are gone, moved under the trash prefix. */
final class TrashDeletionExecutorContractTest extends LocalBucketExecutorContract {
    @Override
    protected DeletionExecutor executor() throws IOException {
        return new TrashDeletionExecutor(bucket().faults(), "trash/", Duration.ofDays(7), Clock.systemUTC());
    }

    /** Gone from its place, and a copy kept under {@code trash/<day>/}. */
    @Override
    protected void assertDisposedOf(String key) throws IOException {
        super.assertDisposedOf(key);
        assertTrue(bucket().keys("trash/").stream().anyMatch(trashed -> trashed.endsWith("/" + key)),
                key + " has no copy under trash/");
    }
}

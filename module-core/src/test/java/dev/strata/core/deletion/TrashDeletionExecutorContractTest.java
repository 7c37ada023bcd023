package dev.strata.core.deletion;

import dev.strata.api.deletion.DeletionExecutor;
import dev.strata.core.testing.LocalBucket;
import java.time.Clock;
import java.time.Duration;

/** The executor contract for {@code trash}: the originals are gone (moved under the trash prefix). */
final class TrashDeletionExecutorContractTest extends DeletionExecutorContractTest {
    @Override
    DeletionExecutor executor(LocalBucket bucket) {
        return new TrashDeletionExecutor(bucket.faults(), "trash/", Duration.ofDays(7), Clock.systemUTC());
    }
}

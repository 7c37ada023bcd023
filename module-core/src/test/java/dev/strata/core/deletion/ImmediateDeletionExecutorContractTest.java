package dev.strata.core.deletion;

import dev.strata.api.deletion.DeletionExecutor;
import dev.strata.core.testing.LocalBucket;

/** The executor contract for {@code immediate}. */
final class ImmediateDeletionExecutorContractTest extends DeletionExecutorContractTest {
    @Override
    DeletionExecutor executor(LocalBucket bucket) {
        return new ImmediateDeletionExecutor(bucket.faults());
    }
}

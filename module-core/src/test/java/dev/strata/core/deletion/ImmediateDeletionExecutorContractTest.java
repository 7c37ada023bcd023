package dev.strata.core.deletion;

import dev.strata.api.deletion.DeletionExecutor;
import java.io.IOException;

/** The executor contract for {@code immediate}. */
final class ImmediateDeletionExecutorContractTest extends LocalBucketExecutorContract {
    @Override
    protected DeletionExecutor executor() throws IOException {
        return new ImmediateDeletionExecutor(bucket().faults());
    }
}

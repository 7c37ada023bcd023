package dev.strata.core.deletion;

import java.util.Map;

/** The executor contract for {@code immediate}. */
final class ImmediateDeletionExecutorContractTest extends LocalBucketExecutorContract {
    ImmediateDeletionExecutorContractTest() {
        super(new ImmediateDeletionExecutorProvider(), Map.of(), null);
    }
}

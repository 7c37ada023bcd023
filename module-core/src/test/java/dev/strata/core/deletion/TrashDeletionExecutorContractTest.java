package dev.strata.core.deletion;

import java.util.Map;

/** The executor contract for {@code trash}: the originals are gone, each with a copy under the trash prefix. */
final class TrashDeletionExecutorContractTest extends LocalBucketExecutorContract {
    TrashDeletionExecutorContractTest() {
        super(new TrashDeletionExecutorProvider(), Map.of("trash_prefix", "trash/"), "trash/");
    }
}

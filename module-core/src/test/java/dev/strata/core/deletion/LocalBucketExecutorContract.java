package dev.strata.core.deletion;

import dev.strata.api.deletion.DeletionExecutorProvider;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.core.testing.LocalBucket;
import dev.strata.testkit.StorageDeletionExecutorContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The executor contract on a real local bucket (with the test kit's fault-injecting wrapper, faults off). */
abstract class LocalBucketExecutorContract extends StorageDeletionExecutorContract {
    @TempDir
    Path root;

    private LocalBucket bucket;

    LocalBucketExecutorContract(DeletionExecutorProvider provider, Map<String, String> config, String copiesUnder) {
        super(provider, config, copiesUnder);
    }

    @Override
    protected RemoteStorage storage() {
        if (bucket == null) {
            try {
                bucket = new LocalBucket(root.resolve("bucket"), 1);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return bucket.faults();
    }

    @AfterEach
    void closeBucket() {
        if (bucket != null) {
            bucket.close();
        }
    }
}

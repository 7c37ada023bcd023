package dev.strata.core.deletion;

import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.PutOptions;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.core.testing.LocalBucket;
import dev.strata.testkit.DeletionExecutorContract;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The executor contract on a real local bucket (with the test kit's fault-injecting wrapper, faults off). */
abstract class LocalBucketExecutorContract extends DeletionExecutorContract {
    @TempDir
    Path root;

    LocalBucket bucket;

    LocalBucket bucket() throws IOException {
        if (bucket == null) {
            bucket = new LocalBucket(root.resolve("bucket"), 1);
        }
        return bucket;
    }

    @AfterEach
    void closeBucket() {
        if (bucket != null) {
            bucket.close();
        }
    }

    @Override
    protected void store(String key, byte[] data) throws IOException {
        bucket().faults().put(key, new ByteArrayInputStream(data), data.length, PutOptions.DEFAULT, CallContext.NONE);
    }

    @Override
    protected boolean exists(String key) throws IOException {
        try {
            bucket().faults().head(key, CallContext.NONE);
            return true;
        } catch (RemoteStorageException.NotFound e) {
            return false;
        }
    }
}

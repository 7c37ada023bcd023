package dev.strata.core.deletion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.deletion.DeletionExecutor;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.DeleteResult;
import dev.strata.api.remote.PutOptions;
import dev.strata.core.testing.LocalBucket;
import dev.strata.core.testing.RandomSeed;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link DeletionExecutor} contract, run against every built-in executor on a real bucket: one result per
 * key in order, a missing object counts as deleted, repeating a call is harmless, and the original keys are gone.
 */
abstract class DeletionExecutorContractTest {
    @RegisterExtension
    static final RandomSeed SEED = new RandomSeed();

    @TempDir
    Path root;

    /** The executor under test over the bucket's storage. */
    abstract DeletionExecutor executor(LocalBucket bucket);

    private static List<String> put(LocalBucket bucket, int count) throws IOException {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String key = "tenants/t/timelines/l/object-" + i;
            bucket.faults().put(key, new ByteArrayInputStream(new byte[] {(byte) i}), 1, PutOptions.DEFAULT, CallContext.NONE);
            keys.add(key);
        }
        return keys;
    }

    @Test
    void everyKeyHasOneResultInOrderAndMissingObjectsCountAsDeleted(Random random) throws IOException {
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            DeletionExecutor executor = executor(bucket);
            assertTrue(executor.maxKeysPerCall() >= 1);
            List<String> keys = new ArrayList<>(put(bucket, 5));
            keys.add(2, "tenants/t/timelines/l/never-written");
            List<DeleteResult> results = executor.delete(keys, CallContext.NONE);
            assertEquals(keys, results.stream().map(DeleteResult::key).toList());
            assertTrue(results.stream().allMatch(DeleteResult::isDeleted), results.toString());
            assertEquals(List.of(), bucket.keys("tenants/"));
        }
    }

    @Test
    void repeatingACallIsHarmless(Random random) throws IOException {
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            DeletionExecutor executor = executor(bucket);
            List<String> keys = put(bucket, 3);
            executor.delete(keys, CallContext.NONE);
            List<DeleteResult> again = executor.delete(keys, CallContext.NONE);
            assertTrue(again.stream().allMatch(DeleteResult::isDeleted), again.toString());
            assertEquals(List.of(), bucket.keys("tenants/"));
        }
    }
}

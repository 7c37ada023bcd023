package dev.strata.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.deletion.DeletionExecutor;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.DeleteResult;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link dev.strata.api.deletion.DeletionExecutor}, as tests: one result per key in order, a
 * missing object counts as done, repeating a call is harmless, and every key handled is disposed of. A test class
 * extends this, builds its executor in {@link #executor()} and gives the suite access to the bucket with
 * {@link #store} and {@link #exists}. Every test works under its own random key prefix.
 *
 * <p>"Disposed of" is {@link #assertDisposedOf}: by default the object is gone. An executor that does not remove
 * the object itself (one that marks it for a bucket lifecycle rule to expire) overrides that check with its own
 * "marked for expiry" check, and records why in the override; every other check stays the same for it.
 */
public abstract class DeletionExecutorContract {
    private String prefix;
    private DeletionExecutor executor;

    /** A new executor under test over the bucket; the suite closes it after each test. */
    protected abstract DeletionExecutor executor() throws IOException;

    /** Makes an object exist under {@code key} with {@code data}. */
    protected abstract void store(String key, byte[] data) throws IOException;

    /** Whether an object exists under {@code key}. */
    protected abstract boolean exists(String key) throws IOException;

    /** Fails unless the executor disposed of {@code key} as it defines; by default, the object no longer exists. */
    protected void assertDisposedOf(String key) throws IOException {
        assertFalse(exists(key), key + " still exists after the executor reported it deleted");
    }

    @BeforeEach
    final void open() throws IOException {
        prefix = "tenants/contract-" + UUID.randomUUID() + "/timelines/l/";
        executor = executor();
    }

    @AfterEach
    final void closeExecutor() {
        if (executor != null) {
            executor.close();
        }
    }

    private List<String> store(int count) throws IOException {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String key = prefix + "object-" + i;
            store(key, new byte[] {(byte) i});
            keys.add(key);
        }
        return keys;
    }

    @Test
    void everyKeyHasOneResultInOrderAndMissingObjectsCountAsDeleted() throws IOException {
        assertTrue(executor.maxKeysPerCall() >= 1, "maxKeysPerCall " + executor.maxKeysPerCall());
        List<String> stored = store(Math.min(5, executor.maxKeysPerCall() - 1));
        List<String> keys = new ArrayList<>(stored);
        String neverWritten = prefix + "never-written";
        keys.add(Math.min(2, keys.size()), neverWritten);
        List<DeleteResult> results = executor.delete(keys, CallContext.NONE);
        assertEquals(keys, results.stream().map(DeleteResult::key).toList());
        assertTrue(results.stream().allMatch(DeleteResult::isDeleted), results.toString());
        for (String key : stored) {
            assertDisposedOf(key);
        }
        assertFalse(exists(neverWritten), "disposing of a missing key must not create it");
    }

    @Test
    void repeatingACallIsHarmless() throws IOException {
        List<String> keys = store(Math.min(3, executor.maxKeysPerCall()));
        assertTrue(executor.delete(keys, CallContext.NONE).stream().allMatch(DeleteResult::isDeleted));
        List<DeleteResult> again = executor.delete(keys, CallContext.NONE);
        assertEquals(keys, again.stream().map(DeleteResult::key).toList());
        assertTrue(again.stream().allMatch(DeleteResult::isDeleted), again.toString());
        for (String key : keys) {
            assertDisposedOf(key);
        }
    }

    @Test
    void aFullCallHandlesEveryKey() throws IOException {
        List<String> keys = store(Math.min(executor.maxKeysPerCall(), 100));
        List<DeleteResult> results = executor.delete(keys, CallContext.NONE);
        assertEquals(keys, results.stream().map(DeleteResult::key).toList());
        assertTrue(results.stream().allMatch(DeleteResult::isDeleted), results.toString());
        for (String key : keys) {
            assertDisposedOf(key);
        }
    }
}

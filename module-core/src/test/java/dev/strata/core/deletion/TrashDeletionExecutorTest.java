package dev.strata.core.deletion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.DeleteResult;
import dev.strata.api.remote.PutOptions;
import dev.strata.core.testing.LocalBucket;
import dev.strata.core.testing.RandomSeed;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The trash executor on a real bucket: objects move under the day's trash prefix and are purged after the retention. */
final class TrashDeletionExecutorTest {
    @RegisterExtension
    static final RandomSeed SEED = new RandomSeed();

    @TempDir
    Path root;

    @Test
    void objectsMoveToTheTrashAndArePurgedAfterTheRetention(Random random) throws IOException {
        try (LocalBucket bucket = new LocalBucket(root.resolve("bucket"), random.nextLong())) {
            byte[] content = {1, 2, 3};
            bucket.faults().put("tenants/t/layer-1", new ByteArrayInputStream(content), 3, PutOptions.DEFAULT, CallContext.NONE);
            Clock monday = Clock.fixed(Instant.parse("2026-03-02T10:00:00Z"), ZoneOffset.UTC);
            TrashDeletionExecutor trash = new TrashDeletionExecutor(bucket.faults(), "trash/", Duration.ofDays(2), monday);
            List<DeleteResult> results = trash.delete(List.of("tenants/t/layer-1", "tenants/t/never-written"), CallContext.NONE);
            assertTrue(results.stream().allMatch(DeleteResult::isDeleted), results.toString());
            assertEquals(List.of("trash/2026-03-02/tenants/t/layer-1"), bucket.keys(""));
            assertEquals(3, bucket.read("trash/2026-03-02/tenants/t/layer-1").length);

            new TrashDeletionExecutor(bucket.faults(), "trash/", Duration.ofDays(2),
                    Clock.offset(monday, Duration.ofDays(2))).maintain(CallContext.NONE);
            assertEquals(1, bucket.keys("trash/").size(), "kept within the retention");
            new TrashDeletionExecutor(bucket.faults(), "trash/", Duration.ofDays(2),
                    Clock.offset(monday, Duration.ofDays(3))).maintain(CallContext.NONE);
            assertEquals(List.of(), bucket.keys("trash/"), "purged after the retention");
        }
    }
}

package dev.strata.core.wal;

import dev.strata.api.Key;
import dev.strata.api.PageRecord;
import dev.strata.core.page.PageWrite;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Random ingest batches for WAL tests; every value comes from the caller's seeded {@link Random}. */
final class WalTestData {
    private WalTestData() {}

    static List<PageWrite> batch(Random random, int records, int maxValueBytes) {
        List<PageWrite> batch = new ArrayList<>(records);
        for (int i = 0; i < records; i++) {
            batch.add(new PageWrite(key(random), record(random, maxValueBytes)));
        }
        return batch;
    }

    static Key key(Random random) {
        return new Key(random.nextLong(), random.nextLong(), random.nextInt(0x10000));
    }

    static PageRecord record(Random random, int maxValueBytes) {
        return switch (random.nextInt(5)) {
            case 0 -> new PageRecord.Image(bytes(random, maxValueBytes));
            case 1 -> new PageRecord.Init(random.nextInt(8193));
            case 2 -> new PageRecord.Overwrite(random.nextInt(8192), bytes(random, maxValueBytes));
            case 3 -> new PageRecord.Append(bytes(random, maxValueBytes));
            default -> new PageRecord.Custom("test.kind-" + random.nextInt(10), bytes(random, maxValueBytes),
                    random.nextBoolean());
        };
    }

    private static byte[] bytes(Random random, int maxBytes) {
        byte[] bytes = new byte[random.nextInt(maxBytes + 1)];
        random.nextBytes(bytes);
        return bytes;
    }
}

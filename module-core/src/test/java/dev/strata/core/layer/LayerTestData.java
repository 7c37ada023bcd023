package dev.strata.core.layer;

import static java.util.Objects.requireNonNull;

import dev.strata.api.Generation;
import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.io.DurableFiles;
import dev.strata.core.io.FileIo;
import dev.strata.core.page.PageEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Stream;

/** Random layer contents and helpers shared by the layer tests. */
final class LayerTestData {
    static final Generation GENERATION = Generation.of(7);

    private LayerTestData() {}

    /**
     * {@code keyCount} distinct keys, sorted: relation pages of a few relations (so neighbours share most
     * bytes) mixed with arbitrary 18-byte keys, none equal to {@link Key#MAX}.
     */
    static List<Key> randomKeys(Random random, int keyCount) {
        TreeSet<Key> keys = new TreeSet<>();
        while (keys.size() < keyCount) {
            Key key = random.nextInt(3) == 0
                    ? new Key(random.nextLong(), random.nextLong(), random.nextInt(0x10000))
                    : Key.ofRelationPage(1663, 5, 16384 + random.nextInt(3), random.nextInt(2), random.nextInt(4 * keyCount));
            if (!key.equals(Key.MAX)) {
                keys.add(key);
            }
        }
        return new ArrayList<>(keys);
    }

    /** A record of a random kind; one in {@code largeOneIn} is a page image larger than typical blocks. */
    static PageRecord randomRecord(Random random, int largeOneIn) {
        if (largeOneIn > 0 && random.nextInt(largeOneIn) == 0) {
            return new PageRecord.Image(randomBytes(random, 20_000 + random.nextInt(300_000)));
        }
        return switch (random.nextInt(5)) {
            case 0 -> new PageRecord.Image(randomBytes(random, random.nextInt(300)));
            case 1 -> new PageRecord.Init(random.nextInt(8193));
            case 2 -> new PageRecord.Overwrite(random.nextInt(8000), randomBytes(random, random.nextInt(100)));
            case 3 -> new PageRecord.Append(randomBytes(random, random.nextInt(100)));
            default -> new PageRecord.Custom("test.kind-" + random.nextInt(3), randomBytes(random, random.nextInt(100)),
                    random.nextBoolean());
        };
    }

    /** Bytes that compress a little, as pages do: runs of one value mixed with noise. */
    static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        int position = 0;
        while (position < length) {
            int run = Math.min(length - position, 1 + random.nextInt(64));
            if (random.nextBoolean()) {
                byte value = (byte) random.nextInt(4);
                for (int i = 0; i < run; i++) {
                    bytes[position + i] = value;
                }
            } else {
                for (int i = 0; i < run; i++) {
                    bytes[position + i] = (byte) random.nextInt(256);
                }
            }
            position += run;
        }
        return bytes;
    }

    /** Delta entries, sorted: 1 to {@code maxVersions} versions of each key at distinct LSNs in the range. */
    static List<PageEntry> randomDeltaEntries(Random random, List<Key> keys, Lsn lsnStart, Lsn lsnEnd,
                                              int maxVersions, int largeOneIn) {
        long span = lsnEnd.value() - lsnStart.value();
        List<PageEntry> entries = new ArrayList<>();
        for (Key key : keys) {
            TreeSet<Long> lsns = new TreeSet<>(Long::compareUnsigned);
            int versions = 1 + random.nextInt(maxVersions);
            while (lsns.size() < Math.min(versions, span)) {
                lsns.add(lsnStart.value() + (long) (random.nextDouble() * span));
            }
            for (long lsn : lsns) {
                entries.add(new PageEntry(key, Lsn.of(lsn), randomRecord(random, largeOneIn)));
            }
        }
        return entries;
    }

    /** One page image per key at {@code lsn}. */
    static List<PageEntry> randomImageEntries(Random random, List<Key> keys, Lsn lsn, int largeOneIn) {
        List<PageEntry> entries = new ArrayList<>();
        for (Key key : keys) {
            PageRecord record = largeOneIn > 0 && random.nextInt(largeOneIn) == 0
                    ? new PageRecord.Image(randomBytes(random, 20_000 + random.nextInt(200_000)))
                    : new PageRecord.Image(randomBytes(random, random.nextInt(8193)));
            entries.add(new PageEntry(key, lsn, record));
        }
        return entries;
    }

    /** Writes a delta layer covering exactly the keys of {@code entries} (plus one) and the given LSNs. */
    static WrittenLayer writeDelta(Path directory, List<PageEntry> entries, Lsn lsnStart, Lsn lsnEnd,
                                   LayerWriteOptions options) throws IOException {
        try (LayerWriter writer = LayerWriter.delta(directory, lsnStart, lsnEnd, GENERATION, options, FileIo.DEFAULT,
                Failpoints.disabled())) {
            for (PageEntry entry : entries) {
                writer.add(entry);
            }
            return writer.finish(keyStart(entries), keyEnd(entries));
        }
    }

    static WrittenLayer writeImage(Path directory, List<PageEntry> entries, Lsn lsn, LayerWriteOptions options)
            throws IOException {
        try (LayerWriter writer = LayerWriter.image(directory, lsn, GENERATION, options, FileIo.DEFAULT,
                Failpoints.disabled())) {
            for (PageEntry entry : entries) {
                writer.add(entry);
            }
            return writer.finish(keyStart(entries), keyEnd(entries));
        }
    }

    static Key keyStart(List<PageEntry> entries) {
        return entries.isEmpty() ? Key.MIN : entries.getFirst().key();
    }

    static Key keyEnd(List<PageEntry> entries) {
        return entries.isEmpty() ? Key.MAX : entries.getLast().key().next();
    }

    /** Reads every entry through a full scan. */
    static List<PageEntry> scanAll(LayerFile file) throws IOException {
        return scan(file, Key.MIN, Key.MAX);
    }

    static List<PageEntry> scan(LayerFile file, Key from, Key to) throws IOException {
        List<PageEntry> entries = new ArrayList<>();
        try (LayerCursor cursor = file.scan(from, to)) {
            while (cursor.next()) {
                entries.add(cursor.entry());
            }
        }
        return entries;
    }

    /** The brute-force answer to {@link LayerFile#collect}: filter every entry, newest first. */
    static List<PageEntry> expectedCollect(List<PageEntry> entries, Key key, long floor, long ceiling) {
        List<PageEntry> expected = new ArrayList<>();
        for (PageEntry entry : entries) {
            long lsn = entry.lsn().value();
            if (entry.key().equals(key) && Long.compareUnsigned(lsn, floor) >= 0 && Long.compareUnsigned(lsn, ceiling) < 0) {
                expected.add(entry);
            }
        }
        return expected.reversed();
    }

    /** Files in {@code directory} whose name ends with the temp suffix. */
    static List<Path> tempFiles(Path directory) throws IOException {
        requireNonNull(directory, "directory is null");
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(path -> path.getFileName().toString().endsWith(DurableFiles.TEMP_SUFFIX)).toList();
        }
    }

    /** Every file in {@code directory}. */
    static List<Path> allFiles(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.sorted().toList();
        }
    }
}

package dev.strata.benchmarks;

import static java.util.Objects.requireNonNull;

import dev.strata.api.DeltaLayerName;
import dev.strata.api.ImageLayerName;
import dev.strata.api.Key;
import dev.strata.api.LayerFileName;
import dev.strata.api.LayerName;
import dev.strata.core.page.PageWrite;
import dev.strata.core.tenant.EngineOptions;
import dev.strata.core.timeline.CompactionResult;
import dev.strata.core.timeline.Timeline;
import dev.strata.core.timeline.TimelineSettings;
import dev.strata.core.wal.Durability;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Workloads 1–5 and 9 of issue 9, each measuring Strata and its baseline in this run. Every store gets a
 * fresh directory under the run's temp directory, deleted after the workload.
 */
final class Workloads {
    private static final int IMAGE_BATCH = 64;
    private static final int DELTA_BATCH = 1000;
    private static final int DISTINCT_PAGES = 131_072; // 1 GiB of 8 KiB pages
    private static final int HISTORY_VERSIONS = 10;
    private static final double MIB = 1024.0 * 1024.0;

    private final Scale scale;
    private final Path tempDirectory;
    private final Durability durability;
    private final int writers;
    private final PrintStream log;
    private final Pages pages = new Pages(42);
    private final MemoryProbe memory;
    private final List<Row> rows = new ArrayList<>();
    /** Extra figures for the chart: latency per store and workload. */
    private final Map<String, double[]> latencies = new java.util.LinkedHashMap<>();
    private double diskMibPerSecond = Double.NaN;
    private int directoryCounter;

    Workloads(Scale scale, Path tempDirectory, Durability durability, int writers, MemoryProbe memory, PrintStream log) {
        this.scale = requireNonNull(scale, "scale is null");
        this.tempDirectory = requireNonNull(tempDirectory, "tempDirectory is null");
        this.durability = requireNonNull(durability, "durability is null");
        this.writers = writers;
        this.memory = requireNonNull(memory, "memory is null");
        this.log = requireNonNull(log, "log is null");
    }

    List<Row> rows() {
        return rows;
    }

    Map<String, double[]> latencies() {
        return latencies;
    }

    private void add(Row row) {
        rows.add(row);
        log.printf("  %-20s strata=%s baseline=%s ratio=%s %s target=%s met=%s %s%n", row.name(), format(row.strata()),
                format(row.baseline()), format(row.ratio()), row.unit(), row.target(), row.met(), row.note());
    }

    static String format(Double value) {
        if (value == null) {
            return "-";
        }
        double v = value;
        return Math.abs(v) >= 100 ? String.format("%,.0f", v) : String.format("%.2f", v);
    }

    // ------------------------------------------------------------------------------------------------
    // Stores

    private EngineOptions strataOptions(boolean backgroundCompaction, long checkpointDistance) {
        TimelineSettings settings = TimelineSettings.DEFAULT.withCheckpointDistance(checkpointDistance)
                .withWal(TimelineSettings.DEFAULT.wal().withDurability(durability));
        EngineOptions defaults = EngineOptions.DEFAULT;
        return new EngineOptions(settings, scale.blockCacheBytes(), defaults.backgroundThreads(), defaults.failpoints(),
                defaults.io(), backgroundCompaction);
    }

    private Path freshDirectory(String what) throws IOException {
        Path directory = tempDirectory.resolve(String.format("%02d-%s", ++directoryCounter, what));
        Files.createDirectories(directory);
        return directory;
    }

    private StrataStore openStrata(String what, boolean backgroundCompaction, long checkpointDistance) throws IOException {
        return StrataStore.open(freshDirectory("strata-" + what), strataOptions(backgroundCompaction, checkpointDistance));
    }

    private RocksStore openRocks(String what) throws IOException {
        return RocksStore.open(freshDirectory("rocksdb-" + what), durability == Durability.FSYNC, scale.blockCacheBytes());
    }

    /** Deletes every store directory of the workload that just ended (its stores are closed). */
    void cleanUp() throws IOException {
        try (Stream<Path> entries = Files.list(tempDirectory)) {
            for (Path entry : entries.toList()) {
                deleteRecursively(entry);
            }
        }
    }

    static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(directory)) {
            for (Path path : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------
    // 1. Image ingest

    void imageIngest() throws IOException {
        log.println("[1] image ingest: 8 KiB images, batches of " + IMAGE_BATCH + ", " + durability + " per batch, "
                + (scale.imageIngestBytes() >> 20) + " MiB per store");
        int batchBytes = IMAGE_BATCH * Pages.PAGE_BYTES;
        diskMibPerSecond = DiskBaseline.writeForceMibPerSecond(freshDirectory("disk"), batchBytes, scale.diskBaselineBytes());
        log.printf("  disk write+force of %d KiB: %.1f MiB/s%n", batchBytes >> 10, diskMibPerSecond);
        long batches = scale.imageIngestBytes() / batchBytes;
        java.util.function.LongFunction<List<PageWrite>> source =
                index -> pages.sequentialImages(index * IMAGE_BATCH, IMAGE_BATCH, DISTINCT_PAGES, index * IMAGE_BATCH / DISTINCT_PAGES);

        Driver.IngestResult rocks;
        try (RocksStore store = openRocks("image")) {
            rocks = Driver.ingest(store, source, batches, writers);
        }
        log.printf("  RocksDB: %.1f MiB/s (%.1f s)%n", rocks.mibPerSecond(), rocks.seconds());

        memory.reset();
        Driver.IngestResult strata;
        long rss;
        int layers;
        try (StrataStore store = openStrata("image", true, scale.checkpointDistance())) {
            strata = Driver.ingest(store, source, batches, writers);
            rss = MemoryProbe.rssBytes();
            layers = store.timeline().layerFileNames().size();
        }
        long heap = memory.peakLiveHeapBytes();
        log.printf("  Strata: %.1f MiB/s (%.1f s), %d layers at the end%n", strata.mibPerSecond(), strata.seconds(), layers);
        String written = String.format("%,d MiB per store, %d writer(s)", scale.imageIngestBytes() >> 20, writers);
        add(Row.atLeast("image-ingest", strata.mibPerSecond(), rocks.mibPerSecond(), "MiB/s vs RocksDB", 1.0,
                "≥ 1.0× RocksDB", written));
        add(Row.atLeast("image-ingest", strata.mibPerSecond(), diskMibPerSecond, "MiB/s vs disk write+force", 0.85,
                "≥ 0.85× disk", String.format("disk: FileChannel.write %d KiB + force, %,d MiB",
                        batchBytes >> 10, scale.diskBaselineBytes() >> 20)
                        + (scale.imageIngestBytes() < (8L << 30) ? "; target asks for ≥ 8 GiB sustained, this run wrote less" : "")));
        memoryRow("after workload 1 (image ingest)", heap, rss);
    }

    private void memoryRow(String when, long peakHeap, long rss) {
        double limit = 1024;
        add(Row.atMost("memory", peakHeap / MIB, limit, "MiB live heap (peak after GC) vs 1 GiB limit", 1.0,
                "heap < 1 GiB", when + String.format("; RSS %,.0f MiB (JVM + RocksDB native, same process)", rss / MIB)));
    }

    // ------------------------------------------------------------------------------------------------
    // 2. Delta ingest

    void deltaIngest() throws IOException {
        log.println("[2] delta ingest: 100-byte deltas on 8 KiB pages, " + DELTA_BATCH + " per batch, "
                + (scale.deltaIngestBytes() >> 20) + " MiB of records per store and key order");
        long batches = Math.max(1, scale.deltaIngestBytes() / ((long) DELTA_BATCH * Pages.DELTA_BYTES));
        java.util.function.LongFunction<List<PageWrite>> sequential = index -> {
            List<PageWrite> batch = new ArrayList<>(DELTA_BATCH);
            for (int i = 0; i < DELTA_BATCH; i++) {
                long record = index * DELTA_BATCH + i;
                batch.add(pages.delta((int) ((record / 4) % DISTINCT_PAGES), record));
            }
            return batch;
        };
        java.util.function.LongFunction<List<PageWrite>> random = index -> {
            SplittableRandom generator = new SplittableRandom(index * 0x9E3779B97F4A7C15L);
            List<PageWrite> batch = new ArrayList<>(DELTA_BATCH);
            for (int i = 0; i < DELTA_BATCH; i++) {
                batch.add(pages.delta(generator.nextInt(DISTINCT_PAGES), index * DELTA_BATCH + i));
            }
            return batch;
        };
        deltaIngest("delta-ingest-seq", "seq", sequential, batches, 1.5);
        deltaIngest("delta-ingest-random", "random", random, batches, 2.0);
    }

    private void deltaIngest(String name, String order, java.util.function.LongFunction<List<PageWrite>> source,
                             long batches, double target) throws IOException {
        Driver.IngestResult rocks;
        try (RocksStore store = openRocks("delta-" + order)) {
            rocks = Driver.ingest(store, source, batches, writers);
        }
        Driver.IngestResult strata;
        try (StrataStore store = openStrata("delta-" + order, true, scale.checkpointDistance())) {
            strata = Driver.ingest(store, source, batches, writers);
        }
        log.printf("  %s: Strata %.2f MiB/s (%.1f s), RocksDB %.2f MiB/s (%.1f s)%n", order, strata.mibPerSecond(),
                strata.seconds(), rocks.mibPerSecond(), rocks.seconds());
        add(Row.atLeast(name, strata.mibPerSecond(), rocks.mibPerSecond(), "MiB/s of records vs RocksDB", target,
                String.format("≥ %.1f× RocksDB", target), String.format("%,d records, %d writer(s)",
                        batches * DELTA_BATCH, writers)));
    }

    // ------------------------------------------------------------------------------------------------
    // 3. Read latest

    void readLatest() throws IOException {
        int count = scale.readPages();
        log.println("[3] read latest: " + count + " pages (" + ((long) count * Pages.PAGE_BYTES >> 20)
                + " MiB), warm cache of " + (scale.blockCacheBytes() >> 20) + " MiB, random get(key, latest)");
        long batches = (count + IMAGE_BATCH - 1) / IMAGE_BATCH;
        java.util.function.LongFunction<List<PageWrite>> load =
                index -> pages.sequentialImages(index * IMAGE_BATCH, (int) Math.min(IMAGE_BATCH, count - index * IMAGE_BATCH), count, 0);
        Map<String, Driver.ReadResult[]> results = new HashMap<>();
        long rss = 0;
        long heap = 0;
        for (int side = 0; side < 2; side++) {
            memory.reset();
            try (VersionedStore store = side == 0 ? openRocks("read-latest") : openStrata("read-latest", true, scale.checkpointDistance())) {
                Driver.ingest(store, load, batches, writers);
                store.settle();
                long lsn = store.lastLsn();
                for (int page = 0; page < count; page++) { // warm the cache
                    store.get(Pages.key(page), lsn);
                }
                Driver.ReadOp op = random -> {
                    int page = random.nextInt(count);
                    byte[] actual = store.get(Pages.key(page), lsn);
                    if (actual == null || actual.length != Pages.PAGE_BYTES) {
                        throw new IllegalStateException(store.name() + ": no page " + page + " at the latest LSN");
                    }
                };
                verify(store, count, lsn, 0);
                Driver.ReadResult one = Driver.read(op, 1, scale.readSeconds(), 1);
                Driver.ReadResult two = Driver.read(op, 2, scale.readSeconds(), 2);
                results.put(store.name(), new Driver.ReadResult[] {one, two});
                log.printf("  %s: 1 thread %,.0f ops/s p50 %.1f µs p99 %.1f µs; 2 threads %,.0f ops/s p50 %.1f µs p99 %.1f µs%n",
                        store.name(), one.opsPerSecond(), one.p50Micros(), one.p99Micros(), two.opsPerSecond(),
                        two.p50Micros(), two.p99Micros());
                if (side == 1) {
                    rss = MemoryProbe.rssBytes();
                    heap = memory.peakLiveHeapBytes();
                }
            }
        }
        Driver.ReadResult[] strata = results.get("Strata");
        Driver.ReadResult[] rocks = results.get("RocksDB");
        for (int t = 0; t < 2; t++) {
            add(Row.atLeast("read-latest", strata[t].opsPerSecond(), rocks[t].opsPerSecond(),
                    "ops/s vs RocksDB, " + (t + 1) + " thread(s)", 2.0, "≥ 2× RocksDB",
                    String.format("p50 %.1f µs vs %.1f µs", strata[t].p50Micros(), rocks[t].p50Micros())));
            Row p99 = Row.atMost("read-latest", strata[t].p99Micros(), rocks[t].p99Micros(),
                    "p99 µs vs RocksDB, " + (t + 1) + " thread(s)", 0, "p99 < 1 ms", "");
            add(new Row(p99.name(), p99.strata(), p99.baseline(), p99.ratio(), p99.unit(), p99.target(),
                    strata[t].p99Micros() < 1000, "met = Strata p99 under 1000 µs"));
            latencies.put("read-latest " + (t + 1) + "t", new double[] {strata[t].p50Micros(), strata[t].p99Micros(),
                    rocks[t].p50Micros(), rocks[t].p99Micros()});
        }
        memoryRow("after workload 3 (read latest)", heap, rss);
    }

    /** Reads every page once and compares it with what was written: a wrong answer stops the run. */
    private void verify(VersionedStore store, int count, long lsn, long version) throws IOException {
        for (int page = 0; page < count; page += 97) {
            byte[] expected = ((dev.strata.api.PageRecord.Image) pages.image(page, version).record()).page();
            Driver.check(store, Pages.key(page), lsn, expected, store.get(Pages.key(page), lsn));
        }
    }

    // ------------------------------------------------------------------------------------------------
    // 4. Read history

    void readHistory() throws IOException {
        int count = scale.historyPages();
        log.println("[4] read history: " + count + " pages x " + HISTORY_VERSIONS + " versions, random older LSNs, and a branch");
        int batchesPerRound = (count + IMAGE_BATCH - 1) / IMAGE_BATCH;
        Map<String, double[]> opsPerSecond = new HashMap<>();
        Map<String, double[]> p99 = new HashMap<>();
        for (int side = 0; side < 2; side++) {
            try (VersionedStore store = side == 0 ? openRocks("history") : openStrata("history", true, scale.checkpointDistance())) {
                long[] roundLsn = new long[HISTORY_VERSIONS];
                for (int round = 0; round < HISTORY_VERSIONS; round++) {
                    long version = round;
                    Driver.IngestResult result = Driver.ingest(store, index -> pages.sequentialImages(index * IMAGE_BATCH,
                            (int) Math.min(IMAGE_BATCH, count - index * IMAGE_BATCH), count, version), batchesPerRound, 1);
                    roundLsn[round] = store.lastLsn();
                    if (result.commitLsns().length == 0) {
                        throw new IllegalStateException("no batches");
                    }
                }
                store.settle();
                for (int round = 0; round < HISTORY_VERSIONS; round++) {
                    verify(store, count, roundLsn[round], round);
                }
                // The branch forks at round 4 and rewrites every other page twice.
                int branchRound = 4;
                VersionedStore branch = store.branch(roundLsn[branchRound]);
                List<Integer> rewritten = new ArrayList<>();
                for (int page = 0; page < count; page += 2) {
                    rewritten.add(page);
                }
                for (long version = 100; version < 102; version++) {
                    long v = version;
                    for (int from = 0; from < rewritten.size(); from += IMAGE_BATCH) {
                        List<PageWrite> batch = new ArrayList<>();
                        for (int i = from; i < Math.min(rewritten.size(), from + IMAGE_BATCH); i++) {
                            batch.add(pages.image(rewritten.get(i), v));
                        }
                        branch.ingest(batch);
                    }
                }
                branch.settle();
                long branchLast = branch.lastLsn();
                long branchPoint = roundLsn[branchRound];
                Driver.ReadOp history = random -> {
                    int page = random.nextInt(count);
                    int round = random.nextInt(HISTORY_VERSIONS - 1);
                    byte[] actual = store.get(Pages.key(page), roundLsn[round]);
                    if (actual == null) {
                        throw new IllegalStateException(store.name() + ": no page " + page + " at round " + round);
                    }
                };
                Driver.ReadOp onBranch = random -> {
                    int page = random.nextInt(count);
                    long lsn = random.nextBoolean() ? branchLast : branchPoint;
                    byte[] actual = branch.get(Pages.key(page), lsn);
                    if (actual == null) {
                        throw new IllegalStateException(store.name() + ": no page " + page + " on the branch");
                    }
                };
                // Spot-check the branch: rewritten pages show version 101 at its tip, the others round 4's.
                for (int page = 0; page < count; page += 101) {
                    long expectedVersion = page % 2 == 0 ? 101 : branchRound;
                    byte[] expected = ((dev.strata.api.PageRecord.Image) pages.image(page, expectedVersion).record()).page();
                    Driver.check(branch, Pages.key(page), branchLast, expected, branch.get(Pages.key(page), branchLast));
                }
                Driver.ReadResult main = Driver.read(history, 1, scale.readSeconds(), 3);
                Driver.ReadResult branched = Driver.read(onBranch, 1, scale.readSeconds(), 4);
                opsPerSecond.put(store.name(), new double[] {main.opsPerSecond(), branched.opsPerSecond()});
                p99.put(store.name(), new double[] {main.p99Micros(), branched.p99Micros()});
                latencies.put("read-history " + store.name(), new double[] {main.p50Micros(), main.p99Micros()});
                log.printf("  %s: history %,.0f ops/s (p99 %.1f µs), branch %,.0f ops/s (p99 %.1f µs)%n", store.name(),
                        main.opsPerSecond(), main.p99Micros(), branched.opsPerSecond(), branched.p99Micros());
                branch.close();
            }
        }
        double[] strata = opsPerSecond.get("Strata");
        double[] rocks = opsPerSecond.get("RocksDB");
        add(Row.atLeast("read-history", strata[0], rocks[0], "ops/s vs RocksDB, older LSNs", 3.0, "≥ 3× RocksDB",
                String.format("p99 %.1f µs vs %.1f µs", p99.get("Strata")[0], p99.get("RocksDB")[0])));
        add(Row.atLeast("read-history", strata[1], rocks[1], "ops/s vs RocksDB, on a branch", 3.0, "≥ 3× RocksDB",
                String.format("half at the branch tip, half at the branch point (served by the parent); p99 %.1f µs vs %.1f µs",
                        p99.get("Strata")[1], p99.get("RocksDB")[1])));
        double[] strataLatency = latencies.remove("read-history Strata");
        double[] rocksLatency = latencies.remove("read-history RocksDB");
        latencies.put("read-history", new double[] {strataLatency[0], strataLatency[1], rocksLatency[0], rocksLatency[1]});
    }

    // ------------------------------------------------------------------------------------------------
    // 5. Compaction

    void compaction() throws IOException {
        long bytes = scale.compactionBytes();
        long checkpoint = Math.max(4L << 20, bytes / 12);
        int count = (int) Math.max(IMAGE_BATCH, bytes / Pages.PAGE_BYTES / 3); // about three versions per page
        log.println("[5] compaction: " + (bytes >> 20) + " MiB of images over " + count + " pages in L0 layers of "
                + (checkpoint >> 20) + " MiB, then compact()");
        if (Double.isNaN(diskMibPerSecond)) {
            diskMibPerSecond = DiskBaseline.writeForceMibPerSecond(freshDirectory("disk"), IMAGE_BATCH * Pages.PAGE_BYTES,
                    scale.diskBaselineBytes());
        }
        try (StrataStore store = openStrata("compaction", false, checkpoint)) {
            long batches = bytes / (IMAGE_BATCH * Pages.PAGE_BYTES);
            Driver.ingest(store, index -> {
                SplittableRandom random = new SplittableRandom(index);
                List<PageWrite> batch = new ArrayList<>(IMAGE_BATCH);
                for (int i = 0; i < IMAGE_BATCH; i++) {
                    batch.add(pages.image(random.nextInt(count), index));
                }
                return batch;
            }, batches, writers);
            store.flush();
            Timeline timeline = store.timeline();
            List<LayerFileName> before = timeline.layerFileNames();
            double ampBefore = readAmplification(before, count);
            long lsn = store.lastLsn();
            Driver.ReadOp op = random -> store.get(Pages.key(random.nextInt(count)), lsn);
            Driver.ReadResult readsBefore = Driver.read(op, 1, Math.min(2, scale.readSeconds()), 5);

            Map<Integer, byte[]> answersBefore = new HashMap<>();
            for (int page = 0; page < count; page += 131) {
                answersBefore.put(page, store.get(Pages.key(page), lsn));
            }
            Map<String, Long> sizesBefore = layerSizes(timeline.directory());
            long start = System.nanoTime();
            List<CompactionResult> passes = new ArrayList<>();
            for (int pass = 0; pass < 4; pass++) {
                CompactionResult result = timeline.compact();
                if (result.equals(CompactionResult.NOTHING)) {
                    break;
                }
                passes.add(result);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<String, Long> sizesAfter = layerSizes(timeline.directory());
            long written = 0;
            for (Map.Entry<String, Long> entry : sizesAfter.entrySet()) {
                if (!sizesBefore.containsKey(entry.getKey())) {
                    written += entry.getValue();
                }
            }
            List<LayerFileName> after = timeline.layerFileNames();
            double ampAfter = readAmplification(after, count);
            for (Map.Entry<Integer, byte[]> answer : answersBefore.entrySet()) { // compaction must not change one
                Driver.check(store, Pages.key(answer.getKey()), lsn, answer.getValue(), store.get(Pages.key(answer.getKey()), lsn));
            }
            Driver.ReadResult readsAfter = Driver.read(op, 1, Math.min(2, scale.readSeconds()), 6);
            double mibPerSecond = written / MIB / seconds;
            log.printf("  %d layers before, %d after; %,.0f MiB written in %.2f s by %s%n", before.size(), after.size(),
                    written / MIB, seconds, passes);
            add(Row.atLeast("compaction", mibPerSecond, diskMibPerSecond, "MiB/s written vs disk write+force", 0.5,
                    "≥ 0.5× disk", String.format("%,.0f MiB written in %.2f s; passes %s", written / MIB, seconds, passes)));
            add(Row.atMost("compaction", ampAfter, ampBefore, "layers per read after vs before", 1.0,
                    "fewer layers per read after", String.format("%d layers before, %d after; reads %,.0f → %,.0f ops/s",
                            before.size(), after.size(), readsBefore.opsPerSecond(), readsAfter.opsPerSecond())));
        }
    }

    /**
     * Mean number of layers a read of the newest version may visit, over sampled keys: every delta layer
     * whose key range holds the key and whose LSN range reaches above the newest image covering it, plus that
     * image. This is an upper bound (a read stops at the first image record it meets), computed from layer
     * names because the engine does not count visits.
     */
    private static double readAmplification(List<LayerFileName> layers, int count) {
        long total = 0;
        int samples = 0;
        for (int page = 0; page < count; page += Math.max(1, count / 1000)) {
            Key key = Pages.key(page);
            long imageLsn = -1;
            for (LayerFileName file : layers) {
                if (file.name() instanceof ImageLayerName image && image.containsKey(key)) {
                    imageLsn = Math.max(imageLsn, image.lsn().value());
                }
            }
            int visited = imageLsn >= 0 ? 1 : 0;
            for (LayerFileName file : layers) {
                LayerName name = file.name();
                if (name instanceof DeltaLayerName delta && delta.containsKey(key) && delta.lsnEnd().value() > imageLsn + 1) {
                    visited++;
                }
            }
            total += visited;
            samples++;
        }
        return (double) total / samples;
    }

    private static Map<String, Long> layerSizes(Path directory) throws IOException {
        Map<String, Long> sizes = new HashMap<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                try {
                    LayerFileName.parse(name);
                } catch (RuntimeException e) {
                    continue; // index, WAL directory, temp files
                }
                sizes.put(name, Files.size(file));
            }
        }
        return sizes;
    }

    // ------------------------------------------------------------------------------------------------
    // 6–8. Not yet possible

    void notYetAvailable() {
        add(Row.notAvailable("remote-upload", "≥ 0.8× raw SDK PutObject", "remote storage is not implemented yet"));
        add(Row.notAvailable("remote-attach", "attach ≥ 1 GiB from S3Proxy, first read", "remote storage is not implemented yet"));
        add(Row.notAvailable("startup-10k-tenants", "< 15 s for 10,000 tenants", "needs the node (server) and tenant attach"));
        add(Row.notAvailable("wire-get-page", "≥ 20,000 get-page/s, p99 < 2 ms", "the HTTP server and client do not exist yet"));
    }
}

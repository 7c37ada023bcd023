package dev.strata.benchmarks;

import static java.util.Objects.requireNonNull;

import dev.strata.api.DeltaLayerName;
import dev.strata.api.ImageLayerName;
import dev.strata.api.Key;
import dev.strata.api.LayerFileName;
import dev.strata.api.LayerName;
import dev.strata.api.PageRecord;
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
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongFunction;
import java.util.stream.Stream;

/**
 * Workloads 1–5 and 9 (6, 7 and 8 in {@link RemoteWorkload}, {@link StartupWorkload} and {@link WireWorkload}), each measuring Strata
 * and its baseline in this run. Every store gets a fresh directory under the run's temp directory, deleted
 * after the workload.
 */
final class Workloads {
    static final int IMAGE_BATCH = 64;
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
    /** The collectors' share of a workload's wall time at or above which the heap counts as too small. */
    private static final int MAX_GC_SHARE_PERCENT = 10;
    private final MemoryProbe memory;
    private final List<Row> rows = new ArrayList<>();
    /** Extra figures for the chart: latency per store and workload. */
    private final Map<String, double[]> latencies = new LinkedHashMap<>();
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

    void add(Row row) {
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

    EngineOptions strataOptions(boolean backgroundCompaction, long checkpointDistance) {
        TimelineSettings settings = TimelineSettings.DEFAULT.withCheckpointDistance(checkpointDistance)
                .withWal(TimelineSettings.DEFAULT.wal().withDurability(durability));
        EngineOptions defaults = EngineOptions.DEFAULT;
        return new EngineOptions(settings, scale.blockCacheBytes(), defaults.backgroundThreads(), defaults.failpoints(),
                defaults.io(), backgroundCompaction);
    }

    Path freshDirectory(String what) throws IOException {
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
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Interleaving: the machine's disk and CPU drift during a run (shared, noisy hosts), so every side is
    // measured in rounds, the sides taking turns in a rotating order, and the rounds are summed per side.

    static final int ROUNDS = 4;

    /** One side of an ingest comparison: writes batches {@code first … first+count-1}. */
    interface IngestSide {
        Driver.IngestResult write(long first, long count) throws IOException;
    }

    static Map<String, Driver.IngestResult> interleavedIngest(Map<String, IngestSide> sides, long batches)
            throws IOException {
        Map<String, Driver.IngestResult> totals = new LinkedHashMap<>();
        List<String> order = new ArrayList<>(sides.keySet());
        for (String name : order) {
            totals.put(name, Driver.IngestResult.NONE);
        }
        long perRound = Math.max(1, batches / ROUNDS);
        for (int round = 0; round < ROUNDS; round++) {
            long first = round * perRound;
            long count = round == ROUNDS - 1 ? batches - first : perRound;
            for (int i = 0; i < order.size(); i++) {
                String name = order.get((i + round) % order.size());
                totals.put(name, totals.get(name).plus(sides.get(name).write(first, count)));
            }
        }
        return totals;
    }

    interface ReadSide {
        Driver.ReadResult read(double seconds, long seed) throws IOException;
    }

    /** The unrecorded reads each side does before an interleaved read measurement, at most. */
    static final double READ_WARM_UP_SECONDS = 0.5;

    static Map<String, Driver.ReadResult> interleavedReads(Map<String, ReadSide> sides, double seconds)
            throws IOException {
        Map<String, Driver.ReadResult> totals = new LinkedHashMap<>();
        List<String> order = new ArrayList<>(sides.keySet());
        for (String name : order) {
            totals.put(name, Driver.ReadResult.none());
        }
        // Each side first reads unrecorded, so that neither is measured while its read path is still being compiled.
        for (int i = 0; i < order.size(); i++) {
            sides.get(order.get(i)).read(Math.min(READ_WARM_UP_SECONDS, seconds / 4), -1L - i);
        }
        for (int round = 0; round < ROUNDS; round++) {
            for (int i = 0; i < order.size(); i++) {
                String name = order.get((i + round) % order.size());
                totals.put(name, totals.get(name).plus(sides.get(name).read(seconds / ROUNDS, round * 31L + i)));
            }
        }
        return totals;
    }

    // ------------------------------------------------------------------------------------------------
    // 1. Image ingest

    void imageIngest() throws IOException {
        log.println("[1] image ingest: 8 KiB images, batches of " + IMAGE_BATCH + ", " + durability + " per batch, "
                + (scale.imageIngestBytes() >> 20) + " MiB per store, " + ROUNDS + " interleaved rounds");
        int batchBytes = IMAGE_BATCH * Pages.PAGE_BYTES;
        long batches = scale.imageIngestBytes() / batchBytes;
        long diskBatches = scale.diskBaselineBytes() / batchBytes;
        LongFunction<List<PageWrite>> source =
                index -> pages.sequentialImages(index * IMAGE_BATCH, IMAGE_BATCH, DISTINCT_PAGES, index * IMAGE_BATCH / DISTINCT_PAGES);
        memory.reset();
        Map<String, Driver.IngestResult> results;
        long rss;
        long liveAtEnd;
        int layers;
        try (RocksStore rocks = openRocks("image");
             StrataStore strata = openStrata("image", true, scale.checkpointDistance());
             DiskBaseline.Writer disk = new DiskBaseline.Writer(freshDirectory("disk"), batchBytes)) {
            Map<String, IngestSide> sides = new LinkedHashMap<>();
            sides.put("disk", (first, count) -> disk.write(Math.max(1, count * diskBatches / batches)));
            sides.put("RocksDB", (first, count) -> Driver.ingest(rocks, source, first, count, writers));
            sides.put("Strata", (first, count) -> Driver.ingest(strata, source, first, count, writers));
            results = interleavedIngest(sides, batches);
            long[] inMemory = strata.inMemoryBytesBudgetAndCache();
            System.gc(); // a full collection now, with the stores open: the exact live heap at the end
            liveAtEnd = MemoryProbe.heapUsedBytes();
            if (Boolean.getBoolean("strata.bench.histogram")) {
                log.println(MemoryProbe.classHistogram(Integer.getInteger("strata.bench.histogram.lines", 25)));
            }
            String jfrDump = System.getProperty("strata.bench.jfrdump");
            if (jfrDump != null) {
                log.println("  " + MemoryProbe.jfrDumpWithPathsToRoots(jfrDump));
            }
            log.printf("  at the end: Strata's in-memory layers hold %,d MiB (budget %,d MiB), its block cache %,d MiB; "
                    + "live heap %,d MiB%n", inMemory[0] >> 20, inMemory[1] >> 20, inMemory[2] >> 20, liveAtEnd >> 20);
            rss = MemoryProbe.rssBytes();
            layers = strata.timeline().layerFileNames().size();
        }
        long heap = memory.peakLiveHeapBytes();
        Driver.IngestResult strata = results.get("Strata");
        Driver.IngestResult rocks = results.get("RocksDB");
        double diskMibPerSecond = results.get("disk").mibPerSecond();
        log.printf("  disk %.1f MiB/s, RocksDB %.1f MiB/s (%.1f s), Strata %.1f MiB/s (%.1f s, %d layers at the end)%n",
                diskMibPerSecond, rocks.mibPerSecond(), rocks.seconds(), strata.mibPerSecond(), strata.seconds(), layers);
        String written = String.format("%,d MiB per store, %d writer(s)", scale.imageIngestBytes() >> 20, writers);
        add(Row.atLeast("image-ingest", strata.mibPerSecond(), rocks.mibPerSecond(), "MiB/s vs RocksDB", 1.0,
                "≥ 1.0× RocksDB", written));
        add(Row.atLeast("image-ingest", strata.mibPerSecond(), diskMibPerSecond, "MiB/s vs disk write+force", 0.85,
                "≥ 0.85× disk", String.format("disk: FileChannel.write %d KiB + force, %,d MiB",
                        batchBytes >> 10, scale.diskBaselineBytes() >> 20)
                        + (scale.imageIngestBytes() < (8L << 30) ? "; target asks for ≥ 8 GiB sustained, this run wrote less" : "")));
        memoryRow(1, "image ingest; RocksDB open in the same JVM", heap, liveAtEnd, rss);
    }

    /**
     * The heap row. The JVM runs with the target itself as its maximum heap (benchmarks/run gives -Xmx1g), so the
     * heap cannot exceed 1 GiB: a workload whose live heap does not fit fails with OutOfMemoryError, and one that
     * barely fits shows as a collector working at the ceiling. The row is therefore met only when the peak heap
     * in use after a collection stays below 97% of the maximum heap and the collectors took under
     * {@value #MAX_GC_SHARE_PERCENT}% of the workload's wall time.
     */
    void memoryRow(int workload, String what, long peakHeap, long liveAtEnd, long rss) {
        double limit = 1024;
        long maxHeap = Runtime.getRuntime().maxMemory();
        boolean atCeiling = peakHeap >= maxHeap * 0.97;
        double gcShare = memory.gcTimeShare();
        boolean collectorBusy = gcShare * 100 >= MAX_GC_SHARE_PERCENT;
        String note = String.format("workload %d (%s); -Xmx %,d MiB; peak of heap in use after any GC (an upper bound of "
                + "the live heap: old-generation garbage counts until a mixed or full GC); GC %.1f%% of the workload's "
                + "wall time; live heap after a full GC at the end %,.0f MiB; RSS %,.0f MiB (the whole process: JVM and "
                + "native memory)", workload, what, maxHeap >> 20, gcShare * 100, liveAtEnd / MIB, rss / MIB)
                + (atCeiling ? String.format("; at the -Xmx ceiling of %,d MiB", maxHeap >> 20) : "")
                + (collectorBusy ? String.format("; the collectors took %d%% or more", MAX_GC_SHARE_PERCENT) : "");
        Row row = Row.atMost("memory", peakHeap / MIB, limit, "MiB heap after GC (peak) vs 1 GiB limit, workload "
                + workload, 1.0, "heap < 1 GiB", note);
        boolean met = row.met() && !atCeiling && !collectorBusy;
        add(new Row(row.name(), row.strata(), row.baseline(), row.ratio(), row.unit(), row.target(), met, row.note()));
    }

    // ------------------------------------------------------------------------------------------------
    // 2. Delta ingest

    void deltaIngest() throws IOException {
        log.println("[2] delta ingest: 100-byte deltas on 8 KiB pages, " + DELTA_BATCH + " per batch, "
                + (scale.deltaIngestBytes() >> 20) + " MiB of records per store and key order");
        long batches = Math.max(ROUNDS, scale.deltaIngestBytes() / ((long) DELTA_BATCH * Pages.DELTA_BYTES));
        LongFunction<List<PageWrite>> sequential = index -> {
            List<PageWrite> batch = new ArrayList<>(DELTA_BATCH);
            for (int i = 0; i < DELTA_BATCH; i++) {
                long record = index * DELTA_BATCH + i;
                batch.add(pages.delta((int) ((record / 4) % DISTINCT_PAGES), record));
            }
            return batch;
        };
        LongFunction<List<PageWrite>> random = index -> {
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

    private void deltaIngest(String name, String order, LongFunction<List<PageWrite>> source,
                             long batches, double target) throws IOException {
        Map<String, Driver.IngestResult> results;
        try (RocksStore rocks = openRocks("delta-" + order);
             StrataStore strata = openStrata("delta-" + order, true, scale.checkpointDistance())) {
            Map<String, IngestSide> sides = new LinkedHashMap<>();
            sides.put("RocksDB", (first, count) -> Driver.ingest(rocks, source, first, count, writers));
            sides.put("Strata", (first, count) -> Driver.ingest(strata, source, first, count, writers));
            results = interleavedIngest(sides, batches);
        }
        Driver.IngestResult strata = results.get("Strata");
        Driver.IngestResult rocks = results.get("RocksDB");
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
        LongFunction<List<PageWrite>> load =
                index -> pages.sequentialImages(index * IMAGE_BATCH, (int) Math.min(IMAGE_BATCH, count - index * IMAGE_BATCH), count, 0);
        memory.reset();
        Map<String, Driver.ReadResult> one;
        Map<String, Driver.ReadResult> two;
        long rss;
        long liveAtEnd;
        try (RocksStore rocks = openRocks("read-latest");
             StrataStore strata = openStrata("read-latest", true, scale.checkpointDistance())) {
            Map<String, ReadSide> single = new LinkedHashMap<>();
            Map<String, ReadSide> pair = new LinkedHashMap<>();
            for (VersionedStore store : List.of(rocks, strata)) {
                Driver.ingest(store, load, batches, writers);
                store.settle();
                long lsn = store.lastLsn();
                verify(store, count, lsn, 0);
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
                single.put(store.name(), (seconds, seed) -> Driver.read(op, 1, seconds, seed));
                pair.put(store.name(), (seconds, seed) -> Driver.read(op, 2, seconds, seed));
            }
            // A settling pass, not recorded: whichever pass ran first after the load was 4-13x slower for both
            // stores (1-thread Strata p50 34 µs first, 2.1 µs after), while the machine was still absorbing the load.
            interleavedReads(pair, scale.readSeconds());
            one = interleavedReads(single, scale.readSeconds());
            two = interleavedReads(pair, scale.readSeconds());
            System.gc(); // as in workload 1
            liveAtEnd = MemoryProbe.heapUsedBytes();
            rss = MemoryProbe.rssBytes();
        }
        long heap = memory.peakLiveHeapBytes();
        for (int t = 0; t < 2; t++) {
            Map<String, Driver.ReadResult> results = t == 0 ? one : two;
            Driver.ReadResult strata = results.get("Strata");
            Driver.ReadResult rocks = results.get("RocksDB");
            log.printf("  %d thread(s): Strata %,.0f ops/s p50 %.1f µs p99 %.1f µs; RocksDB %,.0f ops/s p50 %.1f µs p99 %.1f µs%n",
                    t + 1, strata.opsPerSecond(), strata.p50Micros(), strata.p99Micros(), rocks.opsPerSecond(),
                    rocks.p50Micros(), rocks.p99Micros());
            add(Row.atLeast("read-latest", strata.opsPerSecond(), rocks.opsPerSecond(),
                    "ops/s vs RocksDB, " + (t + 1) + " thread(s)", 2.0, "≥ 2× RocksDB",
                    String.format("p50 %.1f µs vs %.1f µs", strata.p50Micros(), rocks.p50Micros())));
            Row p99 = Row.atMost("read-latest", strata.p99Micros(), rocks.p99Micros(),
                    "p99 µs vs RocksDB, " + (t + 1) + " thread(s)", 0, "p99 < 1 ms", "");
            add(new Row(p99.name(), p99.strata(), p99.baseline(), p99.ratio(), p99.unit(), p99.target(),
                    strata.p99Micros() < 1000, "met = Strata p99 under 1000 µs"));
            latencies.put("read-latest " + (t + 1) + "t", new double[] {strata.p50Micros(), strata.p99Micros(),
                    rocks.p50Micros(), rocks.p99Micros()});
        }
        memoryRow(3, "read latest; RocksDB open in the same JVM", heap, liveAtEnd, rss);
    }

    /** Reads every 97th page and compares it with what was written: a wrong answer stops the run. */
    private void verify(VersionedStore store, int count, long lsn, long version) throws IOException {
        for (int page = 0; page < count; page += 97) {
            byte[] expected = ((PageRecord.Image) pages.image(page, version).record()).page();
            Driver.check(store, Pages.key(page), lsn, expected, store.get(Pages.key(page), lsn));
        }
    }

    // ------------------------------------------------------------------------------------------------
    // 4. Read history

    void readHistory() throws IOException {
        int count = scale.historyPages();
        log.println("[4] read history: " + count + " pages x " + HISTORY_VERSIONS + " versions, random older LSNs, and a branch");
        int batchesPerRound = (count + IMAGE_BATCH - 1) / IMAGE_BATCH;
        int branchRound = 4;
        Map<String, ReadSide> historySides = new LinkedHashMap<>();
        Map<String, ReadSide> branchSides = new LinkedHashMap<>();
        Map<String, Driver.ReadResult> history;
        Map<String, Driver.ReadResult> onBranch;
        try (RocksStore rocks = openRocks("history");
             StrataStore strata = openStrata("history", true, scale.checkpointDistance())) {
            for (VersionedStore store : List.of(rocks, strata)) {
                long[] roundLsn = new long[HISTORY_VERSIONS];
                for (int round = 0; round < HISTORY_VERSIONS; round++) {
                    long version = round;
                    Driver.ingest(store, index -> pages.sequentialImages(index * IMAGE_BATCH,
                            (int) Math.min(IMAGE_BATCH, count - index * IMAGE_BATCH), count, version), batchesPerRound, 1);
                    roundLsn[round] = store.lastLsn();
                }
                store.settle();
                if (store instanceof RocksStore peer) {
                    log.println(peer.levelStats().strip().replace("\n", "\n  "));
                }
                for (int round = 0; round < HISTORY_VERSIONS; round++) {
                    verify(store, count, roundLsn[round], round);
                }
                // The branch forks at round 4 and rewrites every other page twice.
                VersionedStore branch = store.branch(roundLsn[branchRound]);
                for (long version = 100; version < 102; version++) {
                    List<PageWrite> batch = new ArrayList<>();
                    for (int page = 0; page < count; page += 2) {
                        batch.add(pages.image(page, version));
                        if (batch.size() == IMAGE_BATCH) {
                            branch.ingest(batch);
                            batch = new ArrayList<>();
                        }
                    }
                    if (!batch.isEmpty()) {
                        branch.ingest(batch);
                    }
                }
                branch.settle();
                long branchLast = branch.lastLsn();
                long branchPoint = roundLsn[branchRound];
                // Rewritten pages show version 101 at the branch tip, the others round 4's.
                for (int page = 0; page < count; page += 101) {
                    long expectedVersion = page % 2 == 0 ? 101 : branchRound;
                    byte[] expected = ((PageRecord.Image) pages.image(page, expectedVersion).record()).page();
                    Driver.check(branch, Pages.key(page), branchLast, expected, branch.get(Pages.key(page), branchLast));
                }
                Driver.ReadOp old = random -> {
                    int page = random.nextInt(count);
                    int round = random.nextInt(HISTORY_VERSIONS - 1);
                    if (store.get(Pages.key(page), roundLsn[round]) == null) {
                        throw new IllegalStateException(store.name() + ": no page " + page + " at round " + round);
                    }
                };
                Driver.ReadOp branched = random -> {
                    int page = random.nextInt(count);
                    long lsn = random.nextBoolean() ? branchLast : branchPoint;
                    if (branch.get(Pages.key(page), lsn) == null) {
                        throw new IllegalStateException(store.name() + ": no page " + page + " on the branch");
                    }
                };
                // Diagnostic for the log: the cost of a read by how many versions lie below the LSN read. Two
                // passes; the first warms the cache, the second is printed.
                StringBuilder byRound = new StringBuilder();
                for (int pass = 0; pass < 2; pass++) {
                    for (int round : new int[] {0, HISTORY_VERSIONS / 2, HISTORY_VERSIONS - 2}) {
                        Driver.ReadResult result = Driver.read(random -> store.get(Pages.key(random.nextInt(count)),
                                roundLsn[round]), 1, Math.min(0.5, scale.readSeconds() / 4), round);
                        if (pass == 1) {
                            byRound.append(String.format(" version %d: %,.0f ops/s;", round, result.opsPerSecond()));
                        }
                    }
                }
                log.println("  " + store.name() + " reads at one older LSN (second pass):" + byRound);
                historySides.put(store.name(), (seconds, seed) -> Driver.read(old, 1, seconds, seed));
                branchSides.put(store.name(), (seconds, seed) -> Driver.read(branched, 1, seconds, seed));
            }
            long[] cacheBefore = strata.cacheHitsAndMisses();
            history = interleavedReads(historySides, scale.readSeconds());
            long[] cacheMiddle = strata.cacheHitsAndMisses();
            onBranch = interleavedReads(branchSides, scale.readSeconds());
            long[] cacheAfter = strata.cacheHitsAndMisses();
            log.printf("  Strata block cache hit ratio: history %.3f, branch %.3f%n",
                    hitRatio(cacheBefore, cacheMiddle), hitRatio(cacheMiddle, cacheAfter));
        }
        for (String name : List.of("Strata", "RocksDB")) {
            log.printf("  %s: history %,.0f ops/s (p99 %.1f µs), branch %,.0f ops/s (p99 %.1f µs)%n", name,
                    history.get(name).opsPerSecond(), history.get(name).p99Micros(), onBranch.get(name).opsPerSecond(),
                    onBranch.get(name).p99Micros());
        }
        Driver.ReadResult strata = history.get("Strata");
        Driver.ReadResult rocks = history.get("RocksDB");
        add(Row.atLeast("read-history", strata.opsPerSecond(), rocks.opsPerSecond(), "ops/s vs RocksDB, older LSNs",
                3.0, "≥ 3× RocksDB", String.format("p99 %.1f µs vs %.1f µs", strata.p99Micros(), rocks.p99Micros())));
        Driver.ReadResult strataBranch = onBranch.get("Strata");
        Driver.ReadResult rocksBranch = onBranch.get("RocksDB");
        add(Row.atLeast("read-history", strataBranch.opsPerSecond(), rocksBranch.opsPerSecond(),
                "ops/s vs RocksDB, on a branch", 3.0, "≥ 3× RocksDB",
                String.format("half at the branch tip, half at the branch point (served by the parent); p99 %.1f µs vs %.1f µs",
                        strataBranch.p99Micros(), rocksBranch.p99Micros())));
        latencies.put("read-history", new double[] {strata.p50Micros(), strata.p99Micros(), rocks.p50Micros(), rocks.p99Micros()});
        latencies.put("read-history branch", new double[] {strataBranch.p50Micros(), strataBranch.p99Micros(),
                rocksBranch.p50Micros(), rocksBranch.p99Micros()});
    }

    private static double hitRatio(long[] before, long[] after) {
        long hits = after[0] - before[0];
        long misses = after[1] - before[1];
        return hits + misses == 0 ? Double.NaN : (double) hits / (hits + misses);
    }

    // ------------------------------------------------------------------------------------------------
    // 5. Compaction

    void compaction() throws IOException {
        long bytes = scale.compactionBytes();
        long checkpoint = Math.max(4L << 20, bytes / 12);
        int count = (int) Math.max(IMAGE_BATCH, bytes / Pages.PAGE_BYTES / 3); // about three versions per page
        log.println("[5] compaction: " + (bytes >> 20) + " MiB of images over " + count + " pages in L0 layers of "
                + (checkpoint >> 20) + " MiB, then compact()");
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
            // The disk figure of workload 1's pattern, measured right before and right after compacting.
            Path diskDirectory = freshDirectory("disk-compaction");
            double diskBefore = DiskBaseline.writeForceMibPerSecond(diskDirectory, IMAGE_BATCH * Pages.PAGE_BYTES,
                    scale.diskBaselineBytes() / 2);
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
            double diskAfter = DiskBaseline.writeForceMibPerSecond(diskDirectory, IMAGE_BATCH * Pages.PAGE_BYTES,
                    scale.diskBaselineBytes() / 2);
            double disk = (diskBefore + diskAfter) / 2;
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
            log.printf("  %d layer files in the timeline before, %d after; %,.0f MiB written in %.2f s by %s%n", before.size(), after.size(),
                    written / MIB, seconds, passes);
            add(Row.atLeast("compaction", mibPerSecond, disk, "MiB/s written vs disk write+force", 0.5,
                    "≥ 0.5× disk", String.format("%,.0f MiB written in %.2f s; disk %.0f before, %.0f after "
                            + "(workload 1's pattern); passes %s", written / MIB, seconds, diskBefore, diskAfter, passes)));
            add(Row.atMost("compaction", ampAfter, ampBefore, "layers per read after vs before", 1.0,
                    "fewer layers per read after", String.format("%d layer files in the timeline before, %d after; reads %,.0f → %,.0f ops/s",
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
    // 7. Start-up with many tenants, 8. over the wire

    void startup() throws IOException {
        new StartupWorkload(this, scale, pages, memory, log).run();
    }

    void wire() throws IOException {
        new WireWorkload(this, scale, pages, log).run();
    }

    void remote() throws IOException {
        new RemoteWorkload(this, scale, pages, log).run();
    }
}

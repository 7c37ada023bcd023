package dev.strata.benchmarks;

import static java.util.Objects.requireNonNull;

import dev.strata.api.Generation;
import dev.strata.api.Key;
import dev.strata.api.PageRecord;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.core.layer.OpenLayerFiles;
import dev.strata.core.page.PageWrite;
import dev.strata.core.tenant.EngineOptions;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.timeline.Timeline;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Workload 7: restarting a node work directory that holds many tenants, one timeline each with a few pages
 * flushed to a layer. Strata's figure is the time {@link LocalEngine#open} takes to return with every tenant
 * active, and the time to the first read of one tenant after the start; the baseline is the file system's own
 * share of that start, measured in this run on the same tree: the same directories listed and the same files
 * read ({@code config-v1}, {@code index_part.json} and the WAL segments in full, the tail of every layer
 * file, where its trailer, block index and summary are), by as many threads as the engine loads tenants with,
 * and nothing else (no parsing, no fsync). The ratio is the engine's overhead over reading its files.
 *
 * <p>Both sides run on a warm page cache (the tree was just written; dropping the cache needs root and would
 * disturb other work on a shared host), and take turns in rounds as the other workloads do.
 *
 * <p>The engine keeps every timeline's WAL segment open, and at most {@link OpenLayerFiles#DEFAULT_LIMIT} layer
 * files (the least recently read give their descriptor back). When even that does not fit the process's limit
 * on open files, the setup leaves the pages in the WAL instead (the engine closed without flushing, as after a
 * crash, replayed at start-up), and the row is a miss whatever the time, because a node whose tenants have
 * layers could not start at all.
 */
final class StartupWorkload {
    /** Pages each tenant's timeline holds (one ingest batch, flushed to one layer at the setup's close). */
    private static final int PAGES_PER_TENANT = 4;
    /** Threads creating tenants during the setup: each creation is a chain of small fsyncs, so many overlap. */
    private static final int CREATORS = 16;
    /** As many readers as {@code LocalEngine} loads tenants with. */
    private static final int BASELINE_READERS = 8;
    /** Bytes read from the end of each layer file: its trailer, block index and summary for layers this small. */
    private static final int LAYER_TAIL_BYTES = 4096;
    private static final int ROUNDS = 3;
    /** The target: every tenant active within 15 s for 10,000 tenants. */
    private static final double TARGET_SECONDS = 15.0;
    private static final int TARGET_TENANTS = 10_000;
    /** Descriptors kept free for everything else (jars, sockets, the JVM's own): a guess with a wide margin. */
    private static final long DESCRIPTOR_RESERVE = 512;

    private final Workloads workloads;
    private final Scale scale;
    private final Pages pages;
    private final MemoryProbe memory;
    private final PrintStream log;

    StartupWorkload(Workloads workloads, Scale scale, Pages pages, MemoryProbe memory, PrintStream log) {
        this.workloads = requireNonNull(workloads, "workloads is null");
        this.scale = requireNonNull(scale, "scale is null");
        this.pages = requireNonNull(pages, "pages is null");
        this.memory = requireNonNull(memory, "memory is null");
        this.log = requireNonNull(log, "log is null");
    }

    /**
     * What one restart of the engine took, and the heap and RSS with every tenant loaded (0 when not measured).
     */
    private record Restart(double allActiveSeconds, double firstReadSeconds, long liveHeapBytes, long rssBytes) {}

    void run() throws IOException {
        int tenants = scale.startupTenants();
        log.printf("[7] start-up: %,d tenants, one timeline each with %d pages of 8 KiB; restart until "
                + "every tenant is active, against reading the same files; %d interleaved rounds%n", tenants,
                PAGES_PER_TENANT, ROUNDS);
        Path workdir = workloads.freshDirectory("strata-startup");
        EngineOptions options = workloads.strataOptions(true, scale.checkpointDistance());
        List<TenantId> tenantIds = new ArrayList<>(tenants);
        List<TimelineId> timelineIds = new ArrayList<>(tenants);
        for (int i = 0; i < tenants; i++) {
            tenantIds.add(TenantId.random());
            timelineIds.add(TimelineId.random());
        }
        long descriptorLimit = openFileLimit();
        long descriptorsFree = descriptorLimit - openFiles();
        long engineDescriptors = tenants + Math.min(tenants, OpenLayerFiles.DEFAULT_LIMIT);
        boolean layers = engineDescriptors + DESCRIPTOR_RESERVE <= descriptorsFree;
        String layout = layers ? "pages flushed to one layer per tenant (a WAL segment per tenant and at most "
                + OpenLayerFiles.DEFAULT_LIMIT + " layer files open)"
                : String.format("pages left in the WAL, replayed at start-up: with a layer per tenant the engine would "
                        + "keep %,d files open (a WAL segment per tenant and up to %,d layer files), more than the %,d"
                        + " this process may still open (limit %,d), and the start fails with 'Too many open files'",
                        engineDescriptors, OpenLayerFiles.DEFAULT_LIMIT, descriptorsFree, descriptorLimit);
        double createSeconds = create(workdir, options, tenantIds, timelineIds, layers);
        long[] tree = treeSize(workdir);
        log.printf("  created and closed in %.1f s: %,d files, %,.1f MiB; %s%n", createSeconds, tree[0],
                tree[1] / (1024.0 * 1024.0), layout);

        memory.reset();
        double engineSeconds = 0;
        double firstReadSeconds = 0;
        double baselineSeconds = 0;
        long baselineBytes = 0;
        long liveAtEnd = 0;
        long rss = 0;
        for (int round = 0; round < ROUNDS; round++) {
            boolean engineFirst = round % 2 == 0;
            for (int side = 0; side < 2; side++) {
                System.gc(); // neither side pays for the garbage of the other
                if ((side == 0) == engineFirst) {
                    boolean last = round == ROUNDS - 1;
                    Restart restart = restart(workdir, options, tenantIds, timelineIds, round == 0, last);
                    engineSeconds += restart.allActiveSeconds();
                    firstReadSeconds += restart.firstReadSeconds();
                    if (last) {
                        liveAtEnd = restart.liveHeapBytes();
                        rss = restart.rssBytes();
                    }
                    log.printf("  round %d: engine %.2f s to every tenant active, first read at %.2f s%n", round,
                            restart.allActiveSeconds(), restart.firstReadSeconds());
                } else {
                    long start = System.nanoTime();
                    baselineBytes = readTree(workdir);
                    double seconds = (System.nanoTime() - start) / 1e9;
                    baselineSeconds += seconds;
                    log.printf("  round %d: file system %.2f s (%,.1f MiB read)%n", round, seconds,
                            baselineBytes / (1024.0 * 1024.0));
                }
            }
        }
        long heap = memory.peakLiveHeapBytes();
        double engine = engineSeconds / ROUNDS;
        double firstRead = firstReadSeconds / ROUNDS;
        double baseline = baselineSeconds / ROUNDS;
        double targetSeconds = TARGET_SECONDS * tenants / TARGET_TENANTS;
        boolean fewer = tenants < TARGET_TENANTS;
        Row ratio = Row.atMost("startup-10k-tenants", engine, baseline,
                String.format("s to every tenant active vs reading the files, %,d tenants", tenants), 0,
                "< 15 s for 10,000 tenants", "");
        String met = fewer ? String.format("%,d tenants, fewer than the target's 10,000: met = under %.2f s, the "
                + "target scaled linearly", tenants, targetSeconds) : "met = under 15 s";
        String note = String.format("%s; mean of %d restarts (each in run.log; the first pays for the JIT, as a "
                        + "restarted node does); %s; first read of one tenant at %.2f s: LocalEngine.open loads every "
                        + "tenant before it returns, so the first read waits for the whole load (time to first read = "
                        + "full load time); baseline: the same directories listed and files read (%,.1f MiB: configs, "
                        + "indexes, WAL segments, layer tails), %d threads, no parsing or fsync; warm page cache",
                layers ? layout : "MISS: " + layout, ROUNDS, met, firstRead, baselineBytes / (1024.0 * 1024.0),
                BASELINE_READERS);
        workloads.add(new Row(ratio.name(), ratio.strata(), ratio.baseline(), ratio.ratio(), ratio.unit(),
                ratio.target(), layers && engine < targetSeconds, note));
        workloads.memoryRow(7, String.format("%,d tenants loaded; no RocksDB open", tenants), heap, liveAtEnd, rss);
    }

    /**
     * Creates the tenants, each with one timeline and one batch of pages, from {@link #CREATORS} threads, then
     * closes the engine: with {@code flush}, every timeline's pages go to a layer; without, they stay in the WAL.
     * Returns the seconds it took.
     */
    private double create(Path workdir, EngineOptions options, List<TenantId> tenantIds, List<TimelineId> timelineIds,
                          boolean flush) throws IOException {
        long start = System.nanoTime();
        AtomicInteger next = new AtomicInteger();
        LocalEngine engine = LocalEngine.open(workdir, options);
        try {
            Driver.runAll(CREATORS, () -> {
                int i;
                while ((i = next.getAndIncrement()) < tenantIds.size()) {
                    engine.createTenant(tenantIds.get(i), Generation.of(1));
                    engine.createTimeline(tenantIds.get(i), timelineIds.get(i)).ingest(tenantPages(i));
                }
                return null;
            });
        } finally {
            engine.close(flush);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private List<PageWrite> tenantPages(int tenant) {
        List<PageWrite> batch = new ArrayList<>(PAGES_PER_TENANT);
        for (int page = 0; page < PAGES_PER_TENANT; page++) {
            batch.add(pages.image(page, tenant));
        }
        return batch;
    }

    /**
     * Opens the engine on the work directory and reads one tenant's page as soon as {@code open} returns; on the
     * first round checks every tenant is back and samples answers, on the last notes the heap and RSS with
     * every tenant loaded. Closes without flushing (nothing is in memory), so every round starts from the
     * same tree.
     */
    private Restart restart(Path workdir, EngineOptions options, List<TenantId> tenantIds, List<TimelineId> timelineIds,
                            boolean check, boolean measureMemory) throws IOException {
        int probe = tenantIds.size() / 2;
        Key key = Pages.key(PAGES_PER_TENANT - 1);
        long start = System.nanoTime();
        LocalEngine engine = LocalEngine.open(workdir, options);
        try {
            long opened = System.nanoTime();
            Timeline timeline = engine.timeline(tenantIds.get(probe), timelineIds.get(probe));
            byte[] page = timeline.get(key, timeline.lastRecordLsn());
            long firstRead = System.nanoTime();
            if (page == null) {
                throw new IllegalStateException("tenant " + tenantIds.get(probe) + " has no page " + key + " after the restart");
            }
            if (check) {
                if (engine.tenants().size() != tenantIds.size()) {
                    throw new IllegalStateException("restart loaded " + engine.tenants().size() + " tenants, expected "
                            + tenantIds.size());
                }
                for (int i = 0; i < tenantIds.size(); i += 97) {
                    Timeline sample = engine.timeline(tenantIds.get(i), timelineIds.get(i));
                    byte[] expected = ((PageRecord.Image) pages.image(PAGES_PER_TENANT - 1, i).record()).page();
                    Driver.check("Strata, tenant " + tenantIds.get(i), key, sample.lastRecordLsn().value(), expected,
                            sample.get(key, sample.lastRecordLsn()));
                }
            }
            long liveHeap = 0;
            long rss = 0;
            if (measureMemory) {
                System.gc(); // the exact live heap with every tenant loaded
                liveHeap = MemoryProbe.heapUsedBytes();
                rss = MemoryProbe.rssBytes();
            }
            return new Restart((opened - start) / 1e9, (firstRead - start) / 1e9, liveHeap, rss);
        } finally {
            engine.close(false);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // The baseline: the file system's part of a start-up

    /** Lists and reads what a start-up reads, from {@link #BASELINE_READERS} threads; returns the bytes read. */
    private static long readTree(Path workdir) throws IOException {
        List<Path> tenantDirectories = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(workdir.resolve("tenants"))) {
            entries.forEach(tenantDirectories::add);
        }
        AtomicInteger next = new AtomicInteger();
        AtomicLong bytes = new AtomicLong();
        Driver.runAll(BASELINE_READERS, () -> {
            ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
            long read = 0;
            int i;
            while ((i = next.getAndIncrement()) < tenantDirectories.size()) {
                Path tenant = tenantDirectories.get(i);
                read += readFile(tenant.resolve("config-v1"), buffer, Long.MAX_VALUE);
                try (DirectoryStream<Path> timelines = Files.newDirectoryStream(tenant.resolve("timelines"))) {
                    for (Path timeline : timelines) {
                        read += readTimeline(timeline, buffer);
                    }
                }
            }
            bytes.addAndGet(read);
            return null;
        });
        return bytes.get();
    }

    private static long readTimeline(Path timeline, ByteBuffer buffer) throws IOException {
        long read = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(timeline)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (name.equals("wal")) {
                    try (DirectoryStream<Path> segments = Files.newDirectoryStream(file)) {
                        for (Path segment : segments) {
                            read += readFile(segment, buffer, Long.MAX_VALUE);
                        }
                    }
                } else if (name.equals("index_part.json")) {
                    read += readFile(file, buffer, Long.MAX_VALUE);
                } else {
                    read += readFile(file, buffer, LAYER_TAIL_BYTES);
                }
            }
        }
        return read;
    }

    /** Reads the last {@code limit} bytes of {@code file} (all of it when smaller); returns the bytes read. */
    private static long readFile(Path file, ByteBuffer buffer, long limit) throws IOException {
        long read = 0;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long position = Math.max(0, channel.size() - limit);
            int n;
            do {
                buffer.clear();
                n = channel.read(buffer, position);
                if (n > 0) {
                    position += n;
                    read += n;
                }
            } while (n > 0);
        }
        return read;
    }

    /** The soft limit on open files of this process, from /proc; {@code Long.MAX_VALUE} when unknown or unlimited. */
    private static long openFileLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Long.MAX_VALUE;
        }
        return Long.MAX_VALUE;
    }

    /** Files this process has open now, from /proc (0 when unknown). */
    private static long openFiles() {
        try (Stream<Path> descriptors = Files.list(Path.of("/proc/self/fd"))) {
            return descriptors.count();
        } catch (IOException e) {
            return 0;
        }
    }

    /** Files and bytes under {@code directory}. */
    private static long[] treeSize(Path directory) throws IOException {
        long[] total = new long[2];
        try (Stream<Path> walk = Files.walk(directory)) {
            walk.filter(Files::isRegularFile).forEach(file -> {
                total[0]++;
                try {
                    total[1] += Files.size(file);
                } catch (IOException e) {
                    throw new IllegalStateException("cannot size " + file, e);
                }
            });
        }
        return total;
    }
}

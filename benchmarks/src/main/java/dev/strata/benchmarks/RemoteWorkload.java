package dev.strata.benchmarks;

import static java.util.Objects.requireNonNull;

import dev.strata.api.DeltaLayerName;
import dev.strata.api.Generation;
import dev.strata.api.LayerFileName;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.controlplane.TenantMode;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.backend.s3.S3StorageProvider;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.metrics.NodeMetrics;
import dev.strata.core.metrics.RemoteStorageMetrics;
import dev.strata.core.page.PageWrite;
import dev.strata.core.remote.MeteredStorage;
import dev.strata.core.remote.RetryPolicy;
import dev.strata.core.remote.RetryingStorage;
import dev.strata.core.tenant.EngineOptions;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.tenant.LocationConfig;
import dev.strata.core.tiered.RemoteLayout;
import dev.strata.core.tiered.RemoteResources;
import dev.strata.core.tiered.RemoteTimelineClient;
import dev.strata.core.timeline.Timeline;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Workload 6: tiering to an S3-compatible store, S3Proxy started by the benchmark on 127.0.0.1 with its objects
 * in the run's temp directory, reached through the S3 backend ({@code s3} provider) behind core's retries.
 *
 * <p><b>Upload.</b> A node ingests 8 KiB images with a small checkpoint distance, so that every few MiB become
 * a layer file, while the point before each layer upload is paused; once every layer is on disk the point is
 * released and Strata's figure is the time until {@link RemoteTimelineClient#waitCompletion} returns (the layer
 * uploads with the backend's conditional put, and the index uploads queued between them). The baseline puts
 * the same files, with the same number of uploads in flight as a timeline has, through the AWS SDK's
 * {@code PutObject} against the same server. Both sides take turns over the rounds.
 *
 * <p><b>Attach.</b> The last round's timeline (1 GiB in full runs) is attached onto an empty work directory
 * with {@link LocalEngine#applyLocation} at the next generation and read once (a page of the newest layer),
 * after one warm-up attach that is logged but not counted:
 * Strata's figure is the time from the request to the first page. The baseline fetches what that read needs
 * and no more, with the SDK: the tenant's timelines listed, the previous generation's index read, the newest
 * layer object written to a file and forced. Then one page per other layer is read at an LSN inside that layer,
 * each read downloading that layer on demand (checked: exactly one more layer resident after it), against the
 * SDK's {@code GetObject} of the same object into a file, forced, interleaved layer by layer.
 */
final class RemoteWorkload {
    /** Small, so that many layers are written: 8 MiB of images per layer file (4 MiB in quick runs). */
    private static final long MAX_CHECKPOINT_DISTANCE = 8L << 20;
    /** At least this many layers per round, so that quick runs still have several downloads to time. */
    private static final int MIN_LAYERS = 8;
    private static final int UPLOAD_ROUNDS = 4;
    private static final int ATTACH_ROUNDS = 3;
    private static final int UPLOADS_IN_FLIGHT = RemoteResources.DEFAULT_PARALLEL_UPLOADS;
    private static final Duration UPLOAD_TIMEOUT = Duration.ofMinutes(15);
    private static final String BUCKET = "strata-bench";
    private static final double MIB = 1024.0 * 1024.0;

    private final Workloads workloads;
    private final Scale scale;
    private final Pages pages;
    private final PrintStream log;
    private final RemoteLayout layout = RemoteLayout.root();
    private final long checkpointDistance;

    RemoteWorkload(Workloads workloads, Scale scale, Pages pages, PrintStream log) {
        this.workloads = requireNonNull(workloads, "workloads is null");
        this.scale = requireNonNull(scale, "scale is null");
        this.pages = requireNonNull(pages, "pages is null");
        this.log = requireNonNull(log, "log is null");
        this.checkpointDistance = Math.min(MAX_CHECKPOINT_DISTANCE, scale.remoteBytes() / MIN_LAYERS);
    }

    /** The timeline the upload rounds wrote last, as the attach needs it. */
    private record Written(TenantId tenant, TimelineId timeline, long[] commitLsns, long bytes,
                           List<LayerFileName> layers) {
    }

    void run() throws IOException {
        log.println("[6] remote: S3Proxy (filesystem store) on 127.0.0.1, " + (scale.remoteBytes() >> 20)
                + " MiB of images per upload round in layers of " + (checkpointDistance >> 20) + " MiB, "
                + UPLOAD_ROUNDS + " rounds; the last round's timeline attached " + ATTACH_ROUNDS + " times");
        log.println(dropsCaches() ? "  each timed upload turn starts from a dropped page cache, its files read back in"
                : "  the page cache is not dropped before the timed turns (" + (DROP_CACHES ? DROP_CACHES_FILE
                        + " is not writable: not root)" : "-Dstrata.bench.dropCaches=false)"));
        long start = System.nanoTime();
        try (S3ProxyProcess server = S3ProxyProcess.start(workloads.freshDirectory("s3proxy"));
             S3Client client = server.client()) {
            log.printf("  S3Proxy listening on %s after %.1f s%n", server.endpoint(), (System.nanoTime() - start) / 1e9);
            client.createBucket(request -> request.bucket(BUCKET));
            Written written = upload(server, client);
            attach(server, client, written);
        }
    }

    /** The stack a node runs (ServerCommand): the backend, metered, behind core's retries. */
    private RemoteResources resources(S3ProxyProcess server, RemoteStorageMetrics metrics) throws IOException {
        S3StorageProvider provider = new S3StorageProvider();
        RemoteStorage storage = provider.create(ProviderConfig.parse("remote_storage", server.providerSettings(BUCKET),
                provider.configKeys()));
        return RemoteResources.withDefaults(new RetryingStorage(new MeteredStorage(storage, metrics), RetryPolicy.DEFAULT),
                layout);
    }

    /** Requests per operation so far, for the log: "put 130 (1,031 MiB), get 0, …". */
    private static String requests(RemoteStorageMetrics metrics) {
        StringBuilder text = new StringBuilder();
        for (RemoteStorageMetrics.Operation operation : RemoteStorageMetrics.Operation.values()) {
            long count = metrics.requests(operation);
            if (count > 0) {
                text.append(text.isEmpty() ? "" : ", ").append(operation.label()).append(' ').append(count);
                long bytes = metrics.sentBytes(operation) + metrics.receivedBytes(operation);
                if (bytes > 0) {
                    text.append(String.format(" (%,.1f MiB)", bytes / MIB));
                }
            }
        }
        return text.toString();
    }

    /** Runs {@code sync(1)}: every dirty page of every file system is written back before it returns. */
    private static void syncFileSystems() throws IOException {
        try {
            int status = new ProcessBuilder("sync").inheritIO().start().waitFor();
            if (status != 0) {
                throw new IOException("sync exited with status " + status);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for sync", e);
        }
    }

    /**
     * Whether each timed turn starts from a dropped page cache ({@code -Dstrata.bench.dropCaches}, on by default;
     * it needs write access to {@code /proc/sys/vm/drop_caches}, that is root).
     *
     * <p>Without it the turns were not alike. Each turn writes 1 GiB of new objects through the server into the
     * page cache; the turn's log line shows that it reads and writes nothing on the disk and that the kernel neither
     * reclaims nor compacts memory for it, so the difference is in getting memory at all. A turn that runs while
     * memory has just been freed was fast, one that takes memory the guest has not used for a while slow: on this
     * virtual machine, memory the guest touches for the first time (again) is expensive. And the two sides do not
     * leave the same memory behind: when Strata's uploads complete, its index upload lets the timeline trim the
     * round's WAL, 1 GiB of segment files, and the SDK's turn after it wrote into that freed memory. So the SDK was
     * fast whenever it followed Strata and slow when it went first in a round of fresh memory, while Strata was slow
     * in every such round. Dropping the clean page cache before each turn (after the sync) and reading the turn's
     * files back in gives both sides the same start.
     */
    private static final boolean DROP_CACHES = Boolean.parseBoolean(System.getProperty("strata.bench.dropCaches", "true"));
    private static final Path DROP_CACHES_FILE = Path.of("/proc/sys/vm/drop_caches");

    /**
     * Diagnostic ({@code -Dstrata.bench.strataFirstInEvenRounds=true}): Strata takes the first turn in rounds 0 and 2
     * instead of 1 and 3, to tell an effect of the side from one of the place in the round.
     */
    private static final boolean STRATA_FIRST_IN_EVEN_ROUNDS = Boolean.getBoolean("strata.bench.strataFirstInEvenRounds");

    /**
     * The /proc/vmstat counters a turn's log line shows the change of: KiB read from and written to the disks,
     * pages scanned by direct reclaim, direct compaction stalls, and the free memory before and after.
     */
    private static final List<String> VM_COUNTERS = List.of("pgpgin", "pgpgout", "pgscan_direct", "compact_stall",
            "nr_free_pages");

    /** The values of {@link #VM_COUNTERS} now (zeros off Linux). */
    private static long[] vmCounters() throws IOException {
        long[] counts = new long[VM_COUNTERS.size()];
        Path vmstat = Path.of("/proc/vmstat");
        if (!Files.isReadable(vmstat)) {
            return counts;
        }
        for (String line : Files.readAllLines(vmstat)) {
            int space = line.indexOf(' ');
            int index = space < 0 ? -1 : VM_COUNTERS.indexOf(line.substring(0, space));
            if (index >= 0) {
                counts[index] = Long.parseLong(line.substring(space + 1).strip());
            }
        }
        return counts;
    }

    private static String vmChange(long[] before, long[] after) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < VM_COUNTERS.size(); i++) {
            text.append(i == 0 ? "" : ", ").append(VM_COUNTERS.get(i)).append(' ');
            text.append(switch (VM_COUNTERS.get(i)) {
                case "nr_free_pages" -> String.format("%,d→%,d MiB", before[i] >> 8, after[i] >> 8);
                case "pgpgin", "pgpgout" -> String.format("%+,d KiB", after[i] - before[i]);
                default -> String.format("%+,d", after[i] - before[i]);
            });
        }
        return text.toString();
    }

    /** Whether the turns of this run start from a dropped page cache (see {@link #DROP_CACHES}). */
    private static boolean dropsCaches() {
        return DROP_CACHES && Files.isWritable(DROP_CACHES_FILE);
    }

    /** Drops the clean page cache (the caller has just synced) and reads {@code files} back into it. */
    private static void dropCachesAndWarm(List<Path> files) throws IOException {
        Files.writeString(DROP_CACHES_FILE, "1");
        ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
        for (Path file : files) {
            try (FileChannel channel = FileChannel.open(file)) {
                while (channel.read(buffer.clear()) >= 0) {
                    // read to the end: the file's pages are now in the page cache
                }
            }
        }
    }

    private static String putErrors(RemoteStorageMetrics metrics) {
        StringBuilder out = new StringBuilder();
        for (RemoteStorageMetrics.ErrorClass errorClass : RemoteStorageMetrics.ErrorClass.values()) {
            long count = metrics.errors(RemoteStorageMetrics.Operation.PUT, errorClass);
            if (count > 0) {
                out.append(out.isEmpty() ? "" : ", ").append(errorClass.label()).append(' ').append(count);
            }
        }
        return out.isEmpty() ? "none" : out.toString();
    }

    private EngineOptions options(RemoteResources remote, Failpoints failpoints) {
        return workloads.strataOptions(false, checkpointDistance).withRemote(remote).withFailpoints(failpoints);
    }

    // ------------------------------------------------------------------------------------------------
    // Upload

    private Written upload(S3ProxyProcess server, S3Client client) throws IOException {
        Failpoints failpoints = Failpoints.create();
        long strataNanos = 0;
        long baselineNanos = 0;
        long strataBytes = 0;
        long baselineBytes = 0;
        int layerCount = 0;
        Written last = null;
        RemoteStorageMetrics metrics = new NodeMetrics().remoteStorage(S3StorageProvider.NAME);
        try (RemoteResources remote = resources(server, metrics);
             LocalEngine engine = LocalEngine.open(workloads.freshDirectory("strata-upload"), options(remote, failpoints))) {
            for (int round = 0; round < UPLOAD_ROUNDS; round++) {
                TenantId tenant = TenantId.random();
                engine.createTenant(tenant, Generation.of(1));
                Timeline timeline = engine.createTimeline(tenant, TimelineId.random());
                failpoints.configure(RemoteTimelineClient.FAILPOINT_BEFORE_LAYER_UPLOAD, "pause");
                long ingestStart = System.nanoTime();
                long[] commits = ingest(timeline);
                timeline.checkpoint();
                double ingestSeconds = (System.nanoTime() - ingestStart) / 1e9;
                // The WAL backup uploads the ingest's WAL segments (16 MiB objects) in the background. Caught up
                // here, before either side is timed: otherwise it runs during the turn that follows the ingest,
                // its PUTs counted in Strata's turn when Strata goes first, and competing with the SDK when it does.
                long backupStart = System.nanoTime();
                long backupPuts = metrics.requests(RemoteStorageMetrics.Operation.PUT);
                if (timeline.walBackup().isPresent() && !timeline.walBackup().get().runOnce(true)) {
                    throw new IllegalStateException("the WAL backup run before round " + round + " failed");
                }
                log.printf("  round %d: WAL backup caught up before the timed turns: %d PUTs in %.1f s%n", round,
                        metrics.requests(RemoteStorageMetrics.Operation.PUT) - backupPuts,
                        (System.nanoTime() - backupStart) / 1e9);
                List<LayerFileName> layers = timeline.layerFileNames();
                List<Path> files = new ArrayList<>(layers.size());
                long bytes = 0;
                for (LayerFileName layer : layers) {
                    Path file = timeline.directory().resolve(layer.localFileName());
                    files.add(file);
                    bytes += Files.size(file);
                }
                long strata = 0;
                long baseline = 0;
                boolean strataFirst = (round % 2 == 1) != STRATA_FIRST_IN_EVEN_ROUNDS;
                for (int turn = 0; turn < 2; turn++) {
                    // Each side starts with no dirty pages in the page cache: otherwise the write-back of the
                    // ingest (or of the side before) competes with the store's writes of the side that follows.
                    syncFileSystems();
                    if (dropsCaches()) {
                        dropCachesAndWarm(files);
                    }
                    boolean strataTurn = (turn == 0) == strataFirst;
                    long[] vmBefore = vmCounters();
                    try (TurnRecording recording = TurnRecording.start("round-" + round + "-turn-" + turn + "-"
                            + (strataTurn ? "strata" : "sdk"))) {
                        if (strataTurn) {
                            long puts = metrics.requests(RemoteStorageMetrics.Operation.PUT);
                            long sent = metrics.sentBytes(RemoteStorageMetrics.Operation.PUT);
                            long start = System.nanoTime();
                            failpoints.configure(RemoteTimelineClient.FAILPOINT_BEFORE_LAYER_UPLOAD, "off");
                            timeline.remote().waitCompletion(UPLOAD_TIMEOUT);
                            strata = System.nanoTime() - start;
                            log.printf("  round %d: Strata sent %d PUTs, %,.1f MiB, for %d layers of %,.1f MiB (the rest: "
                                            + "index uploads); PUT errors so far: %s%n", round,
                                    metrics.requests(RemoteStorageMetrics.Operation.PUT) - puts,
                                    (metrics.sentBytes(RemoteStorageMetrics.Operation.PUT) - sent) / MIB, layers.size(), bytes / MIB,
                                    putErrors(metrics));
                        } else {
                            baseline = putAll(client, files, "baseline-upload/round-" + round + "/");
                        }
                    }
                    log.printf("  round %d: %s's turn, /proc/vmstat: %s%n", round, strataTurn ? "Strata" : "the SDK",
                            vmChange(vmBefore, vmCounters()));
                }
                if (!timeline.remote().projectedRemoteConsistentLsn().equals(timeline.diskConsistentLsn())) {
                    throw new IllegalStateException("uploads completed but the remote index is at "
                            + timeline.remote().projectedRemoteConsistentLsn() + ", the disk at " + timeline.diskConsistentLsn());
                }
                log.printf("  round %d: ingest %.1f s; %d layers, %,.0f MiB: Strata %.2f s (%.0f MiB/s), "
                                + "SDK PutObject %.2f s (%.0f MiB/s)%n", round, ingestSeconds, layers.size(), bytes / MIB,
                        strata / 1e9, bytes / MIB / (strata / 1e9), baseline / 1e9, bytes / MIB / (baseline / 1e9));
                // What each of Strata's extra PUTs costs: the index uploads run one after another, and the last one
                // can only start when the last layer is in the bucket.
                Path index = timeline.directory().resolve(RemoteLayout.INDEX_NAME);
                long indexPuts = 0;
                for (int i = 0; i < 3; i++) {
                    indexPuts += putAll(client, List.of(index), "baseline-index/round-" + round + "-" + i + "/");
                }
                log.printf("  round %d: an SDK PutObject of the %,d-byte index takes %.1f ms (mean of 3)%n", round,
                        Files.size(index), indexPuts / 3 / 1e6);
                strataNanos += strata;
                baselineNanos += baseline;
                strataBytes += bytes;
                baselineBytes += bytes;
                layerCount += layers.size();
                last = new Written(tenant, timeline.timelineId(), commits, bytes, layers);
            }
        }
        double strataMibPerSecond = strataBytes / MIB / (strataNanos / 1e9);
        double baselineMibPerSecond = baselineBytes / MIB / (baselineNanos / 1e9);
        workloads.add(Row.atLeast("remote-upload", strataMibPerSecond, baselineMibPerSecond,
                "MiB/s of layer files uploaded vs SDK PutObject of the same files", 0.8, "≥ 0.8× raw SDK PutObject",
                String.format("%d layers of ~%d MiB (%,.0f MiB) over %d rounds, %d uploads in flight on both sides; "
                                + "Strata's time includes its index uploads; %s", layerCount, checkpointDistance >> 20,
                        strataBytes / MIB, UPLOAD_ROUNDS, UPLOADS_IN_FLIGHT,
                        dropsCaches() ? "page cache dropped before each turn" : "page cache not dropped")));
        return last;
    }

    /** Images of distinct pages, {@link Workloads#IMAGE_BATCH} per batch: page p is written once, in batch p / 64. */
    private long[] ingest(Timeline timeline) throws IOException {
        int pageCount = Math.toIntExact(scale.remoteBytes() / Pages.PAGE_BYTES);
        int batches = pageCount / Workloads.IMAGE_BATCH;
        long[] commits = new long[batches];
        for (int batch = 0; batch < batches; batch++) {
            commits[batch] = timeline.ingest(pages.sequentialImages((long) batch * Workloads.IMAGE_BATCH,
                    Workloads.IMAGE_BATCH, pageCount, batch)).value();
        }
        return commits;
    }

    /**
     * Diagnostic ({@code -Dstrata.bench.baselineIfNoneMatch=true}): the baseline's PutObject carries
     * {@code If-None-Match: *}, as Strata's layer uploads do (a layer object is written once), to see what the
     * server's conditional write costs. Off by default: the baseline is the plain PutObject.
     */
    private static final boolean BASELINE_IF_NONE_MATCH = Boolean.getBoolean("strata.bench.baselineIfNoneMatch");

    /**
     * Diagnostic ({@code -Dstrata.bench.turnjfr=DIR}): a JFR recording (the {@code profile} settings) of each timed
     * upload turn alone, dumped to {@code DIR/<round>-<turn>-<side>.jfr}; without the property, nothing is recorded.
     */
    private static final class TurnRecording implements AutoCloseable {
        private final jdk.jfr.Recording recording;
        private final Path file;

        private TurnRecording(jdk.jfr.Recording recording, Path file) {
            this.recording = recording;
            this.file = file;
        }

        static TurnRecording start(String name) throws IOException {
            String directory = System.getProperty("strata.bench.turnjfr");
            if (directory == null) {
                return new TurnRecording(null, null);
            }
            try {
                jdk.jfr.Recording recording = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"));
                recording.start();
                Files.createDirectories(Path.of(directory));
                return new TurnRecording(recording, Path.of(directory, name + ".jfr"));
            } catch (java.text.ParseException e) {
                throw new IOException("the JDK's JFR profile settings do not parse", e);
            }
        }

        @Override
        public void close() throws IOException {
            if (recording != null) {
                recording.stop();
                recording.dump(file);
                recording.close();
            }
        }
    }

    /** Puts every file under {@code prefix} with {@link #UPLOADS_IN_FLIGHT} requests in flight; nanoseconds taken. */
    private static long putAll(S3Client client, List<Path> files, String prefix) throws IOException {
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime();
        try (ExecutorService uploaders = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Void>> futures = new ArrayList<>();
            for (int i = 0; i < UPLOADS_IN_FLIGHT; i++) {
                futures.add(uploaders.submit(() -> {
                    int index;
                    while ((index = next.getAndIncrement()) < files.size()) {
                        Path file = files.get(index);
                        client.putObject(request -> {
                            request.bucket(BUCKET).key(prefix + file.getFileName());
                            if (BASELINE_IF_NONE_MATCH) {
                                request.ifNoneMatch("*");
                            }
                        }, RequestBody.fromFile(file));
                    }
                    return null;
                }));
            }
            for (Future<Void> future : futures) {
                await(future);
            }
        }
        return System.nanoTime() - start;
    }

    private static void await(Future<?> future) throws IOException {
        try {
            future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IOException("baseline request failed: " + e.getCause(), e.getCause());
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Attach and on-demand downloads

    private void attach(S3ProxyProcess server, S3Client client, Written written) throws IOException {
        List<LayerFileName> layers = new ArrayList<>(written.layers());
        layers.sort(Comparator.comparing(layer -> layer.name() instanceof DeltaLayerName delta ? delta.lsnStart().value() : 0L));
        LayerFileName newest = layers.getLast();
        int batches = written.commitLsns().length;
        int firstReadPage = batches * Workloads.IMAGE_BATCH - 1; // written by the last batch, so in the newest layer
        Lsn firstReadLsn = Lsn.of(written.commitLsns()[batches - 1]);
        byte[] firstReadExpected = image(firstReadPage, batches - 1);
        Path baselineDirectory = workloads.freshDirectory("sdk-downloads");

        long strataNanos = 0;
        long baselineNanos = 0;
        List<Long> strataDownloads = new ArrayList<>();
        List<Long> baselineDownloads = new ArrayList<>();
        int notOneDownload = 0;
        double warmUpMillis = 0;
        // Round 0 warms up both sides (the attach path's classes and JIT) and is left out of the mean.
        for (int round = 0; round <= ATTACH_ROUNDS; round++) {
            Generation generation = Generation.of(2 + round);
            boolean strataFirst = round % 2 == 0;
            boolean lastRound = round == ATTACH_ROUNDS;
            long strata = 0;
            long baseline = 0;
            for (int turn = 0; turn < 2; turn++) {
                if ((turn == 0) != strataFirst) {
                    baseline = fetchForFirstRead(client, written, Generation.of(1 + round), newest,
                            baselineDirectory.resolve("attach-" + round));
                    continue;
                }
                RemoteStorageMetrics metrics = new NodeMetrics().remoteStorage(S3StorageProvider.NAME);
                try (RemoteResources remote = resources(server, metrics);
                     LocalEngine engine = LocalEngine.open(workloads.freshDirectory("strata-attach-" + round),
                             options(remote, Failpoints.disabled()))) {
                    long start = System.nanoTime();
                    engine.applyLocation(written.tenant(), new LocationConfig(TenantMode.ATTACHED_SINGLE, generation, false));
                    long attached = System.nanoTime();
                    Timeline timeline = engine.timeline(written.tenant(), written.timeline());
                    byte[] page = timeline.get(Pages.key(firstReadPage), firstReadLsn);
                    strata = System.nanoTime() - start;
                    check("first read after attach", firstReadPage, firstReadExpected, page);
                    Timeline.LayerResidence residence = timeline.residence();
                    log.printf("  attach round %d (generation %d): applyLocation %.1f ms, first read %.1f ms; %d layers, "
                                    + "%d resident after the first read%n", round, generation.value(), (attached - start) / 1e6,
                            (start + strata - attached) / 1e6, residence.layers(), residence.resident());
                    log.printf("  attach round %d requests: %s%n", round, requests(metrics));
                    if (lastRound) {
                        notOneDownload = downloads(timeline, client, written, layers, newest, baselineDirectory,
                                strataDownloads, baselineDownloads);
                    }
                }
            }
            log.printf("  attach round %d%s: Strata %.1f ms, SDK list + index + newest layer %.1f ms%n", round,
                    round == 0 ? " (warm-up)" : "", strata / 1e6, baseline / 1e6);
            if (round == 0) {
                warmUpMillis = strata / 1e6;
            } else {
                strataNanos += strata;
                baselineNanos += baseline;
            }
        }
        double strataMillis = strataNanos / 1e6 / ATTACH_ROUNDS;
        double baselineMillis = baselineNanos / 1e6 / ATTACH_ROUNDS;
        String size = String.format("a timeline of %,.0f MiB in %d layers%s", written.bytes() / MIB, layers.size(),
                written.bytes() >= (1L << 30) ? "" : " (smaller than the target's 1 GiB: a quick run; --full attaches 1 GiB)");
        workloads.add(noTarget(Row.atMost("remote-attach", strataMillis, baselineMillis,
                "ms to attach + first read vs SDK list + GET index + GET layer to file", 0,
                "none (spec: attach ≥ 1 GiB, first read)", String.format("%s; mean of %d attaches onto empty disks, "
                        + "interleaved with the baseline, after a warm-up attach (%.0f ms, the first in this JVM)", size,
                        ATTACH_ROUNDS, warmUpMillis))));

        double[] strata = millis(strataDownloads);
        double[] baseline = millis(baselineDownloads);
        if (strata.length == 0) {
            throw new IllegalStateException("no read downloaded exactly one layer (" + notOneDownload + " did not)");
        }
        String note = String.format("%d reads that each downloaded one layer of ~%d MiB%s; %d reads did not download "
                        + "exactly one; baseline GetObject into a file + force", strata.length, checkpointDistance >> 20,
                strata.length < 100 ? " (p99 is the largest of so few)" : "", notOneDownload);
        workloads.add(noTarget(Row.atMost("remote-attach", percentile(strata, 50), percentile(baseline, 50),
                "ms p50 of a first read that downloads its layer vs SDK GetObject of the layer", 0, "none", note)));
        workloads.add(noTarget(Row.atMost("remote-attach", percentile(strata, 99), percentile(baseline, 99),
                "ms p99 of a first read that downloads its layer vs SDK GetObject of the layer", 0, "none", note)));
    }

    /**
     * What the first read after an attach needs from the bucket, fetched with the SDK: the tenant's timelines
     * listed, the index the attach loads read, the newest layer written to a file and forced.
     */
    private long fetchForFirstRead(S3Client client, Written written, Generation indexGeneration, LayerFileName layer,
                                   Path directory) throws IOException {
        Files.createDirectories(directory);
        long start = System.nanoTime();
        int timelines = client.listObjectsV2(request -> request.bucket(BUCKET)
                .prefix(layout.timelinesPrefix(written.tenant())).delimiter("/")).commonPrefixes().size();
        byte[] index = client.getObjectAsBytes(request -> request.bucket(BUCKET)
                .key(layout.indexKey(written.tenant(), written.timeline(), indexGeneration))).asByteArray();
        getToFile(client, layout.layerKey(written.tenant(), written.timeline(), layer), directory.resolve("layer"));
        long nanos = System.nanoTime() - start;
        if (timelines != 1 || index.length == 0) {
            throw new IllegalStateException("baseline listed " + timelines + " timelines and read an index of "
                    + index.length + " bytes");
        }
        return nanos;
    }

    /**
     * For every layer not yet resident, one read at an LSN inside it of a page written there, and the SDK's
     * download of the same object, in alternating order. Returns how many reads did not download exactly one layer.
     */
    private int downloads(Timeline timeline, S3Client client, Written written, List<LayerFileName> layers,
                          LayerFileName alreadyResident, Path baselineDirectory, List<Long> strataNanos, List<Long> baselineNanos) throws IOException {
        long[] commits = written.commitLsns();
        int notOne = 0;
        int index = 0;
        for (LayerFileName layer : layers) {
            if (!(layer.name() instanceof DeltaLayerName delta) || layer.equals(alreadyResident)) {
                continue;
            }
            int batch = batchInside(commits, delta.lsnStart().value(), delta.lsnEnd().value());
            if (batch < 0) {
                continue; // no batch ends inside this layer
            }
            int page = batch * Workloads.IMAGE_BATCH;
            byte[] expected = image(page, batch);
            long sdk = 0;
            long read = 0;
            long downloadedLayers = 0;
            for (int turn = 0; turn < 2; turn++) {
                if ((turn == 0) == (index % 2 == 0)) {
                    long residentBefore = timeline.residence().resident();
                    long start = System.nanoTime();
                    byte[] answer = timeline.get(Pages.key(page), Lsn.of(commits[batch]));
                    read = System.nanoTime() - start;
                    check("on-demand read", page, expected, answer);
                    downloadedLayers = timeline.residence().resident() - residentBefore;
                } else {
                    long start = System.nanoTime();
                    getToFile(client, layout.layerKey(written.tenant(), written.timeline(), layer),
                            baselineDirectory.resolve("layer-" + index));
                    sdk = System.nanoTime() - start;
                }
            }
            if (downloadedLayers == 1) {
                strataNanos.add(read);
                baselineNanos.add(sdk);
            } else {
                notOne++;
                log.printf("  read of page %d at %s (layer %s) downloaded %d layers%n", page, Lsn.of(commits[batch]),
                        layer, downloadedLayers);
            }
            index++;
        }
        return notOne;
    }

    /** A batch whose commit LSN lies inside [start, end), from the middle of those that do; -1 when none. */
    private static int batchInside(long[] commits, long start, long end) {
        int first = -1;
        int last = -1;
        for (int batch = 0; batch < commits.length; batch++) {
            if (commits[batch] >= start && commits[batch] < end) {
                if (first < 0) {
                    first = batch;
                }
                last = batch;
            }
        }
        return first < 0 ? -1 : (first + last) / 2;
    }

    /** GetObject streamed into {@code target}, then forced, as a node keeps a downloaded layer. */
    private static void getToFile(S3Client client, String key, Path target) throws IOException {
        try (ResponseInputStream<GetObjectResponse> in = client.getObject(request -> request.bucket(BUCKET).key(key));
             FileChannel channel = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            copy(in, channel);
            channel.force(true);
        }
    }

    private static void copy(InputStream in, FileChannel out) throws IOException {
        byte[] buffer = new byte[256 * 1024];
        int read;
        while ((read = in.read(buffer)) >= 0) {
            ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, read);
            while (chunk.hasRemaining()) {
                out.write(chunk);
            }
        }
    }

    private byte[] image(int page, long version) {
        PageWrite write = pages.image(page, version);
        return ((PageRecord.Image) write.record()).page();
    }

    private static void check(String what, int page, byte[] expected, byte[] actual) {
        if (!Arrays.equals(expected, actual)) {
            throw new IllegalStateException(what + ": page " + page + " differs from what was written ("
                    + (actual == null ? "null" : actual.length + " bytes") + ")");
        }
    }

    private static Row noTarget(Row row) {
        return new Row(row.name(), row.strata(), row.baseline(), row.ratio(), row.unit(), row.target(), null, row.note());
    }

    private static double[] millis(List<Long> nanos) {
        return nanos.stream().mapToDouble(value -> value / 1e6).sorted().toArray();
    }

    /** Nearest-rank percentile of sorted values. */
    private static double percentile(double[] sorted, double percent) {
        int rank = (int) Math.ceil(percent / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}

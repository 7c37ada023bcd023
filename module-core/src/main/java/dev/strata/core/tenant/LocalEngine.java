package dev.strata.core.tenant;

import dev.strata.api.Generation;
import dev.strata.api.Lsn;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.controlplane.TenantMode;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.ListPage;
import dev.strata.api.remote.ListRequest;
import dev.strata.core.index.IndexPart;
import dev.strata.core.io.DurableFiles;
import dev.strata.core.layer.BlockCache;
import dev.strata.core.metrics.EngineGauges;
import dev.strata.core.metrics.LayerTotals;
import dev.strata.core.metrics.TimelineLsns;
import dev.strata.core.metrics.UploadTotals;
import dev.strata.core.metrics.NodeMetrics;
import dev.strata.core.page.Redo;
import dev.strata.core.tiered.LoadedIndex;
import dev.strata.core.tiered.RemoteIndexException;
import dev.strata.core.tiered.RemoteIndexLoader;
import dev.strata.core.tiered.RemoteResources;
import dev.strata.core.tiered.RemoteTimelineDeletion;
import dev.strata.core.timeline.EngineException;
import dev.strata.core.timeline.InMemoryBudget;
import dev.strata.core.timeline.Timeline;
import dev.strata.core.timeline.TimelineResources;
import dev.strata.core.timeline.TimelineSettings;
import dev.strata.core.walbackup.WalBackupScheduler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.apache.logging.log4j.CloseableThreadContext;

/**
 * The engine of a node: every tenant and timeline under one work directory, optionally backed by remote
 * storage. Without remote storage the local index of each timeline is its truth; with it, the remote index
 * is (INVARIANTS 6), every load is an attach from the bucket that reuses what is on local disk, and local
 * files are a cache that eviction may shrink.
 *
 * <pre>
 * &lt;workdir&gt;/tenants/&lt;tenant&gt;/config-v1
 * &lt;workdir&gt;/tenants/&lt;tenant&gt;/timelines/&lt;timeline&gt;/index_part.json, layer files, wal/
 * </pre>
 *
 * <p>Opening loads every tenant and every timeline (ancestors before children), removing what a crash left
 * half-created; with {@link StartupAttach#background()} it returns first and tenants attach behind it, a
 * request for a tenant still waiting moving that tenant to the front and waiting for it. Structural changes (create, branch, delete) are serialised per tenant, so tenants are created
 * in parallel; reads and writes of timelines take no engine lock. Lock order: tenant lock, then the
 * timeline's own locks.
 */
public final class LocalEngine implements AutoCloseable {
    /** The LSN a root timeline starts at. */
    public static final Lsn INITDB_LSN = Lsn.of(0x0100_0000L);
    private static final System.Logger LOG = System.getLogger(LocalEngine.class.getName());
    private static final String TENANTS = "tenants";
    private static final String TIMELINES = "timelines";
    /** Tenants loaded at once at start-up. */
    private static final int LOAD_CONCURRENCY = 8;

    private final Path workdir;
    private final EngineOptions options;
    private final TimelineResources resources;
    private final ScheduledExecutorService ticker;
    /** Compaction and GC of every timeline (when {@link #maintenance}), heatmap uploads and Secondary downloads. */
    private final BackgroundScheduler scheduler;
    /** Whether the engine runs compaction and GC by itself. */
    private final boolean maintenance;
    /** Tenants held in Secondary mode: a warm copy of their layers, no timelines loaded. */
    private final Map<TenantId, SecondaryTenant> secondaries = new ConcurrentHashMap<>();
    /** {@link System#nanoTime()} of the last heatmap upload started per attached tenant. */
    private final Map<TenantId, Long> heatmapUploads = new ConcurrentHashMap<>();
    /** Bounds the layer downloads of every Secondary tenant together. */
    private final java.util.concurrent.Semaphore secondaryDownloads;
    /** Null for a node without remote storage. */
    private final RemoteResources remote;
    /** Serialises structural changes (create, branch, delete) per tenant; reads and writes take none. */
    private final Map<TenantId, ReentrantLock> tenantLocks = new ConcurrentHashMap<>();
    private final Map<TenantId, TenantConfig> tenants = new ConcurrentHashMap<>();
    /** Tenants in a transient state (for example "Attaching"); their timelines answer 503 meanwhile. */
    private final Map<TenantId, String> transitions = new ConcurrentHashMap<>();
    private final Map<TenantId, Map<TimelineId, Timeline>> timelines = new ConcurrentHashMap<>();
    private volatile boolean closed;
    /** The control plane, set once at start-up; null for a node that is its bucket's only writer. */
    private volatile dev.strata.api.controlplane.ControlPlane controlPlane;
    /** The tenants attached at start-up that have not finished; null before start-up lists them. */
    private volatile AttachQueue startupQueue;
    /** The workers of {@link #startupQueue}; they end when it is empty. */
    private volatile ExecutorService attachWorkers;
    /** Tenants attaching from remote storage now, with how far they got. */
    private final Map<TenantId, AttachProgress> attachProgress = new ConcurrentHashMap<>();
    /** Tenants whose attach at start-up failed (in the background), with the reason; they answer 500. */
    private final Map<TenantId, String> brokenTenants = new ConcurrentHashMap<>();
    /** Closed after the engine, in order: resources the engine uses but the caller handed over. */
    private final List<AutoCloseable> closeAfterwards = new java.util.concurrent.CopyOnWriteArrayList<>();

    private LocalEngine(Path workdir, EngineOptions options, TimelineResources resources, ScheduledExecutorService ticker,
                        BackgroundScheduler scheduler) {
        this.workdir = workdir;
        this.options = options;
        this.resources = resources;
        this.ticker = ticker;
        this.scheduler = scheduler;
        this.maintenance = options.backgroundCompaction();
        this.remote = options.remote();
        this.secondaryDownloads = new java.util.concurrent.Semaphore(options.secondary().maxConcurrentDownloads());
    }

    /** Opens (creating if needed) the engine in {@code workdir} and loads every tenant, with metrics of its own. */
    public static LocalEngine open(Path workdir, EngineOptions options) throws IOException {
        return open(workdir, options, new NodeMetrics());
    }

    /**
     * Opens (creating if needed) the engine in {@code workdir} and loads every tenant, reporting to
     * {@code metrics} (whose engine gauges it registers: one engine per {@link NodeMetrics}).
     */
    public static LocalEngine open(Path workdir, EngineOptions options, NodeMetrics metrics) throws IOException {
        return open(workdir, options, metrics, true);
    }

    /** @param timeReadConfigs whether listing the tenants is the {@code read_configs} start-up phase (the control
     *                         plane's start-up times its own reading) */
    private static LocalEngine open(Path workdir, EngineOptions options, NodeMetrics metrics, boolean timeReadConfigs)
            throws IOException {
        Objects.requireNonNull(workdir, "workdir is null");
        Objects.requireNonNull(options, "options is null");
        Objects.requireNonNull(metrics, "metrics is null");
        DurableFiles.createDirectoryDurably(workdir.resolve(TENANTS));
        ExecutorService background = Executors.newFixedThreadPool(options.backgroundThreads(), daemon("strata-background"));
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(daemon("strata-ticker"));
        WalBackupScheduler walBackup = options.remote() != null && options.walBackup().enabled()
                ? new WalBackupScheduler(options.walBackup(), options.remote().executor(), metrics) : null;
        TimelineResources resources = new TimelineResources(new BlockCache(options.blockCacheBytes()), Redo.loadInstalled(),
                options.failpoints(), metrics.countingFsyncs(options.io()), background, Clock.systemUTC(), metrics,
                new InMemoryBudget(options.effectiveInMemoryLayerBytes()), walBackup);
        BackgroundScheduler scheduler = new BackgroundScheduler(Math.max(1, Runtime.getRuntime().availableProcessors() / 2),
                1, metrics);
        LocalEngine engine = new LocalEngine(workdir, options, resources, ticker, scheduler);
        metrics.registerEngine(engine.gauges());
        metrics.registerSecondary(engine.secondaries::size, engine::oldestHeatmapAgeSeconds);
        InMemoryBudget memory = resources.memory();
        metrics.registerInMemoryBudget(memory::limitBytes, memory::usedBytes, memory::frozenBytes, memory::budgetFreezes,
                memory::stalledNanos);
        boolean success = false;
        try {
            engine.loadAll(timeReadConfigs);
            ticker.scheduleWithFixedDelay(engine::tick, 1, 1, TimeUnit.SECONDS);
            if (options.remote() != null) {
                LayerEviction eviction = new LayerEviction(options.eviction(), workdir, engine::allTimelines);
                long period = options.eviction().period().toMillis();
                ticker.scheduleWithFixedDelay(eviction::run, period, period, TimeUnit.MILLISECONDS);
            }
            success = true;
            return engine;
        } finally {
            if (!success) {
                engine.close(false);
            }
        }
    }

    /**
     * Opens a node whose deletions go through a control plane, in the start-up order of ARCHITECTURE §6: read
     * every tenant's {@code config-v1}; re-attach (or, when the control plane does not answer within the
     * emergency policy, enter emergency mode); recover the deletion queue; reconcile (a tenant the answer does
     * not list is detached, a returned generation newer than the local one replaces it); attach.
     *
     * <p>In emergency mode every local tenant is attached at its local generation and mode, and the deletion
     * queue holds every deletion and visible-LSN advance until the control plane answers a validation.
     *
     * @throws IOException when the control plane refused the node, or loading failed
     */
    public static LocalEngine open(Path workdir, EngineOptions options, NodeMetrics metrics, ControlPlaneSetup control)
            throws IOException {
        Objects.requireNonNull(workdir, "workdir is null");
        Objects.requireNonNull(options, "options is null");
        Objects.requireNonNull(control, "control is null");
        if (options.remote() == null) {
            throw new IllegalArgumentException("a control plane needs remote storage: configure [remote_storage]");
        }
        Path tenantsDirectory = workdir.resolve(TENANTS);
        DurableFiles.createDirectoryDurably(tenantsDirectory);
        long phaseStart = System.nanoTime();
        Map<TenantId, TenantConfig> local = readTenantConfigs(tenantsDirectory);
        metrics.startupPhase("read_configs", System.nanoTime() - phaseStart);
        phaseStart = System.nanoTime();
        List<dev.strata.api.controlplane.TenantAttachment> attachments = reAttach(control, local.isEmpty());
        metrics.startupPhase("control_plane", System.nanoTime() - phaseStart);
        boolean emergency = attachments == null;
        if (emergency) {
            LOG.log(System.Logger.Level.ERROR, "EMERGENCY MODE: the control plane did not answer the re-attach of node {0};"
                    + " attaching {1} tenants at their local generations; every deletion and visible-LSN advance is held"
                    + " until the control plane answers", control.nodeId(), local.size());
        }
        // Until the engine is open every tenant's deletions are held, so that none of a migrating tenant's is
        // validated before its mode is known.
        phaseStart = System.nanoTime();
        java.util.concurrent.atomic.AtomicReference<LocalEngine> opened = new java.util.concurrent.atomic.AtomicReference<>();
        dev.strata.core.deletion.DeletionQueue queue = dev.strata.core.deletion.DeletionQueue.open(
                workdir.resolve("deletion"), options.remote().layout(), control.controlPlane(), control.executor(),
                control.queueSettings(), options.failpoints(),
                new dev.strata.core.deletion.DeletionQueueMetrics(metrics.registry()), emergency, tenant -> {
                    LocalEngine engine = opened.get();
                    return engine == null || engine.holdsDeletions(tenant);
                });
        metrics.startupPhase("deletion_queue_recovery", System.nanoTime() - phaseStart);
        boolean success = false;
        try {
            Map<TenantId, dev.strata.api.controlplane.TenantAttachment> missing = new java.util.TreeMap<>();
            if (!emergency) {
                missing = reconcile(tenantsDirectory, local, attachments);
            }
            LocalEngine engine = open(workdir, options.withRemote(options.remote().withDeletions(queue)), metrics, false);
            engine.closeAfterwards(queue);
            engine.controlPlane = control.controlPlane();
            opened.set(engine);
            queue.holdsChanged();
            boolean attached = false;
            try {
                for (dev.strata.api.controlplane.TenantAttachment attachment : missing.values()) {
                    engine.applyLocation(attachment.tenant(), new LocationConfig(
                            TenantMode.parse(attachment.mode().wireName()),
                            attachment.mode().attached() ? attachment.generation() : Generation.NONE, false));
                }
                attached = true;
            } finally {
                if (!attached) {
                    engine.close(false);
                }
            }
            success = true;
            return engine;
        } finally {
            if (!success) {
                queue.close();
            }
        }
    }

    /**
     * Whether {@code tenantId}'s deletions are held: it is held here AttachedMulti or AttachedStale
     * ({@link TenantMode#holdsDeletions()}). Never blocks (the deletion queue asks under its lock).
     */
    boolean holdsDeletions(TenantId tenantId) {
        TenantConfig config = tenants.get(tenantId);
        return config != null && TenantMode.parse(config.mode()).holdsDeletions();
    }

    /**
     * Tells a control plane that is its own authority (the {@code local} one) about a tenant this node was told
     * to hold through its own API, before the tenant's configuration is written.
     */
    private void recordWithControlPlane(TenantId tenantId, TenantConfig config) throws IOException {
        dev.strata.api.controlplane.ControlPlane controlPlane = this.controlPlane;
        if (controlPlane == null) {
            return;
        }
        dev.strata.api.controlplane.TenantMode mode = dev.strata.api.controlplane.TenantMode.parse(config.mode());
        if (mode == dev.strata.api.controlplane.TenantMode.DETACHED) {
            return;
        }
        controlPlane.attachedLocally(new dev.strata.api.controlplane.TenantAttachment(tenantId,
                mode.attached() ? config.generation() : Generation.NONE, mode));
    }

    /** Threads that read tenant configurations at start-up: small files, so the waits overlap well. */
    private static final int CONFIG_READERS = 16;

    /**
     * Every tenant directory's {@code config-v1}, read in parallel ({@link #CONFIG_READERS} at once); entries left
     * by unfinished renames are skipped. The first failure is thrown, naming the directory.
     */
    private static Map<TenantId, TenantConfig> readTenantConfigs(Path tenantsDirectory) throws IOException {
        Map<TenantId, Path> directories = new java.util.TreeMap<>();
        try (Stream<Path> entries = Files.list(tenantsDirectory)) {
            for (Path directory : entries.sorted().toList()) {
                String name = directory.getFileName().toString();
                if (name.endsWith(DurableFiles.TEMP_SUFFIX)) {
                    continue;
                }
                try {
                    directories.put(TenantId.parse(name), directory);
                } catch (IllegalArgumentException e) {
                    throw new IOException("unknown entry " + directory + " in the tenants directory: " + e.getMessage());
                }
            }
        }
        Map<TenantId, java.util.concurrent.Future<TenantConfig>> reads = new java.util.TreeMap<>();
        java.util.concurrent.ExecutorService readers = Executors.newFixedThreadPool(
                Math.max(1, Math.min(CONFIG_READERS, directories.size())), daemon("strata-config-reader"));
        try {
            directories.forEach((tenantId, directory) -> reads.put(tenantId, readers.submit(() -> TenantConfig.read(directory))));
            Map<TenantId, TenantConfig> configs = new java.util.TreeMap<>();
            for (Map.Entry<TenantId, java.util.concurrent.Future<TenantConfig>> read : reads.entrySet()) {
                try {
                    configs.put(read.getKey(), read.getValue().get());
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof IOException io) {
                        throw io;
                    }
                    throw new IOException("reading the configuration of tenant " + read.getKey() + " in "
                            + directories.get(read.getKey()) + " failed: " + e.getCause(), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while reading tenant configurations");
                }
            }
            return configs;
        } finally {
            readers.shutdownNow();
        }
    }

    /**
     * Asks the control plane which tenants to hold; null when it did not answer within the emergency policy.
     *
     * @throws IOException when it refused the node (a wrong token, an unknown node): that is no reason to start
     *                     in emergency mode
     */
    private static List<dev.strata.api.controlplane.TenantAttachment> reAttach(ControlPlaneSetup control,
                                                                              boolean emptyLocalDisk) throws IOException {
        dev.strata.api.remote.Deadline deadline = switch (control.emergencyMode()) {
            case dev.strata.core.controlplane.EmergencyMode.On on -> null;
            case dev.strata.core.controlplane.EmergencyMode.Off off -> dev.strata.api.remote.Deadline.NONE;
            case dev.strata.core.controlplane.EmergencyMode.After(java.time.Duration delay) ->
                    dev.strata.api.remote.Deadline.after(delay);
        };
        if (deadline == null) {
            return null;
        }
        try {
            return control.controlPlane().reAttach(control.nodeId(), emptyLocalDisk,
                    new CallContext(dev.strata.api.remote.Cancellation.NEVER, deadline));
        } catch (dev.strata.api.controlplane.ControlPlaneException.Unavailable e) {
            LOG.log(System.Logger.Level.ERROR, "re-attach of node {0} failed: {1}", control.nodeId(), e.getMessage());
            return null;
        } catch (dev.strata.api.controlplane.ControlPlaneException e) {
            throw new IOException("the control plane refused the re-attach of node " + control.nodeId() + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Makes the local tenant directories agree with a re-attach answer: a tenant not listed is detached (its
     * directory renamed aside and removed); a listed one gets the returned mode and, when newer, the returned
     * generation in its {@code config-v1}.
     *
     * @return the listed tenants this node has no directory for (to be attached from remote storage)
     */
    private static Map<TenantId, dev.strata.api.controlplane.TenantAttachment> reconcile(Path tenantsDirectory,
            Map<TenantId, TenantConfig> local, List<dev.strata.api.controlplane.TenantAttachment> attachments)
            throws IOException {
        Map<TenantId, dev.strata.api.controlplane.TenantAttachment> returned = new java.util.TreeMap<>();
        attachments.forEach(attachment -> returned.put(attachment.tenant(), attachment));
        for (Map.Entry<TenantId, TenantConfig> entry : local.entrySet()) {
            TenantId tenantId = entry.getKey();
            Path directory = tenantsDirectory.resolve(tenantId.hex());
            dev.strata.api.controlplane.TenantAttachment attachment = returned.remove(tenantId);
            if (attachment == null) {
                LOG.log(System.Logger.Level.WARNING, "tenant {0} generation {1}: the control plane does not list it for"
                        + " this node; detaching", tenantId, entry.getValue().generation());
                Path aside = directory.resolveSibling(directory.getFileName() + DurableFiles.TEMP_SUFFIX);
                Files.move(directory, aside, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                DurableFiles.fsyncDirectory(tenantsDirectory);
                DurableFiles.deleteRecursively(aside);
                continue;
            }
            TenantConfig current = entry.getValue();
            Generation generation = current.generation();
            TenantMode mode = attachment.mode();
            if (attachment.generation().compareTo(generation) > 0) {
                generation = attachment.generation();
            } else if (mode.attached() && attachment.generation().compareTo(generation) < 0) {
                // The local state is from a newer attachment than the one the control plane hands us: writing
                // under the older generation would lose to it. Keep a warm copy instead of writing.
                LOG.log(System.Logger.Level.WARNING, "tenant {0}: the control plane returned generation {1}, older than"
                        + " the local {2}; demoting the tenant to Secondary", tenantId, attachment.generation(), generation);
                mode = TenantMode.SECONDARY;
            }
            // Secondary holds no generation (FORMATS "location_config").
            TenantConfig wanted = new TenantConfig(mode.wireName(), mode.attached() ? generation : Generation.NONE,
                    current.overrides());
            if (!wanted.equals(current)) {
                LOG.log(System.Logger.Level.INFO, "tenant {0}: re-attached in mode {1} at generation {2} (was {3} at {4})",
                        tenantId, wanted.mode(), wanted.generation(), current.mode(), current.generation());
                wanted.write(directory);
            }
        }
        return returned;
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /**
     * Attaches every tenant on disk, {@link StartupAttach#concurrency()} at a time, in tenant order except that a
     * tenant a request asks for while it waits goes next ({@link #awaitStartupAttach}): most of the work is small
     * reads and one fsync per WAL, so parallel loads overlap their waits. In the foreground the first failure
     * stops the start-up and names the tenant; in the background it marks that tenant broken.
     */
    private void loadAll(boolean timeReadConfigs) throws IOException {
        long listStart = System.nanoTime();
        List<TenantId> tenantIds = new ArrayList<>();
        try (Stream<Path> entries = Files.list(workdir.resolve(TENANTS))) {
            for (Path tenantDirectory : entries.sorted().toList()) {
                String name = tenantDirectory.getFileName().toString();
                if (name.endsWith(DurableFiles.TEMP_SUFFIX)) {
                    DurableFiles.deleteRecursively(tenantDirectory);
                    continue;
                }
                try {
                    tenantIds.add(TenantId.parse(name));
                } catch (IllegalArgumentException e) {
                    throw new IOException("unknown entry " + tenantDirectory + " in the tenants directory: " + e.getMessage());
                }
            }
        }
        if (timeReadConfigs) {
            metrics().startupPhase("read_configs", System.nanoTime() - listStart);
        }
        AttachQueue queue = new AttachQueue(tenantIds);
        List<java.util.concurrent.CompletableFuture<Void>> attaches = new ArrayList<>();
        for (TenantId tenantId : tenantIds) {
            attaches.add(queue.completion(tenantId).orElseThrow());
        }
        startupQueue = queue;
        long attachStart = System.nanoTime();
        if (tenantIds.isEmpty()) {
            metrics().startupPhase("attach", 0);
            return;
        }
        int workers = Math.min(options.startup().concurrency(), tenantIds.size());
        ExecutorService pool = Executors.newFixedThreadPool(workers, daemon("strata-attach"));
        attachWorkers = pool;
        for (int i = 0; i < workers; i++) {
            pool.execute(() -> attachFromQueue(queue, attachStart));
        }
        pool.shutdown();
        if (options.startup().background()) {
            LOG.log(System.Logger.Level.INFO, "attaching {0} tenants in the background, {1} at a time", tenantIds.size(),
                    workers);
            return;
        }
        for (int i = 0; i < attaches.size(); i++) {
            try {
                attaches.get(i).get();
            } catch (java.util.concurrent.ExecutionException e) {
                queue.close(new EngineException.Unavailable("start-up stopped"));
                awaitAttachWorkers();
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                throw new IOException("loading tenant " + tenantIds.get(i) + " failed: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                queue.close(new EngineException.Unavailable("start-up interrupted"));
                throw new IOException("interrupted while loading tenants", e);
            }
        }
    }

    /** One start-up worker: attaches tenants from the queue until it is empty or closed. */
    private void attachFromQueue(AttachQueue queue, long attachStart) {
        for (Optional<TenantId> next = queue.next(); next.isPresent(); next = queue.next()) {
            TenantId tenantId = next.get();
            Throwable failure = null;
            try (CloseableThreadContext.Instance _ = CloseableThreadContext.put("tenant_id", tenantId.hex())) {
                resources.failpoints().hit("startup-before-tenant-attach");
                loadTenant(tenantId, tenantDirectory(tenantId));
            } catch (IOException | RuntimeException | Error e) {
                failure = e;
                if (options.startup().background()) {
                    markBroken(tenantId, e);
                }
            } finally {
                queue.finished(tenantId, failure);
                if (queue.pendingCount() == 0) {
                    metrics().startupPhase("attach", System.nanoTime() - attachStart);
                    LOG.log(System.Logger.Level.INFO, "start-up attach finished in {0} ms",
                            (System.nanoTime() - attachStart) / 1_000_000);
                }
            }
        }
    }

    /** A tenant whose attach failed in the background: what it loaded is closed, and it answers 500 from now on. */
    private void markBroken(TenantId tenantId, Throwable failure) {
        String reason = failure.getMessage() == null ? failure.toString() : failure.getMessage();
        LOG.log(System.Logger.Level.ERROR, "tenant " + tenantId + ": attach at start-up failed; the tenant is broken", failure);
        List<Timeline> loaded = new ArrayList<>(timelines.getOrDefault(tenantId, Map.of()).values());
        loaded.sort(java.util.Comparator.comparingInt(LocalEngine::depth).reversed());
        for (Timeline timeline : loaded) {
            try {
                timeline.close(false);
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "closing timeline {0} of broken tenant {1}: {2}", timeline.timelineId(),
                        tenantId, e.toString());
            }
        }
        timelines.remove(tenantId);
        tenants.remove(tenantId);
        brokenTenants.put(tenantId, reason);
    }

    /** Waits for the start-up workers to finish the tenants they took. */
    private void awaitAttachWorkers() {
        ExecutorService pool = attachWorkers;
        if (pool == null) {
            return;
        }
        try {
            if (!pool.awaitTermination(5, TimeUnit.MINUTES)) {
                LOG.log(System.Logger.Level.WARNING, "start-up attach workers did not finish within 5 minutes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * When a tenant is still waiting to be attached at start-up, moves it to the front of the queue and waits
     * (at most {@link StartupAttach#requestWait()}) until it is attached: a client's tenant comes before the
     * others. Returns at once for a tenant that is not queued.
     *
     * @throws EngineException.Unavailable when the tenant is not attached in time (retry)
     * @throws EngineException.Broken when its attach failed
     */
    private void awaitStartupAttach(TenantId tenantId) {
        AttachQueue queue = startupQueue;
        if (queue != null) {
            Optional<java.util.concurrent.CompletableFuture<Void>> completion = queue.completion(tenantId);
            if (completion.isPresent()) {
                if (queue.prioritize(tenantId)) {
                    LOG.log(System.Logger.Level.INFO, "tenant {0} was asked for while waiting to attach: attaching it next",
                            tenantId);
                }
                try {
                    completion.get().get(options.startup().requestWait().toMillis(), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new EngineException.Unavailable("tenant " + tenantId + " is still attaching (node start-up); retry");
                } catch (java.util.concurrent.ExecutionException e) {
                    // Reported below as broken, or as the reason the start-up stopped.
                    if (!brokenTenants.containsKey(tenantId)) {
                        throw new EngineException.Unavailable("tenant " + tenantId + " is not attached: "
                                + e.getCause().getMessage());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new EngineException.Unavailable("interrupted while tenant " + tenantId + " attaches; retry");
                }
            }
        }
        String broken = brokenTenants.get(tenantId);
        if (broken != null) {
            throw new EngineException.Broken("tenant " + tenantId + " is broken: its attach at start-up failed: " + broken, null);
        }
    }

    /**
     * A tenant's state without waiting for it: {@code Attaching} (at start-up or through location_config),
     * {@code Detaching}, {@code Broken} or {@code Active}; empty for a tenant this node does not hold.
     */
    public Optional<String> tenantState(TenantId tenantId) {
        AttachQueue queue = startupQueue;
        if (queue != null && queue.pending(tenantId)) {
            return Optional.of("Attaching");
        }
        if (brokenTenants.containsKey(tenantId)) {
            return Optional.of("Broken");
        }
        String transition = transitions.get(tenantId);
        if (transition != null) {
            return Optional.of(transition);
        }
        return tenants.containsKey(tenantId) ? Optional.of("Active") : Optional.empty();
    }

    /** Tenants a request moved to the front of the start-up queue that no worker has taken yet. */
    int startupPrioritized() {
        AttachQueue queue = startupQueue;
        return queue == null ? 0 : queue.prioritizedCount();
    }

    /** How far the attach of a tenant from remote storage got; empty when it is not attaching from there now. */
    public Optional<AttachProgress> attachProgress(TenantId tenantId) {
        return Optional.ofNullable(attachProgress.get(tenantId));
    }

    /** Tenants still waiting or attaching at start-up (0 once every tenant on disk is attached). */
    public int startupAttachPending() {
        AttachQueue queue = startupQueue;
        return queue == null ? 0 : queue.pendingCount();
    }

    private void loadTenant(TenantId tenantId, Path tenantDirectory) throws IOException {
        if (remote != null) {
            TenantConfig config = TenantConfig.read(tenantDirectory);
            if (TenantMode.parse(config.mode()) == TenantMode.SECONDARY) {
                tenants.put(tenantId, config);
                startSecondary(tenantId);
                return;
            }
            attachTenant(tenantId, tenantDirectory);
            return;
        }
        TenantConfig config = TenantConfig.read(tenantDirectory);
        Path timelinesDirectory = tenantDirectory.resolve(TIMELINES);
        Map<TimelineId, IndexPart> indexes = new HashMap<>();
        try (Stream<Path> entries = Files.list(timelinesDirectory)) {
            for (Path directory : entries.toList()) {
                String name = directory.getFileName().toString();
                if (name.endsWith(DurableFiles.TEMP_SUFFIX)) {
                    // A timeline whose creation or deletion did not finish.
                    DurableFiles.deleteRecursively(directory);
                    continue;
                }
                TimelineId timelineId;
                try {
                    timelineId = TimelineId.parse(name);
                } catch (IllegalArgumentException e) {
                    throw new IOException("unknown entry " + directory + " in the timelines directory: " + e.getMessage());
                }
                indexes.put(timelineId, Timeline.readIndex(directory));
            }
        }
        Map<TimelineId, TimelineId> ancestors = new HashMap<>();
        indexes.forEach((timelineId, index) -> ancestors.put(timelineId, index.metadata().ancestorTimeline()));
        tenants.put(tenantId, config);
        TimelineSettings settings = loadedSettings(tenantDirectory, config);
        loadAncestorsFirst(tenantId, ancestors, (timelineId, ancestor) -> Timeline.load(tenantId, timelineId,
                timelinesDirectory.resolve(timelineId.hex()), config.generation(), settings, resources, ancestor));
    }

    /** Loads one timeline, given its loaded ancestor (null for a root). */
    @FunctionalInterface
    private interface TimelineLoad {
        Timeline load(TimelineId timelineId, Timeline ancestor) throws IOException;
    }

    /**
     * Loads a tenant's timelines, each after its ancestor, publishing the map first so that a failure part-way
     * leaves the loaded ones reachable for closing.
     *
     * @param ancestors every timeline to load and its ancestor (null for a root)
     */
    private void loadAncestorsFirst(TenantId tenantId, Map<TimelineId, TimelineId> ancestors, TimelineLoad load)
            throws IOException {
        Map<TimelineId, Timeline> loaded = new ConcurrentHashMap<>();
        timelines.put(tenantId, loaded);
        List<TimelineId> pending = new ArrayList<>(ancestors.keySet());
        while (!pending.isEmpty()) {
            boolean progress = false;
            for (TimelineId timelineId : List.copyOf(pending)) {
                TimelineId ancestorId = ancestors.get(timelineId);
                if (ancestorId != null && !loaded.containsKey(ancestorId)) {
                    if (!ancestors.containsKey(ancestorId)) {
                        throw new IOException("timeline " + timelineId + " of tenant " + tenantId
                                + " names ancestor " + ancestorId + ", which does not exist");
                    }
                    continue;
                }
                loaded.put(timelineId, load.load(timelineId, ancestorId == null ? null : loaded.get(ancestorId)));
                pending.remove(timelineId);
                progress = true;
            }
            if (!progress) {
                throw new IOException("timelines " + pending + " of tenant " + tenantId + " form an ancestor cycle");
            }
        }
    }

    /**
     * Attaches a tenant from remote storage, reusing what its local directory holds: lists the tenant's
     * timelines in the bucket, loads each one's index (the highest generation not newer than ours), finishes
     * the deletion of tombstoned ones, removes local timelines the bucket does not have (never published, or
     * deleted elsewhere), and loads the rest ancestors first. Running it again after a crash at any point
     * finishes the attach (INVARIANTS 14).
     */
    private void attachTenant(TenantId tenantId, Path tenantDirectory) throws IOException {
        AttachProgress progress = new AttachProgress();
        attachProgress.put(tenantId, progress);
        try {
            attachTenant(tenantId, tenantDirectory, progress);
        } finally {
            attachProgress.remove(tenantId, progress);
        }
    }

    private void attachTenant(TenantId tenantId, Path tenantDirectory, AttachProgress progress) throws IOException {
        TenantConfig config = TenantConfig.read(tenantDirectory);
        Path timelinesDirectory = tenantDirectory.resolve(TIMELINES);
        Files.createDirectories(timelinesDirectory);
        RemoteIndexLoader loader = new RemoteIndexLoader(remote.storage(), remote.layout(), remote.staleIndexThreshold(),
                resources.clock());
        Map<TimelineId, LoadedIndex> indexes = new HashMap<>();
        for (TimelineId timelineId : remoteTimelines(tenantId)) {
            resources.failpoints().hit("attach-before-index-download");
            Optional<LoadedIndex> loaded;
            try {
                loaded = loader.load(tenantId, timelineId, config.generation(), CallContext.NONE);
            } catch (RemoteIndexException e) {
                throw new IOException("cannot attach tenant " + tenantId + ": " + e.getMessage(), e);
            }
            progress.indexLoaded();
            if (loaded.isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, "tenant {0}: timeline {1} has objects but no index in remote storage;"
                        + " skipping it", tenantId, timelineId);
                continue;
            }
            if (loaded.get().deleted()) {
                LOG.log(System.Logger.Level.INFO, "tenant {0}: timeline {1} is being deleted; finishing the deletion",
                        tenantId, timelineId);
                new RemoteTimelineDeletion(remote).finish(tenantId, timelineId);
                if (Files.exists(timelinesDirectory.resolve(timelineId.hex()))) {
                    DurableFiles.deleteDirectoryDurably(timelinesDirectory.resolve(timelineId.hex()));
                }
                continue;
            }
            indexes.put(timelineId, loaded.get());
        }
        try (Stream<Path> entries = Files.list(timelinesDirectory)) {
            for (Path directory : entries.toList()) {
                String name = directory.getFileName().toString();
                TimelineId timelineId;
                try {
                    timelineId = TimelineId.parse(name);
                } catch (IllegalArgumentException e) {
                    if (name.endsWith(DurableFiles.TEMP_SUFFIX)) {
                        DurableFiles.deleteRecursively(directory);
                        continue;
                    }
                    throw new IOException("unknown entry " + directory + " in the timelines directory: " + e.getMessage());
                }
                if (!indexes.containsKey(timelineId)) {
                    // Created here but never published (no index uploaded), or deleted by another node.
                    LOG.log(System.Logger.Level.INFO, "tenant {0}: removing local timeline {1}, which remote storage"
                            + " does not have", tenantId, timelineId);
                    DurableFiles.deleteDirectoryDurably(directory);
                }
            }
        }
        Map<TimelineId, TimelineId> ancestors = new HashMap<>();
        indexes.forEach((timelineId, index) -> ancestors.put(timelineId, index.index().metadata().ancestorTimeline()));
        TimelineSettings settings = loadedSettings(tenantDirectory, config);
        progress.timelinesToAttach(indexes.size(), indexes.values().stream().mapToLong(index -> index.index().layers().size()).sum());
        tenants.put(tenantId, config);
        loadAncestorsFirst(tenantId, ancestors, (timelineId, ancestor) -> {
            resources.failpoints().hit("attach-before-timeline-load");
            Timeline attached = Timeline.attach(tenantId, timelineId, timelinesDirectory.resolve(timelineId.hex()),
                    config.generation(), settings, resources, ancestor, indexes.get(timelineId), remote);
            progress.timelineAttached(indexes.get(timelineId).index().layers().size());
            return attached;
        });
    }

    /** The timelines of a tenant in remote storage: the common prefixes under its timelines prefix. */
    private List<TimelineId> remoteTimelines(TenantId tenantId) throws IOException {
        List<TimelineId> found = new ArrayList<>();
        ListRequest request = ListRequest.children(remote.layout().timelinesPrefix(tenantId));
        while (true) {
            ListPage page = remote.storage().list(request, CallContext.NONE);
            for (String prefix : page.commonPrefixes()) {
                remote.layout().timelineOfPrefix(tenantId, prefix).ifPresent(found::add);
            }
            if (page.isLast()) {
                return found;
            }
            request = request.next(page);
        }
    }

    /** Creates a tenant (idempotent: an existing tenant is returned as is). */
    public void createTenant(TenantId tenantId, Generation generation) throws IOException {
        awaitStartupAttach(tenantId);
        ReentrantLock tenantLock = lockTenant(tenantId);
        try {
            checkOpen();
            if (tenants.containsKey(tenantId)) {
                return;
            }
            createTenantLocked(tenantId, TenantConfig.attachedSingle(generation));
        } finally {
            tenantLock.unlock();
        }
    }

    private void createTenantLocked(TenantId tenantId, TenantConfig config) throws IOException {
        recordWithControlPlane(tenantId, config);
        Path directory = tenantDirectory(tenantId);
        Path temp = directory.resolveSibling(directory.getFileName() + DurableFiles.TEMP_SUFFIX);
        DurableFiles.deleteRecursively(temp);
        Files.createDirectories(temp.resolve(TIMELINES));
        config.write(temp);
        DurableFiles.fsyncDirectory(temp);
        DurableFiles.renameNoReplace(temp, directory);
        DurableFiles.fsyncDirectory(directory.getParent());
        tenants.put(tenantId, config);
        timelines.put(tenantId, new ConcurrentHashMap<>());
        try (CloseableThreadContext.Instance _ = CloseableThreadContext.put("tenant_id", tenantId.hex())) {
            LOG.log(System.Logger.Level.INFO, "created tenant {0} with generation {1}", tenantId, config.generation());
        }
    }

    /** Creates a root timeline; an existing root timeline with the same id is returned (idempotent). */
    public Timeline createTimeline(TenantId tenantId, TimelineId timelineId) throws IOException {
        ReentrantLock tenantLock = lockTenant(tenantId);
        try {
            checkOpen();
            Map<TimelineId, Timeline> byId = tenantTimelines(tenantId);
            Timeline existing = byId.get(timelineId);
            if (existing != null) {
                if (existing.ancestor() != null) {
                    throw new EngineException.Conflict("timeline " + timelineId + " exists as a branch of "
                            + existing.ancestor().timelineId());
                }
                return existing;
            }
            Timeline timeline = Timeline.create(tenantId, timelineId, timelineDirectory(tenantId, timelineId),
                    tenants.get(tenantId).generation(), settingsOf(tenants.get(tenantId)), resources, null, INITDB_LSN, remote);
            byId.put(timelineId, timeline);
            try (CloseableThreadContext.Instance _ = timeline.logContext()) {
                LOG.log(System.Logger.Level.INFO, "created timeline {0} of tenant {1}", timelineId, tenantId);
            }
            return timeline;
        } finally {
            tenantLock.unlock();
        }
    }

    /**
     * Creates {@code childId} as a branch of {@code parentId} at {@code lsn}. Idempotent: the same request
     * again returns the existing branch; a different ancestor or LSN is a conflict.
     *
     * @throws EngineException.BadRequest when {@code lsn} is past the parent's last record or below its
     *                                    GC cutoff or start
     */
    public Timeline branch(TenantId tenantId, TimelineId childId, TimelineId parentId, Lsn lsn) throws IOException {
        ReentrantLock tenantLock = lockTenant(tenantId);
        try {
            checkOpen();
            Map<TimelineId, Timeline> byId = tenantTimelines(tenantId);
            Timeline parent = timeline(tenantId, parentId);
            Timeline existing = byId.get(childId);
            if (existing != null) {
                boolean same = existing.ancestor() != null && existing.ancestor().timelineId().equals(parentId)
                        && existing.ancestorLsn().equals(lsn);
                if (!same) {
                    throw new EngineException.Conflict("timeline " + childId + " already exists with ancestor "
                            + (existing.ancestor() == null ? "none" : existing.ancestor().timelineId() + " at " + existing.ancestorLsn()));
                }
                return existing;
            }
            if (lsn.isAfter(parent.lastRecordLsn())) {
                throw new EngineException.BadRequest("branch LSN " + lsn + " is past the last record LSN "
                        + parent.lastRecordLsn() + " of timeline " + parentId);
            }
            if (lsn.isBefore(parent.gcCutoff())) {
                throw new EngineException.BadRequest("branch LSN " + lsn + " is below the GC cutoff "
                        + parent.gcCutoff() + " of timeline " + parentId);
            }
            Lsn parentStart = parent.ancestor() == null ? INITDB_LSN : parent.ancestorLsn();
            if (lsn.isBefore(parentStart)) {
                throw new EngineException.BadRequest("branch LSN " + lsn + " is before the start " + parentStart
                        + " of timeline " + parentId);
            }
            Timeline child = Timeline.create(tenantId, childId, timelineDirectory(tenantId, childId),
                    tenants.get(tenantId).generation(), settingsOf(tenants.get(tenantId)), resources, parent, lsn, remote);
            byId.put(childId, child);
            try (CloseableThreadContext.Instance _ = child.logContext()) {
                LOG.log(System.Logger.Level.INFO, "created timeline {0} of tenant {1} as a branch of {2} at {3}",
                        childId, tenantId, parentId, lsn);
            }
            return child;
        } finally {
            tenantLock.unlock();
        }
    }

    /**
     * Deletes a timeline and its local files. The directory is renamed aside first, so a crash never leaves
     * a half-deleted timeline that loads.
     *
     * @throws EngineException.Conflict when the timeline has children
     */
    public void deleteTimeline(TenantId tenantId, TimelineId timelineId) throws IOException {
        ReentrantLock tenantLock = lockTenant(tenantId);
        try {
            checkOpen();
            Timeline timeline = timeline(tenantId, timelineId);
            if (!timeline.children().isEmpty()) {
                throw new EngineException.Conflict("timeline " + timelineId + " has child timelines "
                        + timeline.children().keySet() + "; delete them first");
            }
            timeline.close(false);
            if (remote != null) {
                // Tombstone first, then the objects, the indexes last: a retry here or an attach elsewhere
                // finishes it (INVARIANTS 12). Uploads still queued were given up above (INVARIANTS 13).
                new RemoteTimelineDeletion(remote).delete(tenantId, timelineId, tenants.get(tenantId).generation(),
                        timeline.index(), resources.clock().instant());
            }
            tenantTimelines(tenantId).remove(timelineId);
            timeline.detachFromAncestor();
            Path directory = timeline.directory();
            DurableFiles.deleteDirectoryDurably(directory);
            try (CloseableThreadContext.Instance _ = timeline.logContext()) {
                LOG.log(System.Logger.Level.INFO, "deleted timeline {0} of tenant {1}", timelineId, tenantId);
            }
        } finally {
            tenantLock.unlock();
        }
    }

    /**
     * Deletes a tenant and all its timelines locally. The tenant directory is renamed aside and its parent
     * fsynced before anything is deleted (INVARIANTS 15), so a crash never leaves a half-deleted tenant
     * that loads.
     */
    public void deleteTenant(TenantId tenantId) throws IOException {
        awaitStartupAttach(tenantId);
        ReentrantLock tenantLock = lockTenant(tenantId);
        try {
            checkOpen();
            if (secondaries.containsKey(tenantId)) {
                throw new EngineException.Conflict("tenant " + tenantId + " is Secondary on this node: deleting it here"
                        + " would delete its data in remote storage; detach it here (location_config Detached), or"
                        + " delete it on its attached node");
            }
            Map<TimelineId, Timeline> byId = tenantTimelines(tenantId);
            List<Timeline> all = new ArrayList<>(byId.values());
            all.sort(java.util.Comparator.comparingInt(LocalEngine::depth).reversed());
            for (Timeline timeline : all) {
                timeline.close(false);
            }
            if (remote != null) {
                new RemoteTimelineDeletion(remote).deleteTenant(tenantId);
            }
            timelines.remove(tenantId);
            tenants.remove(tenantId);
            Path directory = tenantDirectory(tenantId);
            DurableFiles.deleteDirectoryDurably(directory);
            try (CloseableThreadContext.Instance _ = CloseableThreadContext.put("tenant_id", tenantId.hex())) {
                LOG.log(System.Logger.Level.INFO, "deleted tenant {0}", tenantId);
            }
        } finally {
            tenantLock.unlock();
        }
    }

    /**
     * Moves a tenant to the location of {@code config}, idempotently: an absent tenant is attached (from remote
     * storage, or created empty on a node without it); the same generation updates the mode in place; a newer
     * generation re-attaches (flush, close, reload under the new generation; the tenant answers 503 meanwhile);
     * an older generation is refused. Secondary keeps a warm copy ({@link SecondaryTenant}): an attached tenant
     * drains its uploads, closes its timelines and keeps its layer files; an absent one starts empty; promoting a
     * Secondary to an attached mode stops its downloads and attaches, opening the layers it downloaded. Secondary
     * and Detached need remote storage: on a node without it, Secondary would have nothing to copy and detaching
     * would delete the only copy of the data, so both are refused with a conflict. A change while another is
     * running on the same tenant answers 503.
     */
    public void applyLocation(TenantId tenantId, LocationConfig config) throws IOException {
        awaitStartupAttach(tenantId);
        ReentrantLock tenantLock = tenantLocks.computeIfAbsent(tenantId, id -> new ReentrantLock());
        if (!tenantLock.tryLock()) {
            throw new EngineException.Unavailable("tenant " + tenantId + " is being modified concurrently; retry");
        }
        try {
            checkOpen();
            TenantConfig current = tenants.get(tenantId);
            switch (config.mode()) {
                case SECONDARY -> {
                    if (remote == null) {
                        throw new EngineException.Conflict("location mode " + config.mode().wireName()
                                + " needs remote storage, which this node does not have: a Secondary location is a"
                                + " warm copy of what a tenant's attached node uploaded");
                    }
                    if (current == null) {
                        createSecondary(tenantId);
                    } else if (!secondaries.containsKey(tenantId)) {
                        demoteToSecondary(tenantId);
                    }
                }
                case DETACHED -> {
                    if (remote == null) {
                        throw new EngineException.Conflict("location mode " + config.mode().wireName()
                                + " needs remote storage, which this node does not have: the local copy of tenant "
                                + tenantId + " is the only one" + (current == null ? "" : "; to remove it, DELETE /v1/tenant/" + tenantId));
                    }
                    if (current != null) {
                        stopSecondary(tenantId);
                        detach(tenantId);
                    }
                }
                case ATTACHED_SINGLE, ATTACHED_MULTI, ATTACHED_STALE -> {
                    TenantOverrides overrides = config.tenantConf()
                            .orElse(current == null ? TenantOverrides.NONE : current.overrides());
                    TenantConfig wanted = new TenantConfig(config.mode().wireName(), config.generation(), overrides);
                    settingsOf(wanted);
                    if (current == null) {
                        createTenantLocked(tenantId, wanted);
                        if (remote != null) {
                            attachNew(tenantId);
                        }
                    } else if (secondaries.containsKey(tenantId)) {
                        // Promotion: the attach opens the layers the warm copy downloaded instead of fetching them.
                        stopSecondary(tenantId);
                        reattach(tenantId, wanted);
                    } else if (config.generation().compareTo(current.generation()) < 0) {
                        throw new EngineException.Conflict("tenant " + tenantId + " is attached at generation "
                                + current.generation() + "; refusing the older generation " + config.generation());
                    } else if (config.generation().equals(current.generation())) {
                        recordWithControlPlane(tenantId, wanted);
                        wanted.write(tenantDirectory(tenantId));
                        tenants.put(tenantId, wanted);
                        if (!wanted.overrides().equals(current.overrides())) {
                            applySettings(tenantId, wanted);
                        }
                    } else {
                        reattach(tenantId, wanted);
                    }
                    if (config.mode() == TenantMode.ATTACHED_STALE) {
                        // A migration source hands over: make everything it holds durable in layers now.
                        for (Timeline timeline : timelines(tenantId)) {
                            timeline.checkpoint();
                        }
                    }
                }
            }
        } finally {
            tenantLock.unlock();
            // The tenant may have left AttachedMulti or AttachedStale: its held deletions go to validation.
            deletionQueue().ifPresent(dev.strata.core.deletion.DeletionQueue::holdsChanged);
        }
    }

    /**
     * Attaches a tenant this node did not hold from remote storage. If the attach fails, the tenant is removed
     * again (closed, its directory renamed aside and deleted), so nothing half-loaded remains; a crash instead
     * leaves the tenant directory, and the next start finishes the attach.
     */
    private void attachNew(TenantId tenantId) throws IOException {
        transitions.put(tenantId, "Attaching");
        boolean success = false;
        try {
            attachTenant(tenantId, tenantDirectory(tenantId));
            success = true;
        } finally {
            transitions.remove(tenantId);
            if (!success) {
                removeLocally(tenantId, false);
            }
        }
    }

    /**
     * Detaches a tenant: stops its timelines after their uploads drained (so the bucket has everything), then
     * removes the local copy, renaming the directory aside first (INVARIANTS 15).
     */
    private void detach(TenantId tenantId) throws IOException {
        uploadHeatmapQuietly(tenantId);
        transitions.put(tenantId, "Detaching");
        try {
            removeLocally(tenantId, true);
        } finally {
            transitions.remove(tenantId);
        }
        try (CloseableThreadContext.Instance _ = CloseableThreadContext.put("tenant_id", tenantId.hex())) {
            LOG.log(System.Logger.Level.INFO, "detached tenant {0}", tenantId);
        }
    }

    /** Closes a tenant's timelines (children first) and deletes its directory, renamed aside first. */
    private void removeLocally(TenantId tenantId, boolean flush) throws IOException {
        List<Timeline> all = new ArrayList<>(timelines.getOrDefault(tenantId, Map.of()).values());
        all.sort(java.util.Comparator.comparingInt(LocalEngine::depth).reversed());
        for (Timeline timeline : all) {
            timeline.close(flush);
        }
        timelines.remove(tenantId);
        tenants.remove(tenantId);
        DurableFiles.deleteDirectoryDurably(tenantDirectory(tenantId));
    }

    private void reattach(TenantId tenantId, TenantConfig wanted) throws IOException {
        transitions.put(tenantId, "Attaching");
        try {
            List<Timeline> all = new ArrayList<>(timelines.getOrDefault(tenantId, Map.of()).values());
            all.sort(java.util.Comparator.comparingInt(LocalEngine::depth).reversed());
            for (Timeline timeline : all) {
                timeline.close(true);
            }
            recordWithControlPlane(tenantId, wanted);
            wanted.write(tenantDirectory(tenantId));
            timelines.remove(tenantId);
            tenants.remove(tenantId);
            loadTenant(tenantId, tenantDirectory(tenantId));
        } finally {
            transitions.remove(tenantId);
        }
    }

    /**
     * The settings a tenant's timelines run with: the node's defaults with the tenant's overrides.
     *
     * @throws EngineException.BadRequest naming the key and value the settings refuse
     */
    private TimelineSettings settingsOf(TenantConfig config) {
        try {
            return config.overrides().applyTo(options.timelineSettings());
        } catch (IllegalArgumentException e) {
            throw new EngineException.BadRequest(e.getMessage());
        }
    }

    /** {@link #settingsOf} for a tenant being loaded, whose stored overrides a hand edit may have broken. */
    private TimelineSettings loadedSettings(Path tenantDirectory, TenantConfig config) throws IOException {
        try {
            return settingsOf(config);
        } catch (EngineException.BadRequest e) {
            throw new IOException("tenant config " + tenantDirectory.resolve(TenantConfig.FILE) + ": " + e.getMessage(), e);
        }
    }

    /** Hands a tenant's new settings to its running timelines. */
    private void applySettings(TenantId tenantId, TenantConfig config) {
        TimelineSettings settings = settingsOf(config);
        for (Timeline timeline : timelines.getOrDefault(tenantId, Map.of()).values()) {
            timeline.updateSettings(settings);
        }
        try (CloseableThreadContext.Instance _ = CloseableThreadContext.put("tenant_id", tenantId.hex())) {
            LOG.log(System.Logger.Level.INFO, "tenant {0}: settings overrides now {1}", tenantId, config.overrides().toJson());
        }
    }

    /**
     * Changes a tenant's overrides of the node's defaults: {@code change} maps the current overrides to the new
     * ones (under the tenant's lock, so concurrent changes do not lose each other). The new overrides are
     * checked against the defaults, written to {@code config-v1} crash-safely, and then handed to the running
     * timelines; settings that are not {@link TenantSetting#live() live} apply when the tenant is loaded again.
     *
     * @return the tenant's config with the new overrides
     * @throws EngineException.BadRequest naming the key and value the settings refuse
     */
    public TenantConfig updateOverrides(TenantId tenantId, java.util.function.UnaryOperator<TenantOverrides> change)
            throws IOException {
        ReentrantLock tenantLock = lockTenant(tenantId);
        try {
            checkOpen();
            TenantConfig current = tenantConfig(tenantId);
            TenantOverrides next;
            try {
                next = change.apply(current.overrides());
            } catch (IllegalArgumentException e) {
                throw new EngineException.BadRequest(e.getMessage());
            }
            TenantConfig wanted = current.withOverrides(next);
            settingsOf(wanted);
            if (!next.equals(current.overrides())) {
                wanted.write(tenantDirectory(tenantId));
                tenants.put(tenantId, wanted);
                applySettings(tenantId, wanted);
            }
            return wanted;
        } finally {
            tenantLock.unlock();
        }
    }

    /**
     * A tenant's settings: the effective value of every {@link TenantSetting}, and the keys whose effective
     * value differs from what some running timeline uses (settings that apply at the next load).
     */
    public record EffectiveSettings(Map<TenantSetting, Object> values, List<TenantSetting> pendingReload) {}

    /** The effective settings of a tenant, for {@code GET /v1/tenant/{id}/config}. */
    public EffectiveSettings effectiveSettings(TenantId tenantId) {
        TenantConfig config = tenantConfig(tenantId);
        TimelineSettings effective = settingsOf(config);
        java.time.Duration nodeIdle = options.eviction().idleThreshold();
        Map<TenantSetting, Object> values = new java.util.EnumMap<>(TenantSetting.class);
        List<TenantSetting> pending = new ArrayList<>();
        for (TenantSetting setting : TenantSetting.values()) {
            Object value = setting.valueIn(effective, nodeIdle);
            values.put(setting, value);
            for (Timeline timeline : timelines(tenantId)) {
                if (!setting.valueIn(timeline.settings(), nodeIdle).equals(value)) {
                    pending.add(setting);
                    break;
                }
            }
        }
        return new EffectiveSettings(values, List.copyOf(pending));
    }

    /** Every tenant's mode and generation, for {@code GET /v1/location_config}. */
    public Map<TenantId, TenantConfig> locations() {
        return Map.copyOf(tenants);
    }

    /** The tenant's stored configuration (mode and generation). */
    public TenantConfig tenantConfig(TenantId tenantId) {
        awaitStartupAttach(tenantId);
        String transition = transitions.get(tenantId);
        if (transition != null) {
            throw new EngineException.Unavailable("tenant " + tenantId + " is " + transition + "; retry");
        }
        TenantConfig config = tenants.get(tenantId);
        if (config == null) {
            throw new EngineException.NotFound("tenant " + tenantId + " not found");
        }
        return config;
    }

    /** Takes the tenant's structure lock; the caller unlocks it. */
    private ReentrantLock lockTenant(TenantId tenantId) {
        ReentrantLock lock = tenantLocks.computeIfAbsent(tenantId, id -> new ReentrantLock());
        lock.lock();
        return lock;
    }

    public Timeline timeline(TenantId tenantId, TimelineId timelineId) {
        Timeline timeline = tenantTimelines(tenantId).get(timelineId);
        if (timeline == null) {
            throw new EngineException.NotFound("timeline " + timelineId + " of tenant " + tenantId + " not found");
        }
        return timeline;
    }

    /** Every tenant this node holds, in any state (see {@link #tenantState}). */
    public List<TenantId> tenants() {
        java.util.Set<TenantId> all = new java.util.HashSet<>(tenants.keySet());
        AttachQueue queue = startupQueue;
        if (queue != null) {
            all.addAll(queue.pendingTenants());
        }
        all.addAll(brokenTenants.keySet());
        return all.stream().sorted().toList();
    }

    public List<Timeline> timelines(TenantId tenantId) {
        return tenantTimelines(tenantId).values().stream()
                .sorted(java.util.Comparator.comparing(Timeline::timelineId)).toList();
    }

    private Map<TimelineId, Timeline> tenantTimelines(TenantId tenantId) {
        awaitStartupAttach(tenantId);
        if (secondaries.containsKey(tenantId)) {
            throw new EngineException.Unavailable("tenant " + tenantId + " is Secondary on this node: a warm copy that"
                    + " serves no reads or writes; use its attached node");
        }
        String transition = transitions.get(tenantId);
        if (transition != null) {
            throw new EngineException.Unavailable("tenant " + tenantId + " is " + transition + "; retry");
        }
        Map<TimelineId, Timeline> byId = timelines.get(tenantId);
        if (byId == null) {
            throw new EngineException.NotFound("tenant " + tenantId + " not found");
        }
        return byId;
    }

    private Path tenantDirectory(TenantId tenantId) {
        return workdir.resolve(TENANTS).resolve(tenantId.hex());
    }

    private Path timelineDirectory(TenantId tenantId, TimelineId timelineId) {
        return tenantDirectory(tenantId).resolve(TIMELINES).resolve(timelineId.hex());
    }

    /** The node's deletion queue, when deletions go through one (a node with a control plane). */
    public java.util.Optional<dev.strata.core.deletion.DeletionQueue> deletionQueue() {
        return remote != null && remote.deletions() instanceof dev.strata.core.deletion.DeletionQueue queue
                ? java.util.Optional.of(queue) : java.util.Optional.empty();
    }

    public Path workdir() {
        return workdir;
    }

    public TimelineResources resources() {
        return resources;
    }

    /** The metrics this engine reports to. */
    public NodeMetrics metrics() {
        return resources.metrics();
    }

    private EngineGauges gauges() {
        return new EngineGauges() {
            @Override
            public int tenants() {
                return tenants.size();
            }

            @Override
            public int timelines() {
                return timelines.values().stream().mapToInt(Map::size).sum();
            }

            @Override
            public int tenantsIn(String state) {
                AttachQueue queue = startupQueue;
                int startup = queue == null ? 0 : queue.pendingCount();
                long attaching = transitions.values().stream().filter("Attaching"::equals).count();
                long stopping = transitions.values().stream().filter("Detaching"::equals).count();
                return switch (state) {
                    case "attaching" -> (int) (startup + attaching);
                    case "stopping" -> (int) stopping;
                    case "broken" -> brokenTenants.size();
                    case "active" -> (int) Math.max(0, tenants.keySet().stream()
                            .filter(tenant -> !transitions.containsKey(tenant) && (queue == null || !queue.pending(tenant)))
                            .count());
                    default -> 0;
                };
            }

            @Override
            public LayerTotals layers() {
                LayerTotals total = LayerTotals.NONE;
                for (Map<TimelineId, Timeline> byId : timelines.values()) {
                    for (Timeline timeline : byId.values()) {
                        total = total.plus(timeline.layerTotals());
                    }
                }
                return total;
            }

            @Override
            public List<TimelineLsns> timelineLsns() {
                List<TimelineLsns> all = new ArrayList<>();
                for (Timeline timeline : allTimelines()) {
                    all.add(timeline.lsns());
                }
                return all;
            }

            @Override
            public UploadTotals uploads() {
                UploadTotals total = UploadTotals.NONE;
                for (Timeline timeline : allTimelines()) {
                    total = total.plus(timeline.uploadTotals());
                }
                return total;
            }
        };
    }

    private List<Timeline> allTimelines() {
        List<Timeline> all = new ArrayList<>();
        for (Map<TimelineId, Timeline> byId : timelines.values()) {
            all.addAll(byId.values());
        }
        return all;
    }

    private void tick() {
        List<Timeline> all = allTimelines();
        for (Timeline timeline : all) {
            try {
                timeline.freezeIfIdle();
            } catch (RuntimeException e) {
                // A broken or closing timeline; its own calls report the cause.
            }
        }
        if (maintenance) {
            // A migration source (AttachedStale) uploads nothing after its hand-over checkpoint: no compaction, no GC.
            scheduler.tick(all.stream().filter(timeline -> !isStale(timeline.tenantId())).toList());
        }
        if (remote != null) {
            tickHeatmapUploads();
            tickSecondaryDownloads();
        }
    }

    /**
     * Flushes every timeline of an attached tenant to layer files and waits until remote storage holds them and
     * their index, for at most {@code timeout} in all ({@code location_config?flush_ms}: a migration source hands
     * over everything it holds before its successor attaches).
     *
     * @return whether every upload finished in time; false leaves them running (nothing is lost, the successor
     *         replays less from the bucket's WAL backup or finds the older index)
     */
    public boolean flushToRemote(TenantId tenantId, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Timeline> all = timelines(tenantId);
        for (Timeline timeline : all) {
            timeline.checkpoint();
        }
        if (remote == null) {
            return true;
        }
        for (Timeline timeline : all) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                timeline.remote().waitCompletion(Duration.ofNanos(left));
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "tenant {0} timeline {1}: uploads did not finish within the flush"
                        + " time: {2}", tenantId, timeline.timelineId(), e.getMessage());
                return false;
            }
        }
        return true;
    }

    private boolean isStale(TenantId tenantId) {
        TenantConfig config = tenants.get(tenantId);
        return config != null && TenantMode.ATTACHED_STALE.wireName().equals(config.mode());
    }

    /** Starts the heatmap upload of every writing tenant whose period has passed since its last one. */
    private void tickHeatmapUploads() {
        long now = System.nanoTime();
        long period = options.secondary().heatmapUploadPeriod().toNanos();
        heatmapUploads.keySet().retainAll(tenants.keySet());
        for (Map.Entry<TenantId, TenantConfig> entry : tenants.entrySet()) {
            TenantId tenantId = entry.getKey();
            if (!uploadsHeatmap(entry.getValue()) || transitions.containsKey(tenantId)) {
                continue;
            }
            // The first upload comes one period after the tenant was seen attached.
            long last = heatmapUploads.computeIfAbsent(tenantId, id -> now);
            if (now - last >= period && scheduler.startTenantWork(BackgroundScheduler.Kind.HEATMAP_UPLOAD, tenantId,
                    () -> uploadHeatmap(tenantId))) {
                heatmapUploads.put(tenantId, now);
            }
        }
    }

    private void tickSecondaryDownloads() {
        long now = System.nanoTime();
        for (Map.Entry<TenantId, SecondaryTenant> entry : secondaries.entrySet()) {
            SecondaryTenant secondary = entry.getValue();
            if (secondary.due(now, options.secondary().downloadPeriod())) {
                scheduler.startTenantWork(BackgroundScheduler.Kind.SECONDARY_DOWNLOAD, entry.getKey(), secondary::downloadOnce);
            }
        }
    }

    /** The tenant's writer uploads heatmaps: not a stale migration source, which must not overwrite its successor's. */
    private static boolean uploadsHeatmap(TenantConfig config) {
        TenantMode mode = TenantMode.parse(config.mode());
        return mode == TenantMode.ATTACHED_SINGLE || mode == TenantMode.ATTACHED_MULTI;
    }

    /**
     * Uploads the heatmap of an attached tenant now ({@code tenants/<tenant>/heatmap-v1.json}: its resident
     * layers per timeline, hottest first). The engine does this every {@code secondary.heatmap_upload_period}
     * and on a graceful detach or shutdown.
     *
     * @throws EngineException.Conflict when the tenant is not AttachedSingle or AttachedMulti here, or the node
     *                                  has no remote storage
     * @throws IOException              when the upload failed
     */
    public dev.strata.core.tiered.Heatmap uploadHeatmap(TenantId tenantId) throws IOException {
        TenantConfig config = tenantConfig(tenantId);
        if (remote == null || !uploadsHeatmap(config)) {
            throw new EngineException.Conflict("tenant " + tenantId + " does not upload heatmaps here: it is "
                    + config.mode() + (remote == null ? " on a node without remote storage" : ""));
        }
        return heatmapUploader().upload(tenantId, config.generation(), timelines(tenantId));
    }

    /** The heatmap upload of a detach or shutdown: logged, never failing the caller. */
    private void uploadHeatmapQuietly(TenantId tenantId) {
        uploadHeatmapQuietly(tenantId, CallContext.NONE);
    }

    private void uploadHeatmapQuietly(TenantId tenantId, CallContext context) {
        TenantConfig config = tenants.get(tenantId);
        if (remote == null || config == null || !uploadsHeatmap(config) || secondaries.containsKey(tenantId)) {
            return;
        }
        try {
            heatmapUploader().upload(tenantId, config.generation(), timelines(tenantId), context);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "tenant {0}: heatmap upload before stopping failed: {1}", tenantId,
                    e.getMessage());
        }
    }

    /**
     * A graceful shutdown leaves a fresh heatmap of every writing tenant, so Secondary locations warm what was
     * hot until now: uploads run in parallel (bounded), all within the barrier timeout, so a bucket that is down
     * delays the shutdown once.
     */
    private void uploadHeatmapsBeforeShutdown() {
        CallContext context = new CallContext(dev.strata.api.remote.Cancellation.NEVER,
                dev.strata.api.remote.Deadline.after(remote.barrierTimeout()));
        java.util.concurrent.Semaphore bound = new java.util.concurrent.Semaphore(16);
        List<java.util.concurrent.Future<?>> uploads = new ArrayList<>();
        for (TenantId tenantId : List.copyOf(tenants.keySet())) {
            try {
                uploads.add(remote.executor().submit(() -> {
                    bound.acquireUninterruptibly();
                    try {
                        uploadHeatmapQuietly(tenantId, context);
                    } finally {
                        bound.release();
                    }
                }));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                LOG.log(System.Logger.Level.WARNING, "remote storage threads are stopped; no heatmap uploaded at shutdown");
                break;
            }
        }
        for (java.util.concurrent.Future<?> upload : uploads) {
            try {
                upload.get(Math.max(0, context.deadline().remaining().toMillis()), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                upload.cancel(true);
            }
        }
    }

    private HeatmapUploader heatmapUploader() {
        return new HeatmapUploader(remote, resources.metrics(), options.secondary().heatmapUploadPeriod(), resources.clock());
    }

    /**
     * Runs one download pass of a Secondary tenant now: fetch its heatmap, download the layers it lists that are
     * not on local disk, delete those it no longer lists.
     *
     * @throws EngineException.Conflict when the tenant is not Secondary here
     * @throws IOException              when the heatmap is missing, unreadable or of an unknown version (the local
     *                                  copy is kept), or some layer downloads failed
     */
    public SecondaryProgress downloadSecondary(TenantId tenantId) throws IOException {
        SecondaryTenant secondary = secondaries.get(tenantId);
        if (secondary == null) {
            throw new EngineException.Conflict("tenant " + tenantId + " is not Secondary on this node");
        }
        return secondary.downloadOnce();
    }

    /** The progress of a Secondary tenant's warm copy, or empty when the tenant is not Secondary here. */
    public Optional<SecondaryProgress> secondaryProgress(TenantId tenantId) {
        return Optional.ofNullable(secondaries.get(tenantId)).map(SecondaryTenant::progress);
    }

    /** Age in seconds of the oldest heatmap a Secondary tenant of this node last read; 0 when there is none. */
    private long oldestHeatmapAgeSeconds() {
        java.time.Instant now = resources.clock().instant();
        long oldest = 0;
        for (SecondaryTenant secondary : secondaries.values()) {
            java.time.Instant generated = secondary.progress().heatmapGeneratedAt();
            if (generated != null) {
                oldest = Math.max(oldest, java.time.Duration.between(generated, now).toSeconds());
            }
        }
        return oldest;
    }

    /** Registers a tenant whose configuration says Secondary; its first download pass starts at the next tick. */
    private void startSecondary(TenantId tenantId) {
        secondaries.put(tenantId, new SecondaryTenant(tenantId, tenantDirectory(tenantId), remote, secondaryDownloads,
                resources.metrics(), resources.failpoints(), resources.clock()));
    }

    /** Stops a Secondary tenant's downloads (waiting for a running pass) and forgets it; nothing if it is not one. */
    private void stopSecondary(TenantId tenantId) {
        SecondaryTenant secondary = secondaries.remove(tenantId);
        if (secondary != null) {
            secondary.close();
        }
    }

    /** A tenant this node did not hold becomes Secondary: an empty directory the download passes fill. */
    private void createSecondary(TenantId tenantId) throws IOException {
        TenantConfig wanted = new TenantConfig(TenantMode.SECONDARY.wireName(), Generation.NONE);
        startSecondary(tenantId);
        boolean success = false;
        try {
            createTenantLocked(tenantId, wanted);
            timelines.remove(tenantId);
            success = true;
        } finally {
            if (!success) {
                stopSecondary(tenantId);
            }
        }
    }

    /**
     * An attached tenant becomes Secondary: its timelines close after their uploads drained (so the bucket has
     * everything), and the layer files stay on disk as the start of the warm copy.
     */
    private void demoteToSecondary(TenantId tenantId) throws IOException {
        transitions.put(tenantId, "becoming Secondary");
        try {
            List<Timeline> all = new ArrayList<>(timelines.getOrDefault(tenantId, Map.of()).values());
            all.sort(java.util.Comparator.comparingInt(LocalEngine::depth).reversed());
            for (Timeline timeline : all) {
                timeline.close(true);
            }
            TenantConfig wanted = new TenantConfig(TenantMode.SECONDARY.wireName(), Generation.NONE);
            recordWithControlPlane(tenantId, wanted);
            wanted.write(tenantDirectory(tenantId));
            timelines.remove(tenantId);
            tenants.put(tenantId, wanted);
            startSecondary(tenantId);
        } finally {
            transitions.remove(tenantId);
        }
        try (CloseableThreadContext.Instance _ = CloseableThreadContext.put("tenant_id", tenantId.hex())) {
            LOG.log(System.Logger.Level.INFO, "tenant {0} is now Secondary", tenantId);
        }
    }

    /** The scheduler of background work; it runs compaction and GC only when background maintenance is on. */
    public BackgroundScheduler scheduler() {
        return scheduler;
    }

    private void checkOpen() {
        if (closed) {
            throw new EngineException.Broken("engine in " + workdir + " is closed", null);
        }
    }

    /** Closes every timeline after flushing in-memory data to layers. */
    @Override
    public void close() throws IOException {
        close(true);
    }

    /**
     * Closes every timeline; with {@code flush} false the in-memory data is left to the WAL, as after a crash.
     */
    public void close(boolean flush) throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        AttachQueue queue = startupQueue;
        if (queue != null) {
            // Tenants not started stay on disk for the next start; the ones attaching finish first.
            queue.close(new EngineException.Unavailable("engine in " + workdir + " is shutting down"));
            awaitAttachWorkers();
        }
        ticker.shutdownNow();
        for (TenantId tenantId : List.copyOf(secondaries.keySet())) {
            stopSecondary(tenantId);
        }
        scheduler.close();
        if (flush && remote != null) {
            uploadHeatmapsBeforeShutdown();
        }
        // Tenants close in parallel; within a tenant children first, so no child reads a closed ancestor. Uploads
        // drain against one deadline for the whole node, so a bucket that is down delays a shutdown once, not once
        // per timeline.
        long drainDeadline = System.nanoTime() + (remote == null ? 0 : remote.barrierTimeout().toNanos());
        List<IOException> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        try (ExecutorService closers = Executors.newFixedThreadPool(LOAD_CONCURRENCY, daemon("strata-close"))) {
            for (Map<TimelineId, Timeline> byId : timelines.values()) {
                List<Timeline> tenantTimelines = new ArrayList<>(byId.values());
                tenantTimelines.sort(java.util.Comparator.comparingInt(LocalEngine::depth).reversed());
                closers.execute(() -> {
                    for (Timeline timeline : tenantTimelines) {
                        try {
                            timeline.close(flush, java.time.Duration.ofNanos(Math.max(0, drainDeadline - System.nanoTime())));
                        } catch (IOException | RuntimeException e) {
                            failures.add(e instanceof IOException io ? io : new IOException(e));
                        }
                    }
                });
            }
        }
        IOException first = failures.isEmpty() ? null : failures.getFirst();
        if (resources.walBackup() != null) {
            resources.walBackup().close();
        }
        resources.background().shutdown();
        try {
            resources.background().awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (AutoCloseable resource : closeAfterwards) {
            try {
                resource.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "closing {0} failed: {1}", resource, e.toString());
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Hands {@code resource} (for example the remote storage this engine uses) over, to close after the engine. */
    public void closeAfterwards(AutoCloseable resource) {
        closeAfterwards.add(Objects.requireNonNull(resource, "resource is null"));
    }

    private static int depth(Timeline timeline) {
        int depth = 0;
        for (Timeline t = timeline.ancestor(); t != null; t = t.ancestor()) {
            depth++;
        }
        return depth;
    }
}

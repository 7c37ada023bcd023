package dev.strata.core.deletion;

import dev.strata.api.Generation;
import dev.strata.api.Lsn;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.controlplane.ControlPlane;
import dev.strata.api.controlplane.ControlPlaneException;
import dev.strata.api.controlplane.TenantGeneration;
import dev.strata.api.deletion.DeletionExecutor;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.CancellationSource;
import dev.strata.api.remote.DeleteResult;
import dev.strata.api.remote.Deadline;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.tiered.RemoteDeletions;
import dev.strata.core.tiered.RemoteLayout;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The node-wide deletion queue (ARCHITECTURE §5): every timeline's remote client hands it the objects its new
 * index no longer references, and the projected {@code remote_consistent_lsn} of each index it uploads.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>An object is deleted only after the control plane answered that its tenant is attached at exactly the
 *       generation it was pushed with, and that answer was asked for after the push (INVARIANTS 11). Entries
 *       of a stale generation are dropped and counted ({@code strata.deletion.keys.dropped}).</li>
 *   <li>A projected LSN is handed to its {@code onVisible} only after the same validation.</li>
 *   <li>Pending objects are persisted as numbered list files (crash-safe, INVARIANTS 4) once
 *       {@link DeletionQueueSettings#maxKeysPerList} accumulate, after {@link DeletionQueueSettings#idleInterval},
 *       or on {@link #flush()}; validated lists are rewritten with only their valid entries before the header
 *       records them as validated, so a restart never executes an entry that failed validation.</li>
 *   <li>Persisted lists survive restarts: {@link #open} executes validated ones without asking again and
 *       validates the others. A list file is deleted only after every object in it is deleted.</li>
 *   <li>When the control plane does not answer, nothing is deleted and no LSN becomes visible; the queue keeps
 *       asking with backoff and resumes by itself (this is how emergency mode holds deletions).</li>
 *   <li>A tenant the {@code held} predicate names (the node holds it AttachedMulti or AttachedStale, in a
 *       migration) has its deletions persisted but neither validated nor executed: a list holding any such tenant
 *       waits, unasked, until {@link #holdsChanged()} reports the tenant released; the validation then decides
 *       (a migration source whose generation moved on has its entries dropped). Held tenants' objects are sealed
 *       into lists of their own so that they do not hold back other tenants'. The header never records a held
 *       list as validated; a list validated after it is marked validated in its own file.</li>
 * </ul>
 *
 * <p>One worker thread persists, validates and executes; {@link #delete} never blocks on I/O. Pushes from a
 * crash's lost in-memory list leak objects, they never delete one an index needs.
 */
public final class DeletionQueue implements RemoteDeletions, AutoCloseable {
    /** Hit after the control plane answered, before the lists are rewritten as validated. */
    public static final String FAILPOINT_VALIDATE = "deletion-queue-validate";
    /** Hit before validated objects are handed to the executor. */
    public static final String FAILPOINT_BEFORE_EXECUTE = "deletion-queue-before-execute";
    private static final System.Logger LOG = System.getLogger(DeletionQueue.class.getName());
    private static final Duration FIRST_RETRY_DELAY = Duration.ofMillis(20);

    private final DeletionQueueFiles files;
    private final RemoteLayout layout;
    private final ControlPlane controlPlane;
    private final DeletionExecutor executor;
    private final DeletionQueueSettings settings;
    private final Failpoints failpoints;
    private final DeletionQueueMetrics metrics;
    private final Predicate<TenantId> held;
    private final CancellationSource cancellation = new CancellationSource();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Serialises writes of list files and the header. */
    private final ReentrantLock diskLock = new ReentrantLock();
    private final Thread worker;

    // Guarded by lock.
    private Map<TenantId, PendingTenant> building = new TreeMap<>();
    private int buildingSize;
    private long lastPushNanos;
    private long nextSequence;
    private long validatedSequence;
    private final Map<Long, DeletionList> unvalidated = new TreeMap<>();
    private final Map<Long, ExecutingList> executing = new TreeMap<>();
    private final Map<TimelineKey, Projection> projections = new LinkedHashMap<>();
    /** Unvalidated lists the last validation round left alone because they hold a held tenant. */
    private int heldLists;
    private boolean urgent;
    private boolean closed;
    private volatile boolean emergency;

    private record TimelineKey(TenantId tenant, TimelineId timeline) { }

    private record Projection(Generation generation, Lsn lsn, Consumer<Lsn> onVisible) { }

    /** A tenant's objects in the list being built, all of one generation. */
    private record PendingTenant(Generation generation, Map<TimelineId, List<String>> objects) { }

    /** A validated list and the objects of it not yet deleted. */
    private static final class ExecutingList {
        final DeletionList list;
        final Set<String> remaining;

        ExecutingList(DeletionList list, Set<String> remaining) {
            this.list = list;
            this.remaining = remaining;
        }
    }

    private DeletionQueue(DeletionQueueFiles files, RemoteLayout layout, ControlPlane controlPlane,
                          DeletionExecutor executor, DeletionQueueSettings settings, Failpoints failpoints,
                          DeletionQueueMetrics metrics, Predicate<TenantId> held) {
        this.files = files;
        this.layout = layout;
        this.controlPlane = controlPlane;
        this.executor = executor;
        this.settings = settings;
        this.failpoints = failpoints;
        this.metrics = metrics;
        this.held = held;
        this.worker = Thread.ofPlatform().daemon().name("strata-deletion-queue").unstarted(this::runWorker);
    }

    /**
     * Recovers the queue in {@code directory} ({@code <workdir>/deletion}, created if absent) and starts its
     * worker: lists up to the header's validated sequence (or marked validated) are executed without asking
     * again; the others are validated first. An unreadable list is dropped, counted
     * ({@code strata.deletion.lists.unreadable}) and logged with its file name.
     *
     * @param emergency whether the node started without the control plane: cleared by the first answer
     */
    public static DeletionQueue open(java.nio.file.Path directory, RemoteLayout layout, ControlPlane controlPlane,
                                     DeletionExecutor executor, DeletionQueueSettings settings, Failpoints failpoints,
                                     DeletionQueueMetrics metrics, boolean emergency) throws IOException {
        return open(directory, layout, controlPlane, executor, settings, failpoints, metrics, emergency, tenant -> false);
    }

    /**
     * Like {@link #open(java.nio.file.Path, RemoteLayout, ControlPlane, DeletionExecutor, DeletionQueueSettings,
     * Failpoints, DeletionQueueMetrics, boolean)}, holding the deletions of every tenant {@code held} names (see the
     * class comment). The predicate is asked from the queue's worker and while a push holds the queue's lock, so it
     * must not block or take locks a pusher may hold; call {@link #holdsChanged()} whenever its answer may have
     * become false.
     */
    public static DeletionQueue open(java.nio.file.Path directory, RemoteLayout layout, ControlPlane controlPlane,
                                     DeletionExecutor executor, DeletionQueueSettings settings, Failpoints failpoints,
                                     DeletionQueueMetrics metrics, boolean emergency, Predicate<TenantId> held)
            throws IOException {
        DeletionQueue queue = new DeletionQueue(new DeletionQueueFiles(directory, metrics),
                Objects.requireNonNull(layout, "layout is null"), Objects.requireNonNull(controlPlane, "controlPlane is null"),
                Objects.requireNonNull(executor, "executor is null"), Objects.requireNonNull(settings, "settings is null"),
                Objects.requireNonNull(failpoints, "failpoints is null"), Objects.requireNonNull(metrics, "metrics is null"),
                Objects.requireNonNull(held, "held is null"));
        DeletionQueueFiles.Recovered recovered = queue.files.recover();
        queue.validatedSequence = recovered.header().validatedSequence();
        long highest = recovered.header().validatedSequence();
        for (DeletionList list : recovered.lists()) {
            highest = Math.max(highest, list.sequence());
            if (list.validated() || Long.compareUnsigned(list.sequence(), recovered.header().validatedSequence()) <= 0) {
                queue.executing.put(list.sequence(), new ExecutingList(list, queue.keysOf(list)));
            } else {
                queue.unvalidated.put(list.sequence(), list);
            }
        }
        queue.nextSequence = highest + 1;
        queue.emergency = emergency;
        metrics.register(queue::pendingKeys, queue::emergency);
        LOG.log(System.Logger.Level.INFO, "deletion queue recovered: {0} validated lists, {1} to validate, next sequence {2}",
                queue.executing.size(), queue.unvalidated.size(), queue.nextSequence);
        queue.worker.start();
        return queue;
    }

    // ---------------------------------------------------------------------------------------------------
    // Front end

    /**
     * Accepts {@code keys} for deletion once {@code generation} is validated. Non-blocking; the list is
     * persisted later (see the class comment). Keys must lie under the timeline's prefix.
     *
     * @throws IllegalArgumentException for a key outside the timeline's prefix
     * @throws dev.strata.api.remote.RemoteStorageException.Cancelled once the queue is closed
     */
    @Override
    public void delete(TenantId tenant, TimelineId timeline, Generation generation, List<String> keys)
            throws dev.strata.api.remote.RemoteStorageException {
        if (keys.isEmpty()) {
            return;
        }
        String prefix = layout.timelinePrefix(tenant, timeline);
        List<String> names = new ArrayList<>(keys.size());
        for (String key : keys) {
            if (!key.startsWith(prefix) || key.length() == prefix.length()) {
                throw new IllegalArgumentException("key '" + key + "' is not an object of timeline " + tenant + "/" + timeline);
            }
            names.add(key.substring(prefix.length()));
        }
        boolean sealNow;
        lock.lock();
        try {
            if (closed) {
                throw new dev.strata.api.remote.RemoteStorageException.Cancelled("delete", keys.getFirst(), null);
            }
            PendingTenant pending = building.get(tenant);
            if (pending != null && !pending.generation().equals(generation)) {
                // One generation per tenant per list: the other generation's objects go into the next list.
                sealLocked();
                pending = null;
            }
            if (pending == null) {
                pending = new PendingTenant(generation, new TreeMap<>());
                building.put(tenant, pending);
            }
            pending.objects().computeIfAbsent(timeline, ignored -> new ArrayList<>()).addAll(names);
            buildingSize += names.size();
            lastPushNanos = System.nanoTime();
            metrics.pushed(names.size());
            sealNow = buildingSize >= settings.maxKeysPerList();
            if (sealNow) {
                urgent = true;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void remoteConsistentLsnProjected(TenantId tenant, TimelineId timeline, Generation generation, Lsn projected,
                                             Consumer<Lsn> onVisible) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            // A newer projection of the same timeline replaces an older one: only the latest can become visible.
            projections.put(new TimelineKey(tenant, timeline), new Projection(generation, projected, onVisible));
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Persists every pending object; on return they survive a crash. */
    public void flush() throws IOException {
        diskLock.lock();
        try {
            lock.lock();
            try {
                sealLocked();
            } finally {
                lock.unlock();
            }
            persistSealed();
        } finally {
            diskLock.unlock();
        }
    }

    /**
     * Persists every pending object and waits until every list persisted so far is executed (or dropped as
     * stale), validating at once rather than on the queue's schedule.
     *
     * @throws IOException when {@code timeout} passes first (the control plane is down, or deletions keep
     *                     failing), naming what is still pending
     */
    public void flushExecute(Duration timeout) throws IOException {
        flush();
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            long target = nextSequence - 1;
            urgent = true;
            changed.signalAll();
            while (lowestPendingSequence() <= target) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException("deletion queue did not execute lists up to " + target + " within " + timeout
                            + ": " + unvalidated.size() + " lists await validation (" + heldLists + " of them held for"
                            + " tenants in AttachedMulti or AttachedStale), " + executing.size()
                            + " await execution" + (emergency ? " (emergency mode: the control plane has not answered)" : ""));
                }
                if (closed) {
                    throw new IOException("deletion queue closed before lists up to " + target + " were executed");
                }
                changed.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the deletion queue", e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The answer of the {@code held} predicate may have changed (a tenant left AttachedMulti or AttachedStale, or
     * was detached): lists that waited for it are validated at once.
     */
    public void holdsChanged() {
        lock.lock();
        try {
            urgent = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Whether the node runs without a control plane's answer: deletions and visible LSNs are held. */
    public boolean emergency() {
        return emergency;
    }

    /** Objects accepted and not yet deleted or dropped. */
    public long pendingKeys() {
        lock.lock();
        try {
            long total = buildingSize;
            for (DeletionList list : unvalidated.values()) {
                total += list.size();
            }
            for (ExecutingList list : executing.values()) {
                total += list.remaining.size();
            }
            return total;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Persists what is pending (best effort) and stops the worker; what is persisted is picked up by the next
     * {@link #open}, anything else is leaked.
     */
    @Override
    public void close() {
        try {
            if (!isClosed()) {
                flush();
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "deletion queue: persisting pending deletions at close failed: {0}",
                    e.toString());
        }
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        cancellation.cancel();
        worker.interrupt();
        try {
            worker.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Worker

    private void runWorker() {
        Duration delay = FIRST_RETRY_DELAY;
        long lastMaintain = System.nanoTime();
        while (true) {
            lock.lock();
            try {
                while (!closed && !hasWorkLocked()) {
                    changed.await(waitNanos(), TimeUnit.NANOSECONDS);
                    if (idleElapsedLocked()) {
                        break;
                    }
                }
                if (closed) {
                    return;
                }
                urgent = false;
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            boolean ok = true;
            try {
                if (sealDue()) {
                    flush();
                }
                ok = validate() & execute();
                if (System.nanoTime() - lastMaintain > settings.maintainInterval().toNanos()) {
                    lastMaintain = System.nanoTime();
                    executor.maintain(context());
                }
            } catch (IOException | RuntimeException e) {
                if (isClosed()) {
                    return;
                }
                ok = false;
                LOG.log(System.Logger.Level.WARNING, "deletion queue: {0}", e.toString());
            }
            if (ok) {
                delay = FIRST_RETRY_DELAY;
                continue;
            }
            lock.lock();
            try {
                if (!closed) {
                    // Back off, but wake at once when someone flushes or pushes a full list.
                    changed.await(delay.toNanos(), TimeUnit.NANOSECONDS);
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            Duration doubled = delay.multipliedBy(2);
            delay = doubled.compareTo(settings.maxRetryDelay()) > 0 ? settings.maxRetryDelay() : doubled;
        }
    }

    private boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    private boolean hasWorkLocked() {
        return urgent || !sealed.isEmpty() || unvalidated.size() > heldLists || !executing.isEmpty() || !projections.isEmpty() || idleElapsedLocked();
    }

    private boolean idleElapsedLocked() {
        return buildingSize > 0 && System.nanoTime() - lastPushNanos >= settings.idleInterval().toNanos();
    }

    private long waitNanos() {
        long idle = settings.idleInterval().toNanos();
        return Math.max(TimeUnit.MILLISECONDS.toNanos(5), Math.min(idle, settings.maintainInterval().toNanos()));
    }

    private boolean sealDue() {
        lock.lock();
        try {
            return !sealed.isEmpty() || (buildingSize > 0 && (buildingSize >= settings.maxKeysPerList() || idleElapsedLocked()));
        } finally {
            lock.unlock();
        }
    }

    /** Turns the list being built into a numbered list (to be persisted by the caller); null when empty. */
    private DeletionList sealLocked() {
        if (building.isEmpty()) {
            return null;
        }
        Map<TenantId, DeletionList.TenantDeletions> free = new TreeMap<>();
        Map<TenantId, DeletionList.TenantDeletions> withheld = new TreeMap<>();
        building.forEach((tenant, pending) -> (held.test(tenant) ? withheld : free).put(tenant,
                new DeletionList.TenantDeletions(pending.generation(), pending.objects())));
        DeletionList list = null;
        for (Map<TenantId, DeletionList.TenantDeletions> tenants : List.of(free, withheld)) {
            if (!tenants.isEmpty()) {
                list = new DeletionList(nextSequence++, tenants, false);
                sealed.add(list);
            }
        }
        building = new TreeMap<>();
        buildingSize = 0;
        return list;
    }

    /** Sealed lists not yet persisted (a push sealed them under the lock; flush writes them in order). */
    private final List<DeletionList> sealed = new ArrayList<>();

    /** Writes every sealed list, in sequence order, then makes them eligible for validation. */
    private void persistSealed() throws IOException {
        List<DeletionList> toWrite;
        lock.lock();
        try {
            toWrite = new ArrayList<>(sealed);
        } finally {
            lock.unlock();
        }
        for (DeletionList list : toWrite) {
            files.writeList(list);
            lock.lock();
            try {
                sealed.remove(list);
                unvalidated.put(list.sequence(), list);
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** The lowest sequence not yet executed or dropped; beyond every persisted one when all are done. */
    private long lowestPendingSequence() {
        long lowest = nextSequence;
        for (DeletionList list : sealed) {
            lowest = Math.min(lowest, list.sequence());
        }
        if (!unvalidated.isEmpty()) {
            lowest = Math.min(lowest, unvalidated.keySet().iterator().next());
        }
        if (!executing.isEmpty()) {
            lowest = Math.min(lowest, executing.keySet().iterator().next());
        }
        return lowest;
    }

    private CallContext context() {
        return new CallContext(cancellation, Deadline.after(Duration.ofSeconds(30)));
    }

    /**
     * Validates every persisted list and pending projection in one round: asks about every (tenant, generation)
     * involved, in batches, after snapshotting what is asked about (so every answer is newer than the push).
     *
     * @return false when the control plane did not answer (retry later)
     */
    private boolean validate() throws IOException {
        List<DeletionList> candidates;
        Map<TimelineKey, Projection> asked;
        lock.lock();
        try {
            candidates = new ArrayList<>(unvalidated.values());
            asked = new LinkedHashMap<>(projections);
        } finally {
            lock.unlock();
        }
        List<DeletionList> lists = new ArrayList<>();
        long lowestHeld = Long.MAX_VALUE;
        int holding = 0;
        for (DeletionList list : candidates) {
            if (list.tenants().keySet().stream().anyMatch(held)) {
                holding++;
                lowestHeld = Math.min(lowestHeld, list.sequence());
            } else {
                lists.add(list);
            }
        }
        lock.lock();
        try {
            if (holding != heldLists) {
                LOG.log(System.Logger.Level.INFO, "deletion queue: holding {0} lists of tenants in AttachedMulti or"
                        + " AttachedStale until they leave that mode", holding);
            }
            heldLists = holding;
        } finally {
            lock.unlock();
        }
        if (lists.isEmpty() && asked.isEmpty()) {
            return true;
        }
        Set<TenantGeneration> pairs = new LinkedHashSet<>();
        for (DeletionList list : lists) {
            list.tenants().forEach((tenant, deletions) -> pairs.add(new TenantGeneration(tenant, deletions.generation())));
        }
        asked.forEach((key, projection) -> {
            if (!projection.generation().isNone()) {
                pairs.add(new TenantGeneration(key.tenant(), projection.generation()));
            }
        });
        Map<TenantGeneration, Boolean> valid;
        try {
            valid = ask(new ArrayList<>(pairs));
        } catch (ControlPlaneException e) {
            metrics.validationFailed();
            LOG.log(emergency ? System.Logger.Level.ERROR : System.Logger.Level.WARNING,
                    "deletion queue: validation failed{0}, holding {1} lists and {2} LSN advances: {3}",
                    emergency ? " (EMERGENCY MODE)" : "", lists.size(), asked.size(), e.getMessage());
            return false;
        }
        if (emergency) {
            emergency = false;
            LOG.log(System.Logger.Level.WARNING, "deletion queue: the control plane answered; leaving emergency mode and"
                    + " resuming deletions ({0} lists held)", lists.size());
        }
        failpoints.hit(FAILPOINT_VALIDATE);
        diskLock.lock();
        try {
            long highest = validatedSequence;
            List<ExecutingList> ready = new ArrayList<>();
            for (DeletionList list : lists) {
                DeletionList kept = list.validatedKeeping(entry -> {
                    boolean current = Boolean.TRUE.equals(valid.get(new TenantGeneration(entry.getKey(), entry.getValue().generation())));
                    if (!current) {
                        metrics.dropped(entry.getValue().size());
                        LOG.log(System.Logger.Level.WARNING, "deletion queue: tenant {0} generation {1} is no longer"
                                + " current; dropping {2} deletions of list {3}", entry.getKey(),
                                entry.getValue().generation(), entry.getValue().size(), list.sequence());
                    }
                    return current;
                });
                if (kept.tenants().isEmpty()) {
                    files.deleteList(list.sequence());
                } else {
                    files.writeList(kept);
                }
                ready.add(new ExecutingList(kept, keysOf(kept)));
                if (list.sequence() < lowestHeld) {
                    // A held list below must stay unvalidated after a restart: the header never passes it.
                    highest = Math.max(highest, list.sequence());
                }
            }
            if (highest != validatedSequence) {
                files.writeHeader(new DeletionHeader(highest));
            }
            lock.lock();
            try {
                validatedSequence = highest;
                for (ExecutingList list : ready) {
                    unvalidated.remove(list.list.sequence());
                    if (list.remaining.isEmpty()) {
                        continue;
                    }
                    executing.put(list.list.sequence(), list);
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        } finally {
            diskLock.unlock();
        }
        for (Map.Entry<TimelineKey, Projection> entry : asked.entrySet()) {
            Projection projection = entry.getValue();
            boolean current = projection.generation().isNone()
                    || Boolean.TRUE.equals(valid.get(new TenantGeneration(entry.getKey().tenant(), projection.generation())));
            lock.lock();
            try {
                projections.remove(entry.getKey(), projection);
            } finally {
                lock.unlock();
            }
            if (current) {
                projection.onVisible().accept(projection.lsn());
            } else {
                LOG.log(System.Logger.Level.WARNING, "tenant {0} timeline {1} generation {2}: not current; remote"
                        + " consistent LSN {3} stays projected", entry.getKey().tenant(), entry.getKey().timeline(),
                        projection.generation(), projection.lsn());
            }
        }
        return true;
    }

    private Map<TenantGeneration, Boolean> ask(List<TenantGeneration> pairs) throws ControlPlaneException {
        Map<TenantGeneration, Boolean> answers = new java.util.HashMap<>();
        // A tenant may appear at two generations (a list from before a re-attach): ask about them separately.
        List<List<TenantGeneration>> batches = new ArrayList<>();
        for (TenantGeneration pair : pairs) {
            List<TenantGeneration> target = null;
            for (List<TenantGeneration> batch : batches) {
                if (batch.size() < settings.validationBatchSize()
                        && batch.stream().noneMatch(other -> other.tenant().equals(pair.tenant()))) {
                    target = batch;
                    break;
                }
            }
            if (target == null) {
                target = new ArrayList<>();
                batches.add(target);
            }
            target.add(pair);
        }
        for (List<TenantGeneration> batch : batches) {
            answers.putAll(controlPlane.validate(batch, context()));
        }
        return answers;
    }

    /**
     * Hands validated objects to the executor in batches; deletes a list's file once all its objects are gone.
     *
     * @return false when some object could not be deleted (retry later)
     */
    private boolean execute() throws IOException {
        List<ExecutingList> lists;
        lock.lock();
        try {
            lists = new ArrayList<>(executing.values());
        } finally {
            lock.unlock();
        }
        if (lists.isEmpty()) {
            return true;
        }
        failpoints.hit(FAILPOINT_BEFORE_EXECUTE);
        boolean allDone = true;
        for (ExecutingList list : lists) {
            List<String> keys = new ArrayList<>(list.remaining);
            int batchSize = Math.max(1, Math.min(executor.maxKeysPerCall(), settings.executorBatchSize()));
            for (int start = 0; start < keys.size(); start += batchSize) {
                List<String> batch = keys.subList(start, Math.min(keys.size(), start + batchSize));
                List<DeleteResult> results = executor.delete(batch, context());
                int deleted = 0;
                for (DeleteResult result : results) {
                    if (result.isDeleted()) {
                        list.remaining.remove(result.key());
                        deleted++;
                    } else {
                        metrics.failed(1);
                        LOG.log(System.Logger.Level.WARNING, "deletion queue: deleting {0} (list {1}) failed, will retry: {2}",
                                result.key(), list.list.sequence(), result.error().get().getMessage());
                    }
                }
                metrics.executed(deleted);
            }
            if (!list.remaining.isEmpty()) {
                allDone = false;
                continue;
            }
            files.deleteList(list.list.sequence());
            lock.lock();
            try {
                executing.remove(list.list.sequence());
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
        return allDone;
    }

    private Set<String> keysOf(DeletionList list) {
        Set<String> keys = new LinkedHashSet<>();
        list.tenants().forEach((tenant, deletions) -> deletions.objects().forEach((timeline, names) -> {
            String prefix = layout.timelinePrefix(tenant, timeline);
            names.forEach(name -> keys.add(prefix + name));
        }));
        return java.util.Collections.synchronizedSet(keys);
    }
}

package dev.strata.controller.placement;

import dev.strata.api.Lsn;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.controlplane.TenantMode;
import dev.strata.client.StrataClient;
import dev.strata.client.StrataClientException;
import dev.strata.client.TimelineInfo;
import dev.strata.controller.ControllerException;
import dev.strata.controller.Migration;
import dev.strata.controller.Placement;
import dev.strata.controller.Tenant;
import dev.strata.controller.store.ControllerStore;
import java.lang.System.Logger.Level;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Moves a tenant between nodes, the way Neon's storage controller does:
 * <ol>
 *   <li>source → AttachedStale (it stops taking writes and flushes), then wait until it uploaded everything;</li>
 *   <li>issue the next generation to the target (one transaction with the placement change);</li>
 *   <li>target → AttachedMulti at that generation, then wait until each of its timelines reached the source's
 *       {@code last_record_lsn};</li>
 *   <li>target → AttachedSingle;</li>
 *   <li>source → Secondary, or Detached when the node refuses Secondary (409).</li>
 * </ol>
 * The database records each step before the node calls that follow it, and every node call is idempotent,
 * so a migration interrupted anywhere (the controller stopped, a node unreachable) continues from its last
 * step when run again: {@link #resumeAll()} at start, or the same migrate request. One migration of a tenant
 * runs at a time in this process; a second request for it answers 503.
 */
public final class Migrator {
    private static final System.Logger LOG = System.getLogger(Migrator.class.getName());

    private final ControllerStore store;
    private final NodeClients nodes;
    private final Duration catchUpTimeout;
    private final Duration pollInterval;
    private final MigrationObserver observer;
    private final Map<TenantId, ReentrantLock> running = new ConcurrentHashMap<>();

    public Migrator(ControllerStore store, NodeClients nodes, Duration catchUpTimeout, Duration pollInterval,
                    MigrationObserver observer) {
        this.store = Objects.requireNonNull(store, "store is null");
        this.nodes = Objects.requireNonNull(nodes, "nodes is null");
        this.catchUpTimeout = Objects.requireNonNull(catchUpTimeout, "catchUpTimeout is null");
        this.pollInterval = Objects.requireNonNull(pollInterval, "pollInterval is null");
        this.observer = Objects.requireNonNull(observer, "observer is null");
    }

    /**
     * Migrates {@code tenant} to {@code targetNode} and returns it afterwards; continues an unfinished
     * migration to the same node.
     *
     * @throws ControllerException.Unavailable when a node did not answer or the target did not catch up in
     *     time: the migration stays recorded and continues on the next request or start
     */
    public Tenant migrate(TenantId tenant, long targetNode) throws SQLException {
        Migration migration = store.beginMigration(tenant, targetNode);
        run(migration);
        return store.tenant(tenant);
    }

    /** Continues every unfinished migration; failures are logged and left for the next attempt. */
    public void resumeAll() throws SQLException {
        for (Migration migration : store.migrations()) {
            try {
                run(migration);
            } catch (RuntimeException | SQLException e) {
                LOG.log(Level.WARNING, "resuming the migration of tenant " + migration.tenant() + " to node "
                        + migration.targetNode() + " failed; it will be retried", e);
            }
        }
    }

    private void run(Migration start) throws SQLException {
        ReentrantLock lock = running.computeIfAbsent(start.tenant(), id -> new ReentrantLock());
        if (!lock.tryLock()) {
            throw new ControllerException.Unavailable("tenant " + start.tenant() + " is being migrated by another request", null);
        }
        try {
            Migration migration = start;
            while (true) {
                observer.beforeStep(migration);
                LOG.log(Level.INFO, "migration of tenant {0} from node {1} to node {2}: after step {3}",
                        migration.tenant(), migration.sourceNode(), migration.targetNode(), migration.step());
                switch (migration.step()) {
                    case SOURCE_STALE -> {
                        handOver(migration);
                        migration = store.issueTargetGeneration(migration.tenant());
                    }
                    case TARGET_MULTI -> {
                        attachTarget(migration, TenantMode.ATTACHED_MULTI);
                        awaitCaughtUp(migration);
                        migration = store.promoteTarget(migration.tenant());
                    }
                    case TARGET_SINGLE -> {
                        long generation = attachTarget(migration, TenantMode.ATTACHED_SINGLE);
                        TenantMode sourceMode = retireSource(migration);
                        store.finishMigration(migration.tenant(), sourceMode);
                        LOG.log(Level.INFO, "migrated tenant {0} from node {1} to node {2} at generation {3}; the source is {4}",
                                migration.tenant(), migration.sourceNode(), migration.targetNode(), generation, sourceMode.wireName());
                        return;
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Tells the target its mode at the generation its placement holds; returns that generation. */
    private long attachTarget(Migration migration, TenantMode mode) throws SQLException {
        long generation = placementGeneration(migration.tenant(), migration.targetNode());
        call(migration.targetNode(), client -> client.setLocation(migration.tenant(), mode.wireName(), generation));
        return generation;
    }

    /** Source → AttachedStale, flushed, and everything it acknowledged uploaded. */
    private void handOver(Migration migration) throws SQLException {
        TenantId tenant = migration.tenant();
        long generation = placementGeneration(tenant, migration.sourceNode());
        call(migration.sourceNode(), client -> client.setLocation(tenant, TenantMode.ATTACHED_STALE.wireName(), generation));
        // The stale source refuses new writes; flush again for any write that was already past that check.
        for (TimelineInfo timeline : call(migration.sourceNode(), client -> client.listTimelines(tenant))) {
            call(migration.sourceNode(), client -> {
                client.checkpoint(tenant, timeline.id());
                return null;
            });
        }
        await(migration, "source node " + migration.sourceNode() + " to upload everything of tenant " + tenant, () -> {
            for (TimelineInfo timeline : call(migration.sourceNode(), client -> client.listTimelines(tenant))) {
                if (timeline.remoteConsistentLsnProjected().isBefore(timeline.lastRecordLsn())) {
                    return false;
                }
            }
            return true;
        });
    }

    /** Every timeline of the source exists on the target, at or past the source's last record. */
    private void awaitCaughtUp(Migration migration) throws SQLException {
        TenantId tenant = migration.tenant();
        List<TimelineInfo> source = call(migration.sourceNode(), client -> client.listTimelines(tenant));
        await(migration, "target node " + migration.targetNode() + " to catch up with tenant " + tenant, () -> {
            Map<TimelineId, Lsn> target = new java.util.HashMap<>();
            try {
                for (TimelineInfo timeline : call(migration.targetNode(), client -> client.listTimelines(tenant))) {
                    target.put(timeline.id(), timeline.lastRecordLsn());
                }
            } catch (ControllerException.Unavailable e) {
                return false; // still attaching
            }
            for (TimelineInfo timeline : source) {
                Lsn reached = target.get(timeline.id());
                if (reached == null || reached.isBefore(timeline.lastRecordLsn())) {
                    return false;
                }
            }
            return true;
        });
    }

    /** Source → Secondary, or Detached when it refuses Secondary; returns the mode it ended in. */
    private TenantMode retireSource(Migration migration) throws SQLException {
        TenantId tenant = migration.tenant();
        try {
            call(migration.sourceNode(), client -> client.setLocation(tenant, TenantMode.SECONDARY.wireName(), null));
            return TenantMode.SECONDARY;
        } catch (ControllerException.Conflict refused) {
            LOG.log(Level.INFO, "node {0} refused Secondary for tenant {1} ({2}); detaching it there",
                    migration.sourceNode(), tenant, refused.getMessage());
            call(migration.sourceNode(), client -> client.setLocation(tenant, TenantMode.DETACHED.wireName(), null));
            return TenantMode.DETACHED;
        }
    }

    private long placementGeneration(TenantId tenant, long nodeId) throws SQLException {
        return store.tenant(tenant).placements().stream().filter(placement -> placement.nodeId() == nodeId)
                .map(Placement::generation).filter(Objects::nonNull).findFirst()
                .orElseThrow(() -> new IllegalStateException("tenant " + tenant + " has no attached placement on node " + nodeId));
    }

    @FunctionalInterface
    private interface NodeCall<T> {
        T run(StrataClient client);
    }

    @FunctionalInterface
    private interface Condition {
        boolean holds() throws SQLException;
    }

    /** Calls a node, turning its refusals into the controller's categories. */
    private <T> T call(long nodeId, NodeCall<T> call) throws SQLException {
        StrataClient client = nodes.client(store.node(nodeId));
        try {
            return call.run(client);
        } catch (StrataClientException e) {
            if (e.isTransient()) {
                throw new ControllerException.Unavailable("node " + nodeId + " is unavailable: " + e.getMessage(), e);
            }
            if (e.status() == 409) {
                throw new ControllerException.Conflict("node " + nodeId + " refused: " + e.getMessage());
            }
            throw new ControllerException.Unavailable("node " + nodeId + " failed: " + e.getMessage(), e);
        }
    }

    private void await(Migration migration, String what, Condition condition) throws SQLException {
        long deadline = System.nanoTime() + catchUpTimeout.toNanos();
        while (true) {
            try {
                if (condition.holds()) {
                    return;
                }
            } catch (ControllerException.Unavailable e) {
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new ControllerException.Unavailable("gave up waiting " + catchUpTimeout + " for " + what
                        + " (migration to node " + migration.targetNode() + " continues on the next request)", null);
            }
            try {
                Thread.sleep(pollInterval);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ControllerException.Unavailable("interrupted while waiting for " + what, e);
            }
        }
    }
}

package dev.strata.controller.store;

import dev.strata.api.TenantId;
import dev.strata.api.controlplane.TenantMode;
import dev.strata.controller.Attachment;
import dev.strata.controller.ControllerException;
import dev.strata.controller.Migration;
import dev.strata.controller.MigrationStep;
import dev.strata.controller.Node;
import dev.strata.controller.Placement;
import dev.strata.controller.Tenant;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Nodes, tenants, placements, generations and migrations in the database. Every method is one transaction;
 * a method that issues a generation changes the placement that holds it in the same transaction, so no
 * reader ever sees a generation without its holder. Methods that change a tenant lock its row first
 * ({@code SELECT … FOR UPDATE}, in tenant id order when several), which serialises them per tenant.
 */
public final class ControllerStore {
    private static final String UNIQUE_VIOLATION = "23505";

    private final Database database;

    public ControllerStore(Database database) {
        this.database = Objects.requireNonNull(database, "database is null");
    }

    // -- nodes -------------------------------------------------------------------------------------------

    /** Registers a node, or updates its address (idempotent). */
    public Node registerNode(Node node) throws SQLException {
        Objects.requireNonNull(node, "node is null");
        return database.inTransaction(connection -> {
            upsertNode(connection, node);
            return node;
        });
    }

    public List<Node> nodes() throws SQLException {
        return database.inTransaction(connection -> {
            List<Node> out = new ArrayList<>();
            try (PreparedStatement query = connection.prepareStatement("SELECT node_id, address FROM nodes ORDER BY node_id");
                 ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    out.add(new Node(rows.getLong(1), URI.create(rows.getString(2))));
                }
            }
            return out;
        });
    }

    public Node node(long nodeId) throws SQLException {
        return database.inTransaction(connection -> findNode(connection, nodeId)
                .orElseThrow(() -> new ControllerException.NotFound("node " + nodeId + " is not registered")));
    }

    // -- tenants -----------------------------------------------------------------------------------------

    /**
     * Creates a tenant at generation 1, AttachedSingle on the registered node with the fewest attached
     * tenants (the lowest id among equals). Creating an existing tenant returns it unchanged.
     *
     * @throws ControllerException.Unavailable when no node is registered
     */
    public Tenant createTenant(TenantId tenant) throws SQLException {
        Objects.requireNonNull(tenant, "tenant is null");
        try {
            return insertTenant(tenant);
        } catch (SQLException e) {
            if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw e;
            }
            return tenant(tenant); // created concurrently by another request
        }
    }

    private Tenant insertTenant(TenantId tenant) throws SQLException {
        return database.inTransaction(connection -> {
            Optional<Tenant> existing = findTenant(connection, tenant);
            if (existing.isPresent()) {
                return existing.get();
            }
            long nodeId;
            try (PreparedStatement query = connection.prepareStatement(
                    "SELECT n.node_id, COUNT(p.tenant_id) AS attached FROM nodes n LEFT JOIN placements p "
                            + "ON p.node_id = n.node_id AND p.mode IN ('AttachedSingle', 'AttachedMulti') "
                            + "GROUP BY n.node_id ORDER BY attached, n.node_id");
                 ResultSet rows = query.executeQuery()) {
                if (!rows.next()) {
                    throw new ControllerException.Unavailable("no node is registered: cannot place tenant " + tenant, null);
                }
                nodeId = rows.getLong(1);
            }
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO tenants (tenant_id, generation) VALUES (?, 1)")) {
                insert.setString(1, tenant.hex());
                insert.executeUpdate();
            }
            putPlacement(connection, new Placement(tenant, nodeId, TenantMode.ATTACHED_SINGLE, 1L));
            return findTenant(connection, tenant).orElseThrow();
        });
    }

    public Tenant tenant(TenantId tenant) throws SQLException {
        return database.inTransaction(connection -> findTenant(connection, tenant)
                .orElseThrow(() -> new ControllerException.NotFound("tenant " + tenant + " not found")));
    }

    /** Every tenant with its placements and unfinished migration, by tenant id. */
    public List<Tenant> tenants() throws SQLException {
        return database.inTransaction(connection -> {
            Map<String, Long> generations = new LinkedHashMap<>();
            try (PreparedStatement query = connection.prepareStatement("SELECT tenant_id, generation FROM tenants ORDER BY tenant_id");
                 ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    generations.put(rows.getString(1), rows.getLong(2));
                }
            }
            Map<String, List<Placement>> placements = new HashMap<>();
            try (PreparedStatement query = connection.prepareStatement(
                    "SELECT tenant_id, node_id, mode, generation FROM placements ORDER BY tenant_id, node_id");
                 ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    placements.computeIfAbsent(rows.getString(1), id -> new ArrayList<>()).add(placement(rows));
                }
            }
            Map<String, Migration> migrations = new HashMap<>();
            for (Migration migration : migrations(connection)) {
                migrations.put(migration.tenant().hex(), migration);
            }
            List<Tenant> out = new ArrayList<>();
            generations.forEach((id, generation) -> out.add(new Tenant(TenantId.parse(id), generation,
                    placements.getOrDefault(id, List.of()), migrations.get(id))));
            return out;
        });
    }

    // -- the nodes' control plane ------------------------------------------------------------------------

    /**
     * A node (re)starts: registers it when {@code register} is given, and answers what it is to hold. Every
     * tenant this node holds the current generation of (AttachedSingle or AttachedMulti) gets a new
     * generation, all in this one transaction; an AttachedStale placement (a migration source) keeps its
     * generation; a Secondary one has none.
     *
     * @throws ControllerException.NotFound when the node is not registered and {@code register} is null
     */
    public List<Attachment> reAttach(long nodeId, URI register) throws SQLException {
        return database.inTransaction(connection -> {
            if (register != null) {
                upsertNode(connection, new Node(nodeId, register));
            } else if (findNode(connection, nodeId).isEmpty()) {
                throw new ControllerException.NotFound("node " + nodeId + " is not registered; re-attach with \"register\"");
            }
            List<String> held = new ArrayList<>();
            try (PreparedStatement query = connection.prepareStatement(
                    "SELECT tenant_id FROM placements WHERE node_id = ? ORDER BY tenant_id")) {
                query.setLong(1, nodeId);
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        held.add(rows.getString(1));
                    }
                }
            }
            List<Attachment> out = new ArrayList<>();
            for (String id : held) {
                TenantId tenant = TenantId.parse(id);
                long generation = lockTenant(connection, tenant);
                Optional<Placement> found = findPlacement(connection, tenant, nodeId);
                if (found.isEmpty()) {
                    continue; // moved away before we locked it
                }
                Placement placement = found.get();
                if (placement.writable() && placement.generation() == generation) {
                    long next = generation + 1;
                    setGeneration(connection, tenant, next);
                    putPlacement(connection, new Placement(tenant, nodeId, placement.mode(), next));
                    out.add(new Attachment(tenant, next, placement.mode()));
                } else if (placement.mode().attached()) {
                    // Not the holder of the current generation: it may serve reads, never write or delete.
                    out.add(new Attachment(tenant, placement.generation(), TenantMode.ATTACHED_STALE));
                } else {
                    out.add(new Attachment(tenant, null, placement.mode()));
                }
            }
            return out;
        });
    }

    /**
     * Which of {@code generations} are current: a tenant's generation is valid iff it equals the newest
     * generation issued and a writable placement holds it. Unknown tenants are invalid. One query, so the
     * answer is one snapshot even while re-attaches commit.
     */
    public Map<TenantId, Boolean> validate(Map<TenantId, Long> generations) throws SQLException {
        Map<TenantId, Boolean> out = new LinkedHashMap<>();
        generations.keySet().forEach(tenant -> out.put(tenant, false));
        if (generations.isEmpty()) {
            return out;
        }
        Map<TenantId, Long> current = database.inTransaction(connection -> {
            Map<TenantId, Long> found = new HashMap<>();
            String marks = String.join(", ", java.util.Collections.nCopies(generations.size(), "?"));
            try (PreparedStatement query = connection.prepareStatement(
                    "SELECT t.tenant_id, t.generation FROM tenants t WHERE t.tenant_id IN (" + marks + ") AND EXISTS "
                            + "(SELECT 1 FROM placements p WHERE p.tenant_id = t.tenant_id AND p.generation = t.generation "
                            + "AND p.mode IN ('AttachedSingle', 'AttachedMulti'))")) {
                int index = 1;
                for (TenantId tenant : generations.keySet()) {
                    query.setString(index++, tenant.hex());
                }
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        found.put(TenantId.parse(rows.getString(1)), rows.getLong(2));
                    }
                }
            }
            return found;
        });
        generations.forEach((tenant, generation) -> out.put(tenant, generation.equals(current.get(tenant))));
        return out;
    }

    // -- migrations --------------------------------------------------------------------------------------

    /**
     * Starts moving a tenant to {@code targetNode}: records the migration at {@link MigrationStep#SOURCE_STALE}
     * and makes the current placement AttachedStale, together. Starting the same migration again returns the
     * unfinished one.
     *
     * @throws ControllerException.Conflict when another migration of the tenant is unfinished, or the tenant
     *     already is on the target
     */
    public Migration beginMigration(TenantId tenant, long targetNode) throws SQLException {
        return database.inTransaction(connection -> {
            long generation = lockTenant(connection, tenant);
            if (findNode(connection, targetNode).isEmpty()) {
                throw new ControllerException.NotFound("node " + targetNode + " is not registered");
            }
            Optional<Migration> running = findMigration(connection, tenant);
            if (running.isPresent()) {
                if (running.get().targetNode() != targetNode) {
                    throw new ControllerException.Conflict("tenant " + tenant + " is being migrated to node "
                            + running.get().targetNode() + "; cannot also migrate it to node " + targetNode);
                }
                return running.get();
            }
            Tenant current = findTenant(connection, tenant).orElseThrow();
            Placement source = current.current().orElseThrow(() -> new ControllerException.Conflict(
                    "tenant " + tenant + " has no attached placement at generation " + generation));
            if (source.nodeId() == targetNode) {
                throw new ControllerException.Conflict("tenant " + tenant + " already is on node " + targetNode);
            }
            putPlacement(connection, new Placement(tenant, source.nodeId(), TenantMode.ATTACHED_STALE, source.generation()));
            Migration migration = new Migration(tenant, source.nodeId(), targetNode, MigrationStep.SOURCE_STALE);
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO migrations (tenant_id, source_node, target_node, step) VALUES (?, ?, ?, ?)")) {
                insert.setString(1, tenant.hex());
                insert.setLong(2, migration.sourceNode());
                insert.setLong(3, migration.targetNode());
                insert.setString(4, migration.step().name());
                insert.executeUpdate();
            }
            return migration;
        });
    }

    /**
     * {@link MigrationStep#SOURCE_STALE} → {@link MigrationStep#TARGET_MULTI}: issues the next generation to
     * the target as AttachedMulti, in one transaction. Returns the migration as it stands after the call
     * (unchanged if it was already past this step).
     */
    public Migration issueTargetGeneration(TenantId tenant) throws SQLException {
        return database.inTransaction(connection -> {
            long generation = lockTenant(connection, tenant);
            Migration migration = requireMigration(connection, tenant);
            if (migration.step() != MigrationStep.SOURCE_STALE) {
                return migration;
            }
            long next = generation + 1;
            setGeneration(connection, tenant, next);
            putPlacement(connection, new Placement(tenant, migration.targetNode(), TenantMode.ATTACHED_MULTI, next));
            return setStep(connection, migration, MigrationStep.TARGET_MULTI);
        });
    }

    /** {@link MigrationStep#TARGET_MULTI} → {@link MigrationStep#TARGET_SINGLE}: the target becomes the single attachment. */
    public Migration promoteTarget(TenantId tenant) throws SQLException {
        return database.inTransaction(connection -> {
            lockTenant(connection, tenant);
            Migration migration = requireMigration(connection, tenant);
            if (migration.step() != MigrationStep.TARGET_MULTI) {
                return migration;
            }
            Placement target = findPlacement(connection, tenant, migration.targetNode()).orElseThrow(() ->
                    new IllegalStateException("migration of tenant " + tenant + " lost its target placement"));
            putPlacement(connection, new Placement(tenant, target.nodeId(), TenantMode.ATTACHED_SINGLE, target.generation()));
            return setStep(connection, migration, MigrationStep.TARGET_SINGLE);
        });
    }

    /**
     * Ends a migration at {@link MigrationStep#TARGET_SINGLE}: the source placement becomes {@code sourceMode}
     * (Secondary), or is removed when {@code sourceMode} is Detached, and the migration record goes.
     */
    public void finishMigration(TenantId tenant, TenantMode sourceMode) throws SQLException {
        if (sourceMode != TenantMode.SECONDARY && sourceMode != TenantMode.DETACHED) {
            throw new IllegalArgumentException("a migration source ends Secondary or Detached, not " + sourceMode.wireName());
        }
        database.inTransaction(connection -> {
            lockTenant(connection, tenant);
            Optional<Migration> found = findMigration(connection, tenant);
            if (found.isEmpty()) {
                return null;
            }
            Migration migration = found.get();
            if (migration.step() != MigrationStep.TARGET_SINGLE) {
                throw new IllegalStateException("migration of tenant " + tenant + " is at " + migration.step()
                        + ", not " + MigrationStep.TARGET_SINGLE);
            }
            if (sourceMode == TenantMode.SECONDARY) {
                putPlacement(connection, new Placement(tenant, migration.sourceNode(), TenantMode.SECONDARY, null));
            } else {
                try (PreparedStatement delete = connection.prepareStatement(
                        "DELETE FROM placements WHERE tenant_id = ? AND node_id = ?")) {
                    delete.setString(1, tenant.hex());
                    delete.setLong(2, migration.sourceNode());
                    delete.executeUpdate();
                }
            }
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM migrations WHERE tenant_id = ?")) {
                delete.setString(1, tenant.hex());
                delete.executeUpdate();
            }
            return null;
        });
    }

    /** Unfinished migrations, by tenant id. */
    public List<Migration> migrations() throws SQLException {
        return database.inTransaction(ControllerStore::migrations);
    }

    public Optional<Migration> migration(TenantId tenant) throws SQLException {
        return database.inTransaction(connection -> findMigration(connection, tenant));
    }

    // -- plumbing ----------------------------------------------------------------------------------------

    private static void upsertNode(Connection connection, Node node) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE nodes SET address = ? WHERE node_id = ?")) {
            update.setString(1, node.address().toString());
            update.setLong(2, node.id());
            if (update.executeUpdate() == 1) {
                return;
            }
        }
        // A concurrent first registration of the same id fails on the key and the transaction is not retried:
        // the caller sees the error and registers again, which then updates.
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO nodes (node_id, address) VALUES (?, ?)")) {
            insert.setLong(1, node.id());
            insert.setString(2, node.address().toString());
            insert.executeUpdate();
        }
    }

    private static Optional<Node> findNode(Connection connection, long nodeId) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT address FROM nodes WHERE node_id = ?")) {
            query.setLong(1, nodeId);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() ? Optional.of(new Node(nodeId, URI.create(rows.getString(1)))) : Optional.empty();
            }
        }
    }

    /** Locks the tenant's row for the rest of the transaction and returns its generation. */
    private static long lockTenant(Connection connection, TenantId tenant) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT generation FROM tenants WHERE tenant_id = ? FOR UPDATE")) {
            query.setString(1, tenant.hex());
            try (ResultSet rows = query.executeQuery()) {
                if (!rows.next()) {
                    throw new ControllerException.NotFound("tenant " + tenant + " not found");
                }
                return rows.getLong(1);
            }
        }
    }

    private static void setGeneration(Connection connection, TenantId tenant, long generation) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE tenants SET generation = ? WHERE tenant_id = ?")) {
            update.setLong(1, generation);
            update.setString(2, tenant.hex());
            update.executeUpdate();
        }
    }

    private static void putPlacement(Connection connection, Placement placement) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE placements SET mode = ?, generation = ? WHERE tenant_id = ? AND node_id = ?")) {
            bindPlacement(update, placement);
            if (update.executeUpdate() == 1) {
                return;
            }
        }
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO placements (mode, generation, tenant_id, node_id) VALUES (?, ?, ?, ?)")) {
            bindPlacement(insert, placement);
            insert.executeUpdate();
        }
    }

    private static void bindPlacement(PreparedStatement statement, Placement placement) throws SQLException {
        statement.setString(1, placement.mode().wireName());
        if (placement.generation() == null) {
            statement.setNull(2, Types.BIGINT);
        } else {
            statement.setLong(2, placement.generation());
        }
        statement.setString(3, placement.tenant().hex());
        statement.setLong(4, placement.nodeId());
    }

    private static Optional<Placement> findPlacement(Connection connection, TenantId tenant, long nodeId) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT tenant_id, node_id, mode, generation FROM placements WHERE tenant_id = ? AND node_id = ?")) {
            query.setString(1, tenant.hex());
            query.setLong(2, nodeId);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() ? Optional.of(placement(rows)) : Optional.empty();
            }
        }
    }

    private static Placement placement(ResultSet rows) throws SQLException {
        long generation = rows.getLong(4);
        Long boxed = rows.wasNull() ? null : generation;
        return new Placement(TenantId.parse(rows.getString(1)), rows.getLong(2), TenantMode.parse(rows.getString(3)), boxed);
    }

    private static Optional<Tenant> findTenant(Connection connection, TenantId tenant) throws SQLException {
        long generation;
        try (PreparedStatement query = connection.prepareStatement("SELECT generation FROM tenants WHERE tenant_id = ?")) {
            query.setString(1, tenant.hex());
            try (ResultSet rows = query.executeQuery()) {
                if (!rows.next()) {
                    return Optional.empty();
                }
                generation = rows.getLong(1);
            }
        }
        List<Placement> placements = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT tenant_id, node_id, mode, generation FROM placements WHERE tenant_id = ? ORDER BY node_id")) {
            query.setString(1, tenant.hex());
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    placements.add(placement(rows));
                }
            }
        }
        return Optional.of(new Tenant(tenant, generation, placements, findMigration(connection, tenant).orElse(null)));
    }

    private static Optional<Migration> findMigration(Connection connection, TenantId tenant) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT tenant_id, source_node, target_node, step FROM migrations WHERE tenant_id = ?")) {
            query.setString(1, tenant.hex());
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() ? Optional.of(migration(rows)) : Optional.empty();
            }
        }
    }

    private static Migration requireMigration(Connection connection, TenantId tenant) throws SQLException {
        return findMigration(connection, tenant)
                .orElseThrow(() -> new ControllerException.NotFound("tenant " + tenant + " has no unfinished migration"));
    }

    private static List<Migration> migrations(Connection connection) throws SQLException {
        List<Migration> out = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT tenant_id, source_node, target_node, step FROM migrations ORDER BY tenant_id");
             ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
                out.add(migration(rows));
            }
        }
        return out;
    }

    private static Migration migration(ResultSet rows) throws SQLException {
        return new Migration(TenantId.parse(rows.getString(1)), rows.getLong(2), rows.getLong(3),
                MigrationStep.valueOf(rows.getString(4)));
    }

    private static Migration setStep(Connection connection, Migration migration, MigrationStep step) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE migrations SET step = ?, updated_at = CURRENT_TIMESTAMP WHERE tenant_id = ?")) {
            update.setString(1, step.name());
            update.setString(2, migration.tenant().hex());
            update.executeUpdate();
        }
        return new Migration(migration.tenant(), migration.sourceNode(), migration.targetNode(), step);
    }
}

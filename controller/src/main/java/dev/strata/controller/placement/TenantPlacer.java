package dev.strata.controller.placement;

import dev.strata.api.TenantId;
import dev.strata.api.controlplane.TenantMode;
import dev.strata.client.StrataClientException;
import dev.strata.controller.ControllerException;
import dev.strata.controller.Placement;
import dev.strata.controller.Tenant;
import dev.strata.controller.store.ControllerStore;
import java.sql.SQLException;
import java.util.Objects;

/**
 * Creates tenants: records the placement (generation 1, AttachedSingle, on the node with the fewest attached
 * tenants), then tells that node through {@code location_config}. Both halves are idempotent, so creating a
 * tenant again after a node failure finishes the job.
 */
public final class TenantPlacer {
    private final ControllerStore store;
    private final NodeClients nodes;

    public TenantPlacer(ControllerStore store, NodeClients nodes) {
        this.store = Objects.requireNonNull(store, "store is null");
        this.nodes = Objects.requireNonNull(nodes, "nodes is null");
    }

    /**
     * Creates {@code tenant} (or finds it) and makes sure its current node holds it.
     *
     * @throws ControllerException.Unavailable when no node is registered or the node did not accept it; the
     *     placement stays recorded and the same request completes it later
     */
    public Tenant create(TenantId tenant) throws SQLException {
        Tenant created = store.createTenant(tenant);
        if (created.migration() != null) {
            return created; // the migration owns the node calls now
        }
        Placement current = created.current().orElseThrow(() -> new ControllerException.Conflict(
                "tenant " + tenant + " has no attached placement at generation " + created.generation()));
        try {
            nodes.client(store.node(current.nodeId())).setLocation(tenant, current.mode().wireName(), current.generation());
        } catch (StrataClientException e) {
            if (e.status() == 409) {
                throw new ControllerException.Conflict("node " + current.nodeId() + " refused tenant " + tenant + " in mode "
                        + TenantMode.ATTACHED_SINGLE.wireName() + " at generation " + current.generation() + ": " + e.getMessage());
            }
            throw new ControllerException.Unavailable("tenant " + tenant + " is placed on node " + current.nodeId()
                    + " but the node did not accept it yet (" + e.getMessage() + "); create it again to retry", e);
        }
        return created;
    }
}

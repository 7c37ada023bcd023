package dev.strata.controller;

import dev.strata.api.TenantId;
import dev.strata.api.controlplane.TenantMode;
import java.util.Objects;

/**
 * Where a tenant is held: on which node, in which mode, at which generation (null exactly for Secondary).
 */
public record Placement(TenantId tenant, long nodeId, TenantMode mode, Long generation) {
    public Placement {
        Objects.requireNonNull(tenant, "tenant is null");
        Objects.requireNonNull(mode, "mode is null");
        if (mode.attached() != (generation != null)) {
            throw new IllegalArgumentException("placement of tenant " + tenant + " on node " + nodeId + " in mode "
                    + mode.wireName() + (generation == null ? " needs a generation" : " must not have a generation"));
        }
        if (mode == TenantMode.DETACHED) {
            throw new IllegalArgumentException("a detached tenant has no placement: tenant " + tenant + ", node " + nodeId);
        }
    }

    /** Whether the node may write for the tenant here (given the current generation): AttachedSingle or AttachedMulti. */
    public boolean writable() {
        return mode == TenantMode.ATTACHED_SINGLE || mode == TenantMode.ATTACHED_MULTI;
    }
}

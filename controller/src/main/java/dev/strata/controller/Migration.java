package dev.strata.controller;

import dev.strata.api.TenantId;
import java.util.Objects;

/** An unfinished migration of a tenant from one node to another, and the last step it committed. */
public record Migration(TenantId tenant, long sourceNode, long targetNode, MigrationStep step) {
    public Migration {
        Objects.requireNonNull(tenant, "tenant is null");
        Objects.requireNonNull(step, "step is null");
        if (sourceNode == targetNode) {
            throw new IllegalArgumentException("migration of tenant " + tenant + " from node " + sourceNode + " to itself");
        }
    }
}

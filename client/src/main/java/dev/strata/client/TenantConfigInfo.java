package dev.strata.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.api.TenantId;
import java.util.List;
import java.util.Objects;

/**
 * A tenant's settings as the node reports them ({@code GET /v1/tenant/{id}/config}).
 *
 * @param overrides     the tenant's own values, by key (the keys of {@code [tenant_defaults]})
 * @param effective     every setting's value in force: the node's default unless overridden
 * @param pendingReload keys whose effective value running timelines apply only when the tenant is loaded again
 *                      (a node restart or a re-attach)
 */
public record TenantConfigInfo(TenantId id, ObjectNode overrides, ObjectNode effective, List<String> pendingReload) {
    public TenantConfigInfo {
        Objects.requireNonNull(id, "id is null");
        Objects.requireNonNull(overrides, "overrides is null");
        Objects.requireNonNull(effective, "effective is null");
        pendingReload = List.copyOf(pendingReload);
    }
}

package dev.strata.controller;

import dev.strata.api.TenantId;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A tenant with the newest generation issued for it and its placements (sorted by node id). At most one
 * placement is current: the writable one holding {@code generation}.
 *
 * @param migration the unfinished migration, or null
 */
public record Tenant(TenantId id, long generation, List<Placement> placements, Migration migration) {
    public Tenant {
        Objects.requireNonNull(id, "id is null");
        placements = List.copyOf(placements);
    }

    /** The placement that may write: writable and holding the current generation. */
    public Optional<Placement> current() {
        return placements.stream()
                .filter(placement -> placement.writable() && placement.generation() == generation)
                .findFirst();
    }
}

package dev.strata.api.controlplane;

import dev.strata.api.Generation;
import dev.strata.api.TenantId;
import java.util.Objects;

/** A tenant at one generation: what a node asks the control plane to validate. */
public record TenantGeneration(TenantId tenant, Generation generation) {
    public TenantGeneration {
        Objects.requireNonNull(tenant, "tenant is null");
        Objects.requireNonNull(generation, "generation is null");
        if (generation.isNone()) {
            throw new IllegalArgumentException("tenant " + tenant + ": a validated generation must not be none");
        }
    }
}

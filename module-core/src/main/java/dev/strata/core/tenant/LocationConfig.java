package dev.strata.core.tenant;

import dev.strata.api.Generation;
import dev.strata.api.InvalidInputException;
import dev.strata.api.controlplane.TenantMode;
import java.util.Objects;
import java.util.Optional;

/**
 * The body of {@code PUT /v1/tenant/{id}/location_config}: a mode and, for attached modes, the generation the
 * control plane issued. Attached modes require a generation; Secondary and Detached forbid one.
 *
 * @param tenantConf the tenant's complete set of overrides of the node's defaults ({@code tenant_conf}),
 *                   replacing the ones it has; empty keeps them
 */
public record LocationConfig(TenantMode mode, Generation generation, boolean secondaryWarm,
                             Optional<TenantOverrides> tenantConf) {
    /** A location that keeps the tenant's overrides. */
    public LocationConfig(TenantMode mode, Generation generation, boolean secondaryWarm) {
        this(mode, generation, secondaryWarm, Optional.empty());
    }

    public LocationConfig {
        Objects.requireNonNull(mode, "mode is null");
        Objects.requireNonNull(generation, "generation is null");
        Objects.requireNonNull(tenantConf, "tenantConf is null");
        if (mode.attached() && generation.isNone()) {
            throw new InvalidInputException("location_config", mode.wireName(), "attached modes require a generation");
        }
        if (!mode.attached() && !generation.isNone()) {
            throw new InvalidInputException("location_config", mode.wireName(), "mode " + mode.wireName()
                    + " must not carry a generation");
        }
    }
}

package dev.strata.core.tenant;

import dev.strata.api.Generation;
import dev.strata.api.InvalidInputException;
import dev.strata.api.controlplane.TenantMode;
import java.util.Objects;

/**
 * The body of {@code PUT /v1/tenant/{id}/location_config}: a mode and, for attached modes, the generation the
 * control plane issued. Attached modes require a generation; Secondary and Detached forbid one.
 */
public record LocationConfig(TenantMode mode, Generation generation, boolean secondaryWarm) {
    public LocationConfig {
        Objects.requireNonNull(mode, "mode is null");
        Objects.requireNonNull(generation, "generation is null");
        if (mode.attached() && generation.isNone()) {
            throw new InvalidInputException("location_config", mode.wireName(), "attached modes require a generation");
        }
        if (!mode.attached() && !generation.isNone()) {
            throw new InvalidInputException("location_config", mode.wireName(), "mode " + mode.wireName()
                    + " must not carry a generation");
        }
    }
}

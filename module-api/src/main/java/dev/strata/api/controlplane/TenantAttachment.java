package dev.strata.api.controlplane;

import dev.strata.api.Generation;
import dev.strata.api.TenantId;
import java.util.Objects;

/**
 * A tenant the control plane wants a node to hold, from a re-attach answer.
 *
 * @param generation the generation to attach at; {@link Generation#NONE} when the mode needs none (Secondary)
 */
public record TenantAttachment(TenantId tenant, Generation generation, TenantMode mode) {
    public TenantAttachment {
        Objects.requireNonNull(tenant, "tenant is null");
        Objects.requireNonNull(generation, "generation is null");
        Objects.requireNonNull(mode, "mode is null");
        if (mode.attached() && generation.isNone()) {
            throw new IllegalArgumentException("tenant " + tenant + " in mode " + mode.wireName() + " needs a generation");
        }
        if (mode == TenantMode.DETACHED) {
            throw new IllegalArgumentException("tenant " + tenant + ": a detached tenant is not held, so not listed");
        }
    }
}

package dev.strata.controller;

import dev.strata.api.TenantId;
import dev.strata.api.controlplane.TenantMode;
import java.util.Objects;

/** One entry of a re-attach answer: a tenant the node is to hold, in which mode, at which generation. */
public record Attachment(TenantId tenant, Long generation, TenantMode mode) {
    public Attachment {
        Objects.requireNonNull(tenant, "tenant is null");
        Objects.requireNonNull(mode, "mode is null");
    }
}

package dev.strata.client;

import dev.strata.api.TenantId;

/** A tenant as the node reports it: its state (for example {@code Active}) and attachment generation. */
public record TenantInfo(TenantId id, String state, long generation, int timelines) {}

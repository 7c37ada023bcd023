package dev.strata.api.controlplane;

import java.util.Objects;

/** How a node holds a tenant, as the control plane names it on the wire. */
public enum TenantMode {
    ATTACHED_SINGLE("AttachedSingle"),
    ATTACHED_MULTI("AttachedMulti"),
    ATTACHED_STALE("AttachedStale"),
    SECONDARY("Secondary"),
    DETACHED("Detached");

    private final String wireName;

    TenantMode(String wireName) {
        this.wireName = wireName;
    }

    /** The name in JSON and in a tenant's {@code config-v1}. */
    public String wireName() {
        return wireName;
    }

    /** Whether the node serves writes or reads of the tenant's timelines in this mode. */
    public boolean attached() {
        return this == ATTACHED_SINGLE || this == ATTACHED_MULTI || this == ATTACHED_STALE;
    }

    /**
     * Whether a node holding a tenant in this mode keeps its deletions persisted but unexecuted: the migration
     * target (AttachedMulti) and source (AttachedStale) share the bucket with another attachment, so neither
     * deletes until the migration ends and validation decides.
     */
    public boolean holdsDeletions() {
        return this == ATTACHED_MULTI || this == ATTACHED_STALE;
    }

    /**
     * The mode called {@code wireName}.
     *
     * @throws IllegalArgumentException naming the text and the known names
     */
    public static TenantMode parse(String wireName) {
        Objects.requireNonNull(wireName, "wireName is null");
        for (TenantMode mode : values()) {
            if (mode.wireName.equals(wireName)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown tenant mode '" + wireName
                + "'; expected AttachedSingle, AttachedMulti, AttachedStale, Secondary or Detached");
    }
}

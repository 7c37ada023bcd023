package dev.strata.core.tenant;

import dev.strata.api.InvalidInputException;
import java.util.Arrays;

/** Where a tenant stands on this node, as {@code location_config} names it. */
public enum LocationMode {
    /** The one attachment that writes and deletes. */
    ATTACHED_SINGLE("AttachedSingle"),
    /** A migration target: writes, but holds deletions. */
    ATTACHED_MULTI("AttachedMulti"),
    /** A migration source: serves reads, no uploads and no deletions. */
    ATTACHED_STALE("AttachedStale"),
    /** A warm copy that downloads layers from the attached node's heatmap. */
    SECONDARY("Secondary"),
    /** Not held by this node. */
    DETACHED("Detached");

    private final String wireName;

    LocationMode(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public boolean isAttached() {
        return this == ATTACHED_SINGLE || this == ATTACHED_MULTI || this == ATTACHED_STALE;
    }

    public static LocationMode parse(String text) {
        return Arrays.stream(values()).filter(mode -> mode.wireName.equals(text)).findFirst()
                .orElseThrow(() -> new InvalidInputException("location mode", String.valueOf(text),
                        "expected AttachedSingle, AttachedMulti, AttachedStale, Secondary or Detached"));
    }
}

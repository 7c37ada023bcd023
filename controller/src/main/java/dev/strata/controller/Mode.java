package dev.strata.controller;

import java.util.Arrays;

/** A placement's location mode, spelled as {@code location_config} and re-attach spell it. */
public enum Mode {
    ATTACHED_SINGLE("AttachedSingle"),
    ATTACHED_MULTI("AttachedMulti"),
    ATTACHED_STALE("AttachedStale"),
    SECONDARY("Secondary"),
    DETACHED("Detached");

    private final String wireName;

    Mode(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** Modes in which a node may write for the tenant (given the current generation). */
    public boolean isWritable() {
        return this == ATTACHED_SINGLE || this == ATTACHED_MULTI;
    }

    public boolean isAttached() {
        return isWritable() || this == ATTACHED_STALE;
    }

    public static Mode parse(String text) {
        return Arrays.stream(values()).filter(mode -> mode.wireName.equals(text)).findFirst()
                .orElseThrow(() -> new ControllerException.InvalidInput("unknown location mode '" + text
                        + "': expected AttachedSingle, AttachedMulti, AttachedStale, Secondary or Detached"));
    }
}

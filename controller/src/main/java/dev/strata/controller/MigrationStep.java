package dev.strata.controller;

/**
 * The transitions of a migration, in order. Each names the last change committed to the database; the node
 * calls that follow it are idempotent, so a controller that restarts repeats them and goes on.
 */
public enum MigrationStep {
    /** The source placement is AttachedStale; next: tell the source, let it upload everything, issue a generation. */
    SOURCE_STALE,
    /** The target holds a new generation in AttachedMulti; next: attach it there and wait until it caught up. */
    TARGET_MULTI,
    /** The target placement is AttachedSingle; next: tell the target, then make the source Secondary or detach it. */
    TARGET_SINGLE
}

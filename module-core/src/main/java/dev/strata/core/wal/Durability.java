package dev.strata.core.wal;

/** When {@link Wal#waitDurable} may return. */
public enum Durability {
    /**
     * Every wait returns only after a {@code force()} that covers the waited-for LSN; concurrent waiters share
     * one force (group commit). An acknowledged batch survives a power loss.
     */
    FSYNC,
    /**
     * Waits return at once; a background thread forces the log every {@link WalOptions#periodicInterval()}.
     * A power loss can take the batches of the last interval; a process crash loses nothing that was appended.
     */
    PERIODIC
}

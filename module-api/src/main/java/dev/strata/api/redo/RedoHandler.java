package dev.strata.api.redo;

/**
 * Applies {@link dev.strata.api.PageRecord.Custom} records of one kind to a page.
 *
 * <p>Implementations are found through {@link java.util.ServiceLoader}; each {@link #kind()} must be unique
 * among the loaded handlers, or start-up fails naming both providers. {@link #apply} must be a pure function
 * of its arguments (the same inputs always give the same page), because a page may be reconstructed many
 * times, on different nodes, from the same records. It must not keep or modify {@code page}.
 */
public interface RedoHandler {

    /** The record kind this handler applies, as written in {@code Custom.kind()}. */
    String kind();

    /**
     * Returns the page after applying {@code payload}.
     *
     * @param page the page before the record, or {@code null} when no earlier version exists (only
     *             possible for a record that initialises the page)
     * @param payload the record's payload
     * @throws IllegalArgumentException when the payload is malformed; the read fails with that message
     */
    byte[] apply(byte[] page, byte[] payload);
}

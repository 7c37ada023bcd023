package dev.strata.api.remote;

/**
 * Optional behaviour a backend may lack. A backend lists what it has in {@link RemoteStorage#capabilities()};
 * asking for a missing one fails with {@link RemoteStorageException.Permanent} and has no effect.
 */
public enum Capability {
    /** {@link PutOptions#ifAbsent()}: atomic "store only if absent"; of concurrent such puts exactly one wins. */
    CONDITIONAL_PUT,
    /** A {@link RemoteStorage#get get} with an expected ETag fails with PreconditionFailed on any other version. */
    CONDITIONAL_GET,
}

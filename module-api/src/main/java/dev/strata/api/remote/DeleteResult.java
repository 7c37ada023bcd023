package dev.strata.api.remote;

import java.util.Objects;
import java.util.Optional;

/**
 * The outcome for one key of a {@link RemoteStorage#deleteBatch batch delete}: deleted (which includes "was
 * not there"), or the classified error for that key alone.
 */
public record DeleteResult(String key, Optional<RemoteStorageException> error) {
    public DeleteResult {
        Objects.requireNonNull(key, "key is null");
        Objects.requireNonNull(error, "error is null");
    }

    public static DeleteResult deleted(String key) {
        return new DeleteResult(key, Optional.empty());
    }

    public static DeleteResult failed(String key, RemoteStorageException error) {
        return new DeleteResult(key, Optional.of(error));
    }

    public boolean isDeleted() {
        return error.isEmpty();
    }
}

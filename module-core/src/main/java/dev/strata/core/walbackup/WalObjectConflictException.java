package dev.strata.core.walbackup;

import static java.util.Objects.requireNonNull;

import java.io.IOException;

/**
 * A WAL object that must be written once already exists in remote storage with other bytes than ours. It is never
 * overwritten: the backup reports it and stays behind it.
 */
final class WalObjectConflictException extends IOException {
    private final boolean newlyFound;

    /**
     * @param key        the conflicting object's key
     * @param newlyFound false when the same version of the object was reported before
     */
    WalObjectConflictException(String key, String message, boolean newlyFound) {
        super(message == null ? "WAL object " + key + " exists with other bytes than ours" : message);
        requireNonNull(key, "key is null");
        this.newlyFound = newlyFound;
    }

    boolean newlyFound() {
        return newlyFound;
    }
}

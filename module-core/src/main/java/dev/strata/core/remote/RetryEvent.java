package dev.strata.core.remote;

import dev.strata.api.remote.RemoteStorageException;
import java.time.Duration;
import java.util.Objects;

/**
 * A retry about to happen: attempt {@code failedAttempt} of {@code operation} failed with {@code error} and the
 * next attempt follows after {@code delay}. Logged and counted by the caller.
 *
 * @param key the key, or null for calls about no single key
 */
public record RetryEvent(String operation, String key, int failedAttempt, RemoteStorageException error, Duration delay) {
    public RetryEvent {
        Objects.requireNonNull(operation, "operation is null");
        Objects.requireNonNull(error, "error is null");
        Objects.requireNonNull(delay, "delay is null");
    }
}

package dev.strata.core.remote;

import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.Cancellation;
import dev.strata.api.remote.RemoteStorageException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Waits between retries. The real one wakes early when the call is cancelled; tests record instead of waiting. */
@FunctionalInterface
public interface Sleeper {
    /**
     * Waits {@code delay}. Throws {@link RemoteStorageException.Cancelled} (operation and key as given) when the
     * context is cancelled first or the thread is interrupted.
     */
    void sleep(Duration delay, CallContext context, String operation, String key) throws RemoteStorageException;

    /** Waits on a latch that the context's cancellation releases. */
    Sleeper REAL = (delay, context, operation, key) -> {
        CountDownLatch cancelled = new CountDownLatch(1);
        try (Cancellation.Registration registration = context.cancellation().onCancel(cancelled::countDown)) {
            if (cancelled.await(delay.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new RemoteStorageException.Cancelled(operation, key, null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RemoteStorageException.Cancelled(operation, key, e);
        }
    };
}

package dev.strata.backend.azure;

import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.Cancellation;
import dev.strata.api.remote.RemoteStorageException;
import java.util.Objects;

/**
 * Runs one SDK request of a remote storage operation: checks the caller's context first, interrupts the calling
 * thread if the caller cancels meanwhile (which aborts the SDK's blocking I/O and any wait), and classifies any
 * failure with {@link AzureErrors}. The interrupt is cleared afterwards when it was ours.
 */
final class AzureCalls {
    private AzureCalls() {}

    @FunctionalInterface
    interface Call<T> {
        T run() throws Exception;
    }

    static <T> T run(String operation, String key, CallContext context, boolean conditionalPut, Call<T> call)
            throws RemoteStorageException {
        Objects.requireNonNull(context, "context is null");
        context.check(operation, key);
        Thread caller = Thread.currentThread();
        try (Cancellation.Registration registration = context.cancellation().onCancel(caller::interrupt)) {
            return call.run();
        } catch (Exception e) {
            throw AzureErrors.classify(operation, key, e, context, conditionalPut);
        } finally {
            if (context.cancellation().isCancelled()) {
                Thread.interrupted(); // the interrupt was ours, not the caller's
            }
        }
    }
}

package dev.strata.api.remote;

import java.util.Objects;

/**
 * Runs one blocking call of a backend (an SDK request) under a {@link CallContext}: checks the context first,
 * interrupts the calling thread if the caller cancels meanwhile (which aborts blocking I/O in the SDKs Strata
 * uses), and turns any failure into a {@link RemoteStorageException} with the backend's classifier. The
 * interrupt is cleared afterwards when it was the cancellation's, so it never leaks to the caller.
 */
public final class BlockingCall {
    private BlockingCall() {}

    /** The call itself. */
    @FunctionalInterface
    public interface Body<T> {
        T run() throws Exception;
    }

    /** The backend's classification of a failure (status codes and SDK exceptions to the sealed hierarchy). */
    @FunctionalInterface
    public interface Classifier {
        RemoteStorageException classify(Exception failure);
    }

    public static <T> T run(String operation, String key, CallContext context, Body<T> body, Classifier classifier)
            throws RemoteStorageException {
        Objects.requireNonNull(context, "context is null");
        Objects.requireNonNull(body, "body is null");
        Objects.requireNonNull(classifier, "classifier is null");
        context.check(operation, key);
        Thread caller = Thread.currentThread();
        try (Cancellation.Registration registration = context.cancellation().onCancel(caller::interrupt)) {
            return body.run();
        } catch (Exception e) {
            throw classifier.classify(e);
        } finally {
            if (context.cancellation().isCancelled()) {
                Thread.interrupted(); // the interrupt was ours, not the caller's
            }
        }
    }
}

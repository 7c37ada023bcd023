package dev.strata.backend.azure;

import dev.strata.api.remote.BlockingCall;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.RemoteStorageException;

/**
 * Runs one SDK request of a remote storage operation through {@link BlockingCall}, classifying failures with
 * {@link AzureErrors}.
 */
final class AzureCalls {
    private AzureCalls() {}

    @FunctionalInterface
    interface Call<T> {
        T run() throws Exception;
    }

    static <T> T run(String operation, String key, CallContext context, boolean conditionalPut, Call<T> call)
            throws RemoteStorageException {
        return BlockingCall.run(operation, key, context, call::run,
                failure -> AzureErrors.classify(operation, key, failure, context, conditionalPut));
    }
}

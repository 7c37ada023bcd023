package dev.strata.testkit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.deletion.DeletionExecutor;
import dev.strata.api.deletion.DeletionExecutorProvider;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.ListPage;
import dev.strata.api.remote.ListRequest;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.PutOptions;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@link DeletionExecutorContract} for an executor a provider builds over a {@link RemoteStorage} (a backend's
 * test server, a local bucket): objects are stored and looked up through that storage. An executor that moves
 * objects aside instead of deleting them names the prefix it moves them under, and each disposed-of key must
 * then also have a copy there.
 */
public abstract class StorageDeletionExecutorContract extends DeletionExecutorContract {
    private final DeletionExecutorProvider provider;
    private final Map<String, String> config;
    private final String copiesUnder;

    /**
     * @param config      the provider's {@code [deletion]} keys
     * @param copiesUnder where the executor keeps a copy of each object it disposes of, or null when it keeps none
     */
    protected StorageDeletionExecutorContract(DeletionExecutorProvider provider, Map<String, String> config,
                                              String copiesUnder) {
        this.provider = Objects.requireNonNull(provider, "provider is null");
        this.config = Map.copyOf(config);
        this.copiesUnder = copiesUnder;
    }

    /** The storage the executor works on. */
    protected abstract RemoteStorage storage();

    @Override
    protected DeletionExecutor executor() {
        return provider.create(ProviderConfig.parse("deletion", config, provider.configKeys()), storage());
    }

    @Override
    protected void store(String key, byte[] data) throws IOException {
        storage().put(key, new ByteArrayInputStream(data), data.length, PutOptions.DEFAULT, CallContext.NONE);
    }

    @Override
    protected boolean exists(String key) throws IOException {
        try {
            storage().head(key, CallContext.NONE);
            return true;
        } catch (RemoteStorageException.NotFound e) {
            return false;
        }
    }

    @Override
    protected void assertDisposedOf(String key) throws IOException {
        super.assertDisposedOf(key);
        if (copiesUnder != null) {
            assertTrue(keysUnder(copiesUnder).stream().anyMatch(copy -> copy.endsWith("/" + key)),
                    key + " has no copy under " + copiesUnder);
        }
    }

    private List<String> keysUnder(String prefix) throws IOException {
        List<String> keys = new ArrayList<>();
        ListRequest request = ListRequest.all(prefix);
        while (true) {
            ListPage page = storage().list(request, CallContext.NONE);
            page.objects().forEach(object -> keys.add(object.key()));
            if (page.isLast()) {
                return keys;
            }
            request = request.next(page);
        }
    }
}

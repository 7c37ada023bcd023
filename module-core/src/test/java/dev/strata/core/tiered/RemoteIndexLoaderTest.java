package dev.strata.core.tiered;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Generation;
import dev.strata.api.Lsn;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.CancellationSource;
import dev.strata.api.remote.Deadline;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.PutOptions;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.api.remote.RemoteStorageProvider;
import dev.strata.core.remote.RetryPolicy;
import dev.strata.core.remote.RetryingStorage;
import dev.strata.testkit.FaultInjectingRemoteStorage;
import dev.strata.testkit.FaultInjectingRemoteStorage.Faults;
import dev.strata.testkit.FaultInjectingRemoteStorage.Operation;
import dev.strata.testkit.TestSeeds;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which index an attachment loads, against the localfs backend (found through ServiceLoader) behind the fault
 * injector, which also counts the calls so the tests can tell a probe from a listing.
 */
final class RemoteIndexLoaderTest {
    private static final CallContext NONE = CallContext.NONE;
    private static final String LAYER =
            "000000000000000000000000000000000000-FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF__0000000001000000-0000000001800000";

    @TempDir
    Path root;

    private final long seed = TestSeeds.seed();
    private final RemoteLayout layout = new RemoteLayout("deployment-a");
    private final TenantId tenant = TenantId.random();
    private final TimelineId timeline = TimelineId.random();
    private FaultInjectingRemoteStorage storage;

    @BeforeEach
    void open() throws RemoteStorageException {
        RemoteStorageProvider provider = ServiceLoader.load(RemoteStorageProvider.class).stream()
                .map(ServiceLoader.Provider::get).filter(candidate -> candidate.name().equals("localfs"))
                .findFirst().orElseThrow(() -> new AssertionError("ServiceLoader found no localfs provider"));
        RemoteStorage localfs = provider.create(ProviderConfig.parse("remote_storage",
                Map.of("root", root.toString(), "fsync", "false"), provider.configKeys()));
        storage = new FaultInjectingRemoteStorage(localfs, Faults.NONE, seed);
    }

    @AfterEach
    void close() {
        storage.close();
    }

    private RemoteIndexLoader loader(int attempts, Duration staleAfter, Clock clock) {
        RetryingStorage retrying = new RetryingStorage(storage, new RetryPolicy(attempts, Duration.ZERO, Duration.ZERO),
                (delay, context, operation, key) -> { }, new Random(seed), event -> { });
        return new RemoteIndexLoader(retrying, layout, staleAfter, clock);
    }

    /** Now, with the default threshold: no index in these tests is stale. */
    private RemoteIndexLoader loader() {
        return loader(1, RemoteIndexLoader.DEFAULT_STALE_INDEX_AGE, Clock.systemUTC());
    }

    /** A clock {@code ahead} in the future, so that every index stored now looks that old. */
    private static Clock later(Duration ahead) {
        return Clock.fixed(Instant.now().plus(ahead), ZoneOffset.UTC);
    }

    private String key(Generation generation) {
        return layout.indexKey(tenant, timeline, generation);
    }

    private void put(String key, byte[] bytes) throws RemoteStorageException {
        storage.put(key, new ByteArrayInputStream(bytes), bytes.length, PutOptions.DEFAULT, NONE);
    }

    /**
     * Stores an index for {@code generation} whose layer and disk-consistent LSN name that generation, so a test
     * can tell from the content which object was read.
     */
    private void putIndex(Generation generation) throws RemoteStorageException {
        long marker = generation.isNone() ? 1 : generation.value() + 2;
        String json = """
                {"version":15,"layer_metadata":{"%s":{"file_size":%d%s}},"disk_consistent_lsn":"%s"}
                """.formatted(LAYER, marker, generation.isNone() ? "" : ",\"generation\":" + generation.value(),
                Lsn.of(marker << 24));
        put(key(generation), json.getBytes(StandardCharsets.UTF_8));
    }

    private static Generation gen(long value) {
        return Generation.of(value);
    }

    private LoadedIndex loadExpectingIndex(RemoteIndexLoader loader, Generation own) throws Exception {
        Optional<LoadedIndex> loaded = loader.load(tenant, timeline, own, NONE);
        assertTrue(loaded.isPresent(), "no index found for generation " + own);
        return loaded.get();
    }

    private void assertLoaded(LoadedIndex loaded, Generation expected) {
        assertEquals(expected, loaded.generation());
        assertEquals(key(expected), loaded.key());
        long marker = expected.isNone() ? 1 : expected.value() + 2;
        assertEquals(Lsn.of(marker << 24), loaded.index().diskConsistentLsn(), "content of " + loaded.key());
        assertEquals(expected, loaded.index().layers().firstEntry().getValue().generation());
    }

    @Test
    void theOwnGenerationsIndexComesFirst() throws Exception {
        putIndex(gen(3));
        putIndex(gen(4));
        putIndex(gen(5));
        assertLoaded(loadExpectingIndex(loader(), gen(5)), gen(5));
        assertEquals(1, storage.attempts(Operation.GET), "one probe");
        assertEquals(0, storage.attempts(Operation.LIST), "no listing on the fast path");
    }

    @Test
    void thePreviousGenerationsIndexWhenOurOwnIsAbsent() throws Exception {
        putIndex(gen(2));
        putIndex(gen(6));
        assertLoaded(loadExpectingIndex(loader(), gen(7)), gen(6));
        assertEquals(2, storage.attempts(Operation.GET));
        assertEquals(0, storage.attempts(Operation.LIST), "no listing on the fast path");
    }

    @Test
    void otherwiseTheHighestGenerationAtOrBelowOursFromAListing() throws Exception {
        putIndex(Generation.NONE);
        putIndex(gen(3));
        putIndex(gen(7));
        putIndex(gen(12));
        putIndex(gen(0x1_0000));
        assertLoaded(loadExpectingIndex(loader(), gen(10)), gen(7));
        assertEquals(1, storage.attempts(Operation.LIST));
        assertEquals(3, storage.attempts(Operation.GET), "generations 10 and 9 probed, then 7 read");
    }

    @Test
    void anIndexFromANewerGenerationIsNeverUsed() throws Exception {
        putIndex(gen(4));
        putIndex(gen(6));
        putIndex(gen(9));
        assertLoaded(loadExpectingIndex(loader(), gen(5)), gen(4));
    }

    @Test
    void onlyNewerGenerationsMeansThisAttachmentIsStale() throws Exception {
        putIndex(gen(6));
        putIndex(gen(9));
        RemoteIndexException.OnlyNewerGenerations error = assertThrows(
                RemoteIndexException.OnlyNewerGenerations.class, () -> loader().load(tenant, timeline, gen(5), NONE));
        assertEquals(java.util.List.of(key(gen(6)), key(gen(9))), error.newerKeys());
        assertTrue(error.getMessage().contains(key(gen(9))), error.getMessage());
        assertThrows(RemoteIndexException.OnlyNewerGenerations.class,
                () -> loader().load(tenant, timeline, Generation.NONE, NONE), "without generations too");
    }

    @Test
    void theLegacyKeyComesLast() throws Exception {
        putIndex(Generation.NONE);
        putIndex(gen(8));
        LoadedIndex loaded = loadExpectingIndex(loader(), gen(5));
        assertLoaded(loaded, Generation.NONE);
        assertTrue(loaded.key().endsWith("/index_part.json"), loaded.key());
    }

    @Test
    void generationZeroFindsTheLegacyKeyAsItsPreviousGeneration() throws Exception {
        putIndex(Generation.NONE);
        assertLoaded(loadExpectingIndex(loader(), gen(0)), Generation.NONE);
        assertEquals(0, storage.attempts(Operation.LIST));
    }

    @Test
    void anAttachmentWithoutGenerationsReadsOnlyTheLegacyKey() throws Exception {
        putIndex(Generation.NONE);
        putIndex(gen(1));
        assertLoaded(loadExpectingIndex(loader(), Generation.NONE), Generation.NONE);
        assertEquals(0, storage.attempts(Operation.LIST));
    }

    @Test
    void noIndexAtAllIsEmptyAndOtherKeysDoNotCount() throws Exception {
        String timelinePrefix = layout.timelinePrefix(tenant, timeline);
        put(timelinePrefix + "index_part.json.tmp", "{}".getBytes(StandardCharsets.UTF_8));
        put(timelinePrefix + "index_part.json-0000000z", "{}".getBytes(StandardCharsets.UTF_8));
        put(timelinePrefix + LAYER + "-00000003", new byte[] {1, 2, 3});
        put(layout.indexKey(tenant, TimelineId.random(), gen(3)), "{}".getBytes(StandardCharsets.UTF_8));
        assertEquals(Optional.empty(), loader().load(tenant, timeline, gen(5), NONE));
        assertEquals(Optional.empty(), loader().load(tenant, timeline, Generation.NONE, NONE));
    }

    @Test
    void aStaleIndexIsRefusedWhenANewerGenerationsIndexExists() throws Exception {
        putIndex(gen(4));
        putIndex(gen(7));
        Clock fifteenDaysLater = later(Duration.ofDays(15));
        RemoteIndexException.NewerIndexExists error = assertThrows(RemoteIndexException.NewerIndexExists.class,
                () -> loader(1, RemoteIndexLoader.DEFAULT_STALE_INDEX_AGE, fifteenDaysLater)
                        .load(tenant, timeline, gen(5), NONE));
        assertEquals(key(gen(4)), error.key());
        assertEquals(key(gen(7)), error.newerKey());
        assertEquals(gen(7), error.newerGeneration());
        assertTrue(error.getMessage().contains(key(gen(4))) && error.getMessage().contains(key(gen(7))),
                error.getMessage());
    }

    @Test
    void theThresholdIsConfigurable() throws Exception {
        putIndex(gen(4));
        putIndex(gen(7));
        Duration hour = Duration.ofHours(1);
        assertLoaded(loadExpectingIndex(loader(1, hour, later(Duration.ofMinutes(30))), gen(5)), gen(4));
        assertThrows(RemoteIndexException.NewerIndexExists.class,
                () -> loader(1, hour, later(Duration.ofHours(2))).load(tenant, timeline, gen(5), NONE));
        assertLoaded(loadExpectingIndex(loader(1, hour, later(Duration.ofDays(-1))), gen(5)), gen(4));
        assertThrows(IllegalArgumentException.class, () -> loader(1, Duration.ZERO, Clock.systemUTC()));
    }

    @Test
    void aStaleIndexThatIsTheLatestIsLoaded() throws Exception {
        putIndex(gen(2));
        putIndex(gen(4));
        LoadedIndex loaded = loadExpectingIndex(loader(1, RemoteIndexLoader.DEFAULT_STALE_INDEX_AGE,
                later(Duration.ofDays(400))), gen(5));
        assertLoaded(loaded, gen(4));
    }

    @Test
    void aStaleLegacyIndexIsRefusedWhenAnyGenerationsIndexIsNewer() throws Exception {
        putIndex(Generation.NONE);
        putIndex(gen(9));
        RemoteIndexException.NewerIndexExists error = assertThrows(RemoteIndexException.NewerIndexExists.class,
                () -> loader(1, RemoteIndexLoader.DEFAULT_STALE_INDEX_AGE, later(Duration.ofDays(15)))
                        .load(tenant, timeline, gen(5), NONE));
        assertEquals(key(Generation.NONE), error.key());
        assertEquals(key(gen(9)), error.newerKey());
    }

    @Test
    void aMalformedIndexErrorNamesItsKey() throws Exception {
        putIndex(gen(3));
        put(key(gen(5)), "{\"version\":15,\"layer_metadata\":{},\"disk_consistent_lsn\":\"0/XYZ\"}"
                .getBytes(StandardCharsets.UTF_8));
        RemoteIndexException.Malformed error = assertThrows(RemoteIndexException.Malformed.class,
                () -> loader().load(tenant, timeline, gen(5), NONE));
        assertEquals(key(gen(5)), error.key());
        assertTrue(error.getMessage().contains(key(gen(5))), error.getMessage());
        assertTrue(error.getMessage().contains("disk_consistent_lsn") && error.getMessage().contains("0/XYZ"),
                error.getMessage());
        put(key(gen(5)), "{\"version\":15,".getBytes(StandardCharsets.UTF_8));
        RemoteIndexException.Malformed truncated = assertThrows(RemoteIndexException.Malformed.class,
                () -> loader().load(tenant, timeline, gen(6), NONE), "found through the previous generation");
        assertTrue(truncated.getMessage().contains(key(gen(5))) && truncated.getMessage().contains("line 1"),
                truncated.getMessage());
    }

    @Test
    void aDeletionTombstoneIsReturnedForTheCallerToAct() throws Exception {
        put(key(gen(2)), ("{\"version\":15,\"layer_metadata\":{},\"disk_consistent_lsn\":\"0/1\","
                + "\"deleted_at\":\"2024-07-19T09:00:00.123\"}").getBytes(StandardCharsets.UTF_8));
        LoadedIndex loaded = loadExpectingIndex(loader(), gen(3));
        assertTrue(loaded.deleted());
        assertEquals(Instant.parse("2024-07-19T09:00:00.123Z"), loaded.index().deletedAt());
    }

    @Test
    void storageErrorsAreNotTakenForAMissingIndex() throws Exception {
        putIndex(gen(4));
        putIndex(gen(5));
        storage.setFaults(Faults.NONE.withFailFirst(Operation.GET, 1));
        RemoteStorageException error = assertThrows(RemoteStorageException.class,
                () -> loader(1, RemoteIndexLoader.DEFAULT_STALE_INDEX_AGE, Clock.systemUTC())
                        .load(tenant, timeline, gen(5), NONE), TestSeeds.describe(seed));
        assertInstanceOf(RemoteStorageException.Transient.class, error, TestSeeds.describe(seed));
        assertEquals(1, storage.attempts(Operation.GET), "no fallback to an older generation after an error");
        storage.setFaults(Faults.NONE.withFailFirst(Operation.GET, 1));
        assertLoaded(loadExpectingIndex(loader(3, RemoteIndexLoader.DEFAULT_STALE_INDEX_AGE, Clock.systemUTC()),
                gen(5)), gen(5));
    }

    @Test
    void cancellationAndTheDeadlineEndTheSearch() throws Exception {
        putIndex(gen(1));
        CancellationSource cancelled = new CancellationSource();
        cancelled.cancel();
        assertThrows(RemoteStorageException.Cancelled.class, () -> loader().load(tenant, timeline, gen(9),
                new CallContext(cancelled, Deadline.NONE)));
        assertThrows(RemoteStorageException.Timeout.class, () -> loader().load(tenant, timeline, gen(9),
                new CallContext(new CancellationSource(), Deadline.after(Duration.ZERO))));
        assertFalse(loader().load(tenant, timeline, gen(9), NONE).isEmpty());
    }

    @Test
    void previousOfGenerationZeroIsNone() {
        assertEquals(Generation.NONE, RemoteIndexLoader.previous(gen(0)));
        assertEquals(gen(6), RemoteIndexLoader.previous(gen(7)));
        assertEquals(Generation.NONE, RemoteIndexLoader.previous(Generation.NONE));
    }
}

package dev.strata.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.remote.ByteRange;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.Cancellation;
import dev.strata.api.remote.CancellationSource;
import dev.strata.api.remote.Capability;
import dev.strata.api.remote.Deadline;
import dev.strata.api.remote.DeleteResult;
import dev.strata.api.remote.ListPage;
import dev.strata.api.remote.ListRequest;
import dev.strata.api.remote.ObjectContent;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.api.remote.PutOptions;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * The contract of {@link RemoteStorage}, as tests. A backend's test class extends this, returns its storage from
 * {@link #storage()} and the capabilities it promises from {@link #expectedCapabilities()}. Every test works
 * under its own random key prefix and deletes what it wrote, so one bucket or server can serve the whole run.
 *
 * <p>Capabilities: the suite first checks that the backend reports exactly what the test class promises, then
 * tests each optional behaviour either way: with the capability the behaviour itself, without it the declared
 * refusal ({@link RemoteStorageException.Permanent} and no effect). Nothing is skipped.
 *
 * <p>Random data comes from one seed per test, printed with every failure.
 */
public abstract class RemoteStorageContract {
    private static final CallContext NONE = CallContext.NONE;

    private String prefix;
    private long seed;
    private Random random;
    private String testName;

    /** The storage under test; the same instance for every call of one test. */
    protected abstract RemoteStorage storage();

    /** The capabilities this backend must report. */
    protected abstract Set<Capability> expectedCapabilities();

    /** The batch-delete size this backend must report. */
    protected abstract int expectedMaxKeysPerDelete();

    /** Size of the "large object" test; a backend with multipart uploads sets its threshold below it. */
    protected int largeObjectSize() {
        return 6 * 1024 * 1024 + 4321;
    }

    /**
     * Whether an object and objects "below" it can coexist ({@code a} and {@code a/b}), as on S3, Azure and localfs.
     * Only a test server that stores objects as files (S3Proxy's jclouds stores, for one) returns false, and the
     * contract then checks that the refused put fails with an error and leaves the existing object intact, and keeps
     * such pairs out of the other tests.
     */
    protected boolean keysMayBeDirectoryPrefixesOfOtherKeys() {
        return true;
    }

    /** The names without those that would be directory prefixes of others, if the store cannot hold both. */
    private List<String> storable(List<String> names) {
        if (keysMayBeDirectoryPrefixesOfOtherKeys()) {
            return names;
        }
        return names.stream().filter(name -> names.stream().noneMatch(other -> other.startsWith(name + "/"))).toList();
    }

    /** How many keys the paging test lists; more than two pages of {@link ListRequest#MAX_KEYS}. */
    protected int listingKeyCount() {
        return 2 * ListRequest.MAX_KEYS + 37;
    }

    @BeforeEach
    final void choosePrefix(TestInfo info) {
        seed = new Random().nextLong();
        random = new Random(seed);
        prefix = "contract-" + UUID.randomUUID() + "/";
        testName = getClass().getSimpleName() + "." + info.getDisplayName();
    }

    /** Names the prefix and seed of a failed test, so its keys can be inspected and its data regenerated. */
    @RegisterExtension
    final TestExecutionExceptionHandler reportSeed = (context, failure) -> {
        String message = testName + " failed under prefix " + prefix + " with seed " + seed;
        System.err.println(message);
        failure.addSuppressed(new AssertionError(message));
        throw failure;
    };

    @AfterEach
    final void deleteEverythingUnderPrefix() throws RemoteStorageException {
        List<String> keys = listAll(ListRequest.all(prefix));
        for (DeleteResult result : storage().deleteBatch(keys, NONE)) {
            assertTrue(result.isDeleted(), "cleanup could not delete " + result);
        }
    }

    /** A key under this test's prefix. */
    protected final String key(String name) {
        return prefix + name;
    }

    /** {@code size} random bytes from the test's seed. */
    protected final byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return bytes;
    }

    protected final ObjectMetadata put(String key, byte[] data) throws RemoteStorageException {
        return storage().put(key, new ByteArrayInputStream(data), data.length, PutOptions.DEFAULT, NONE);
    }

    protected final byte[] get(String key, ByteRange range) throws IOException {
        try (ObjectContent content = storage().get(key, range, Optional.empty(), NONE)) {
            byte[] bytes = content.stream().readAllBytes();
            assertEquals(content.length(), bytes.length, "length of " + key + " " + range + " (seed " + seed + ")");
            return bytes;
        }
    }

    private List<String> listAll(ListRequest first) throws RemoteStorageException {
        List<String> keys = new ArrayList<>();
        ListRequest request = first;
        while (true) {
            ListPage page = storage().list(request, NONE);
            page.objects().forEach(object -> keys.add(object.key()));
            keys.addAll(page.commonPrefixes());
            if (page.isLast()) {
                return keys;
            }
            request = request.next(page);
        }
    }

    private static List<String> sortedByUtf8(List<String> keys) {
        return keys.stream().sorted((left, right) -> Arrays.compareUnsigned(
                left.getBytes(StandardCharsets.UTF_8), right.getBytes(StandardCharsets.UTF_8))).toList();
    }

    // ---------------------------------------------------------------- capabilities

    @Test
    public void reportsTheCapabilitiesTheBackendPromises() {
        assertEquals(expectedCapabilities(), storage().capabilities());
        assertEquals(expectedMaxKeysPerDelete(), storage().maxKeysPerDelete());
    }

    // ---------------------------------------------------------------- put, head, get

    @Test
    public void putThenHeadAndGetReturnTheSameBytesAndMetadata() throws IOException {
        byte[] data = randomBytes(10_000);
        ObjectMetadata written = put(key("object"), data);
        assertEquals(key("object"), written.key());
        assertEquals(data.length, written.size());

        ObjectMetadata head = storage().head(key("object"), NONE);
        assertEquals(written.size(), head.size());
        assertEquals(written.etag(), head.etag());
        assertArrayEquals(data, get(key("object"), ByteRange.WHOLE));
    }

    @Test
    public void emptyObjectRoundTrips() throws IOException {
        put(key("empty"), new byte[0]);
        assertEquals(0, storage().head(key("empty"), NONE).size());
        assertArrayEquals(new byte[0], get(key("empty"), ByteRange.WHOLE));
        assertArrayEquals(new byte[0], get(key("empty"), ByteRange.tail(10)));
    }

    @Test
    public void largeObjectRoundTrips() throws IOException {
        byte[] data = randomBytes(largeObjectSize());
        ObjectMetadata written = put(key("large"), data);
        assertEquals(data.length, written.size());
        assertEquals(data.length, storage().head(key("large"), NONE).size());
        assertArrayEquals(data, get(key("large"), ByteRange.WHOLE));
        int offset = data.length / 2 + 7;
        assertArrayEquals(Arrays.copyOfRange(data, offset, offset + 100_000), get(key("large"), ByteRange.of(offset, 100_000)));
    }

    @Test
    public void overwriteReplacesTheObjectAndChangesTheEtag() throws IOException {
        ObjectMetadata first = put(key("object"), randomBytes(100));
        byte[] second = randomBytes(200);
        ObjectMetadata replaced = put(key("object"), second);
        assertNotEquals(first.etag(), replaced.etag());
        assertEquals(200, storage().head(key("object"), NONE).size());
        assertArrayEquals(second, get(key("object"), ByteRange.WHOLE));
    }

    @Test
    public void rangesAndTailsAreClippedToTheObject() throws IOException {
        byte[] data = randomBytes(1000);
        put(key("ranged"), data);
        assertArrayEquals(Arrays.copyOfRange(data, 10, 20), get(key("ranged"), ByteRange.of(10, 10)));
        assertArrayEquals(Arrays.copyOfRange(data, 990, 1000), get(key("ranged"), ByteRange.of(990, 100)));
        assertArrayEquals(new byte[0], get(key("ranged"), ByteRange.of(1000, 10)));
        assertArrayEquals(new byte[0], get(key("ranged"), ByteRange.of(5000, 10)));
        assertArrayEquals(Arrays.copyOfRange(data, 900, 1000), get(key("ranged"), ByteRange.tail(100)));
        assertArrayEquals(data, get(key("ranged"), ByteRange.tail(5000)));
        assertArrayEquals(new byte[0], get(key("ranged"), ByteRange.of(0, 0)));
        try (ObjectContent content = storage().get(key("ranged"), ByteRange.tail(100), Optional.empty(), NONE)) {
            assertEquals(900, content.offset());
            assertEquals(100, content.length());
            assertEquals(1000, content.metadata().size(), "metadata gives the whole object's size");
            content.stream().readAllBytes();
        }
    }

    @Test
    public void missingObjectsAreNotFoundAndDeletingThemSucceeds() throws RemoteStorageException {
        RemoteStorageException.NotFound head = assertThrows(RemoteStorageException.NotFound.class,
                () -> storage().head(key("missing"), NONE));
        assertEquals(Optional.of(key("missing")), head.key());
        assertThrows(RemoteStorageException.NotFound.class,
                () -> storage().get(key("missing"), ByteRange.WHOLE, Optional.empty(), NONE));
        assertThrows(RemoteStorageException.NotFound.class,
                () -> storage().copy(key("missing"), key("target"), NONE));
        assertThrows(RemoteStorageException.NotFound.class, () -> storage().head(key("target"), NONE));
        storage().delete(key("missing"), NONE);
        storage().delete(key("missing"), NONE);
    }

    @Test
    public void deleteRemovesTheObjectAndIsIdempotent() throws IOException {
        put(key("doomed"), randomBytes(10));
        storage().delete(key("doomed"), NONE);
        assertThrows(RemoteStorageException.NotFound.class, () -> storage().head(key("doomed"), NONE));
        storage().delete(key("doomed"), NONE);
        assertEquals(List.of(), listAll(ListRequest.all(prefix)));
    }

    @Test
    public void keysWithSlashesAndUnicodeRoundTripExactly() throws IOException {
        List<String> names = storable(List.of("a/b/c", "a/b", "a", "ünïcödé/日本語/😀", "with space/and%percent", "a%/b%25",
                "tenants/0123456789abcdef0123456789abcdef/timelines/x/index_part.json-00000001",
                "x".repeat(200) + "/" + "y".repeat(200)));
        for (String name : names) {
            put(key(name), name.getBytes(StandardCharsets.UTF_8));
        }
        for (String name : names) {
            assertArrayEquals(name.getBytes(StandardCharsets.UTF_8), get(key(name), ByteRange.WHOLE), name);
            assertEquals(key(name), storage().head(key(name), NONE).key());
        }
        List<String> expected = sortedByUtf8(names.stream().map(this::key).toList());
        assertEquals(expected, listAll(ListRequest.all(prefix)));
    }

    @Test
    public void aKeyAndKeysBelowItFollowTheDeclaredBehaviour() throws IOException {
        byte[] parent = randomBytes(10);
        put(key("p"), parent);
        if (keysMayBeDirectoryPrefixesOfOtherKeys()) {
            byte[] child = randomBytes(11);
            put(key("p/child"), child);
            assertArrayEquals(parent, get(key("p"), ByteRange.WHOLE));
            assertArrayEquals(child, get(key("p/child"), ByteRange.WHOLE));
            assertEquals(List.of(key("p"), key("p/child")), listAll(ListRequest.all(prefix)));
        } else {
            assertThrows(RemoteStorageException.class, () -> put(key("p/child"), randomBytes(11)));
            assertArrayEquals(parent, get(key("p"), ByteRange.WHOLE), "the refused put left the object intact");
        }
    }

    @Test
    public void putRejectsDataOfTheWrongLengthAndStoresNothing() throws RemoteStorageException {
        byte[] data = randomBytes(100);
        assertThrows(RemoteStorageException.Permanent.class, () -> storage().put(key("short"),
                new ByteArrayInputStream(data), 101, PutOptions.DEFAULT, NONE));
        assertThrows(RemoteStorageException.Permanent.class, () -> storage().put(key("long"),
                new ByteArrayInputStream(data), 99, PutOptions.DEFAULT, NONE));
        assertThrows(RemoteStorageException.NotFound.class, () -> storage().head(key("short"), NONE));
        assertThrows(RemoteStorageException.NotFound.class, () -> storage().head(key("long"), NONE));
        assertEquals(List.of(), listAll(ListRequest.all(prefix)), "no temp or partial object is listed");
    }

    @Test
    public void invalidKeysAreRejectedBeforeAnyCall() {
        for (String bad : List.of("", "/leading", "trailing/", "double//slash", "a/./b", "a/../b", "nul\u0000")) {
            assertThrows(IllegalArgumentException.class, () -> storage().head(bad, NONE), bad);
            assertThrows(IllegalArgumentException.class, () -> storage().put(bad, InputStream.nullInputStream(), 0,
                    PutOptions.DEFAULT, NONE), bad);
        }
    }

    // ---------------------------------------------------------------- conditional put and get

    @Test
    public void putIfAbsentFollowsTheDeclaredCapability() throws IOException {
        byte[] original = randomBytes(50);
        if (storage().capabilities().contains(Capability.CONDITIONAL_PUT)) {
            storage().put(key("once"), new ByteArrayInputStream(original), original.length, PutOptions.IF_ABSENT, NONE);
            RemoteStorageException.AlreadyExists exists = assertThrows(RemoteStorageException.AlreadyExists.class,
                    () -> storage().put(key("once"), new ByteArrayInputStream(randomBytes(60)), 60, PutOptions.IF_ABSENT, NONE));
            assertEquals(Optional.of(key("once")), exists.key());
            assertArrayEquals(original, get(key("once"), ByteRange.WHOLE), "the existing object is unchanged");
        } else {
            assertThrows(RemoteStorageException.Permanent.class, () -> storage().put(key("once"),
                    new ByteArrayInputStream(original), original.length, PutOptions.IF_ABSENT, NONE));
            assertThrows(RemoteStorageException.NotFound.class, () -> storage().head(key("once"), NONE),
                    "a refused conditional put writes nothing");
        }
    }

    @Test
    public void concurrentPutsIfAbsentHaveExactlyOneWinner() throws Exception {
        if (!storage().capabilities().contains(Capability.CONDITIONAL_PUT)) {
            assertThrows(RemoteStorageException.Permanent.class, () -> storage().put(key("race"),
                    InputStream.nullInputStream(), 0, PutOptions.IF_ABSENT, NONE));
            return;
        }
        int writers = 8;
        for (int round = 0; round < 3; round++) {
            String key = key("race-" + round);
            CountDownLatch start = new CountDownLatch(1);
            AtomicInteger winners = new AtomicInteger();
            AtomicInteger losers = new AtomicInteger();
            byte[][] payloads = new byte[writers][];
            for (int i = 0; i < writers; i++) {
                payloads[i] = ("writer " + i + " of round " + round).getBytes(StandardCharsets.UTF_8);
            }
            try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<Integer>> results = new ArrayList<>();
                for (int i = 0; i < writers; i++) {
                    int writer = i;
                    results.add(executor.submit(() -> {
                        start.await();
                        try {
                            storage().put(key, new ByteArrayInputStream(payloads[writer]), payloads[writer].length,
                                    PutOptions.IF_ABSENT, NONE);
                            winners.incrementAndGet();
                            return writer;
                        } catch (RemoteStorageException.AlreadyExists e) {
                            losers.incrementAndGet();
                            return -1;
                        }
                    }));
                }
                start.countDown();
                int winner = -1;
                for (Future<Integer> result : results) {
                    int value = result.get(60, TimeUnit.SECONDS);
                    if (value >= 0) {
                        winner = value;
                    }
                }
                assertEquals(1, winners.get(), "round " + round);
                assertEquals(writers - 1, losers.get(), "round " + round);
                assertArrayEquals(payloads[winner], get(key, ByteRange.WHOLE), "the winner's bytes are stored");
            }
        }
    }

    @Test
    public void getIfMatchFollowsTheDeclaredCapability() throws IOException {
        byte[] first = randomBytes(30);
        ObjectMetadata written = put(key("versioned"), first);
        if (storage().capabilities().contains(Capability.CONDITIONAL_GET)) {
            try (ObjectContent content = storage().get(key("versioned"), ByteRange.WHOLE, Optional.of(written.etag()), NONE)) {
                assertArrayEquals(first, content.stream().readAllBytes());
            }
            put(key("versioned"), randomBytes(31));
            assertThrows(RemoteStorageException.PreconditionFailed.class,
                    () -> storage().get(key("versioned"), ByteRange.WHOLE, Optional.of(written.etag()), NONE));
        } else {
            assertThrows(RemoteStorageException.Permanent.class,
                    () -> storage().get(key("versioned"), ByteRange.WHOLE, Optional.of(written.etag()), NONE));
        }
    }

    // ---------------------------------------------------------------- listing

    @Test
    public void listingWithoutDelimiterReturnsEveryKeyUnderThePrefixInByteOrder() throws IOException {
        List<String> names = storable(List.of("ab", "abc", "ab/x", "ab/y/z", "b", "aa", "a"));
        for (String name : names) {
            put(key(name), new byte[] {1});
        }
        assertEquals(sortedByUtf8(names.stream().map(this::key).toList()), listAll(ListRequest.all(prefix)));
        assertEquals(storable(List.of("ab", "ab/x", "ab/y/z", "abc")).stream().map(this::key).toList(),
                listAll(ListRequest.all(key("ab"))), "a prefix may end mid-segment");
        assertEquals(List.of(key("ab/x"), key("ab/y/z")), listAll(ListRequest.all(key("ab/"))));
        assertEquals(List.of(), listAll(ListRequest.all(key("nothing"))));
        ListPage page = storage().list(ListRequest.all(key("ab/x")), NONE);
        assertEquals(1, page.objects().size());
        assertEquals(1, page.objects().getFirst().size());
        assertTrue(page.isLast());
    }

    @Test
    public void listingWithDelimiterRollsUpCommonPrefixes() throws IOException {
        for (String name : List.of("a", "dir/one", "dir/two", "dir/sub/three", "dir2/four", "file")) {
            put(key(name), new byte[] {2});
        }
        ListPage top = storage().list(ListRequest.children(prefix), NONE);
        assertEquals(List.of(key("a"), key("file")), top.objects().stream().map(ObjectMetadata::key).toList());
        assertEquals(List.of(key("dir/"), key("dir2/")), top.commonPrefixes());
        ListPage dir = storage().list(ListRequest.children(key("dir/")), NONE);
        assertEquals(List.of(key("dir/one"), key("dir/two")), dir.objects().stream().map(ObjectMetadata::key).toList());
        assertEquals(List.of(key("dir/sub/")), dir.commonPrefixes());
        ListPage partial = storage().list(ListRequest.children(key("di")), NONE);
        assertEquals(List.of(key("dir/"), key("dir2/")), partial.commonPrefixes());
        assertEquals(List.of(), partial.objects());
    }

    @Test
    public void listingPagesVisitEveryKeyOnceAcrossThousandsOfKeys() throws Exception {
        int count = listingKeyCount();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            keys.add(key(String.format("many/%05d", i)));
        }
        try (ExecutorService executor = Executors.newFixedThreadPool(16)) {
            List<Future<ObjectMetadata>> puts = new ArrayList<>();
            for (String key : keys) {
                puts.add(executor.submit(() -> put(key, new byte[0])));
            }
            for (Future<ObjectMetadata> put : puts) {
                put.get(120, TimeUnit.SECONDS);
            }
        }
        List<String> listed = new ArrayList<>();
        ListRequest request = ListRequest.all(key("many/"));
        int pages = 0;
        while (true) {
            ListPage page = storage().list(request, NONE);
            pages++;
            assertTrue(page.objects().size() <= ListRequest.MAX_KEYS);
            page.objects().forEach(object -> listed.add(object.key()));
            if (page.isLast()) {
                break;
            }
            request = request.next(page);
        }
        assertEquals(keys, listed);
        assertEquals((count + ListRequest.MAX_KEYS - 1) / ListRequest.MAX_KEYS, pages);

        List<String> small = new ArrayList<>();
        ListRequest smallPages = ListRequest.all(key("many/")).withMaxKeys(7);
        for (int i = 0; i < 3; i++) {
            ListPage page = storage().list(smallPages, NONE);
            assertEquals(7, page.objects().size());
            assertFalse(page.isLast());
            page.objects().forEach(object -> small.add(object.key()));
            smallPages = smallPages.next(page);
        }
        assertEquals(keys.subList(0, 21), small);
    }

    @Test
    public void pagingWithDelimiterNeverSplitsACommonPrefix() throws IOException {
        List<String> names = List.of("a", "b/1", "b/2", "b/3", "c", "d/1", "e");
        for (String name : names) {
            put(key(name), new byte[0]);
        }
        List<String> entries = new ArrayList<>();
        ListRequest request = ListRequest.children(prefix).withMaxKeys(2);
        while (true) {
            ListPage page = storage().list(request, NONE);
            assertTrue(page.objects().size() + page.commonPrefixes().size() <= 2);
            TreeMap<String, String> ordered = new TreeMap<>();
            page.objects().forEach(object -> ordered.put(object.key(), object.key()));
            page.commonPrefixes().forEach(common -> ordered.put(common, common));
            entries.addAll(ordered.keySet());
            if (page.isLast()) {
                break;
            }
            request = request.next(page);
        }
        assertEquals(List.of(key("a"), key("b/"), key("c"), key("d/"), key("e")), entries);
    }

    // ---------------------------------------------------------------- batch delete and copy

    @Test
    public void batchDeleteLargerThanOneRequestWithMissingKeysDeletesEverything() throws Exception {
        int count = storage().maxKeysPerDelete() + 17;
        List<String> keys = new ArrayList<>();
        try (ExecutorService executor = Executors.newFixedThreadPool(16)) {
            List<Future<ObjectMetadata>> puts = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String key = key(String.format("batch/%05d", i));
                keys.add(key);
                if (i % 5 != 0) {
                    puts.add(executor.submit(() -> put(key, new byte[] {3})));
                }
            }
            for (Future<ObjectMetadata> put : puts) {
                put.get(120, TimeUnit.SECONDS);
            }
        }
        keys.add(keys.getFirst());
        List<DeleteResult> results = storage().deleteBatch(keys, NONE);
        assertEquals(keys, results.stream().map(DeleteResult::key).toList(), "one result per key, in order");
        for (DeleteResult result : results) {
            assertTrue(result.isDeleted(), result.toString());
        }
        assertEquals(List.of(), listAll(ListRequest.all(key("batch/"))));
        assertEquals(List.of(), storage().deleteBatch(List.of(), NONE));
    }

    @Test
    public void copyMakesAnIndependentObject() throws IOException {
        byte[] data = randomBytes(5000);
        put(key("source"), data);
        put(key("target"), randomBytes(10));
        ObjectMetadata copied = storage().copy(key("source"), key("target"), NONE);
        assertEquals(key("target"), copied.key());
        assertEquals(data.length, copied.size());
        assertArrayEquals(data, get(key("target"), ByteRange.WHOLE));
        storage().delete(key("source"), NONE);
        assertArrayEquals(data, get(key("target"), ByteRange.WHOLE), "the copy outlives its source");
    }

    @Test
    public void copyOntoItselfIsAllowedAndLeavesTheBytes() throws IOException {
        byte[] data = randomBytes(3000);
        put(key("self"), data);
        ObjectMetadata copied = storage().copy(key("self"), key("self"), NONE);
        assertEquals(key("self"), copied.key());
        assertEquals(data.length, copied.size());
        assertArrayEquals(data, get(key("self"), ByteRange.WHOLE));
    }

    // ---------------------------------------------------------------- cancellation and deadlines

    @Test
    public void cancelledAndExpiredCallsHaveNoEffect() throws IOException {
        CancellationSource cancelled = new CancellationSource();
        cancelled.cancel();
        CallContext cancelledContext = new CallContext(cancelled, Deadline.NONE);
        CallContext expired = new CallContext(Cancellation.NEVER, Deadline.after(Duration.ZERO));
        byte[] data = randomBytes(10);

        assertThrows(RemoteStorageException.Cancelled.class, () -> storage().put(key("never"),
                new ByteArrayInputStream(data), data.length, PutOptions.DEFAULT, cancelledContext));
        assertThrows(RemoteStorageException.Timeout.class, () -> storage().put(key("never"),
                new ByteArrayInputStream(data), data.length, PutOptions.DEFAULT, expired));
        assertThrows(RemoteStorageException.NotFound.class, () -> storage().head(key("never"), NONE));

        put(key("kept"), data);
        assertThrows(RemoteStorageException.Cancelled.class, () -> storage().delete(key("kept"), cancelledContext));
        assertThrows(RemoteStorageException.Timeout.class, () -> storage().delete(key("kept"), expired));
        assertThrows(RemoteStorageException.Cancelled.class, () -> storage().deleteBatch(List.of(key("kept")), cancelledContext));
        assertThrows(RemoteStorageException.Cancelled.class, () -> storage().copy(key("kept"), key("never"), cancelledContext));
        assertThrows(RemoteStorageException.Cancelled.class, () -> storage().list(ListRequest.all(prefix), cancelledContext));
        assertThrows(RemoteStorageException.Timeout.class, () -> storage().head(key("kept"), expired));
        assertThrows(RemoteStorageException.Timeout.class, () -> storage().get(key("kept"), ByteRange.WHOLE, Optional.empty(), expired));
        assertArrayEquals(data, get(key("kept"), ByteRange.WHOLE));
        assertThrows(RemoteStorageException.NotFound.class, () -> storage().head(key("never"), NONE));
    }

    @Test
    public void cancellingAPutInProgressLeavesNoObject() throws IOException {
        CancellationSource cancellation = new CancellationSource();
        int size = 4 * 1024 * 1024;
        InputStream cancelsHalfway = new SlowStream(size, size / 2, cancellation);
        assertThrows(RemoteStorageException.Cancelled.class, () -> storage().put(key("interrupted"), cancelsHalfway, size,
                PutOptions.DEFAULT, new CallContext(cancellation, Deadline.NONE)));
        assertThrows(RemoteStorageException.NotFound.class, () -> storage().head(key("interrupted"), NONE));
        assertEquals(List.of(), listAll(ListRequest.all(prefix)));
    }

    @Test
    public void cancellingAReadInProgressFailsTheStream() throws IOException {
        byte[] data = randomBytes(1024 * 1024);
        put(key("read"), data);
        CancellationSource cancellation = new CancellationSource();
        try (ObjectContent content = storage().get(key("read"), ByteRange.WHOLE, Optional.empty(),
                new CallContext(cancellation, Deadline.NONE))) {
            byte[] first = content.stream().readNBytes(1000);
            assertArrayEquals(Arrays.copyOf(data, 1000), first);
            cancellation.cancel();
            assertThrows(IOException.class, () -> content.stream().readAllBytes());
        }
    }

    /**
     * Produces zero bytes up to {@code size} and fires {@code cancellation} once {@code cancelAt} bytes were read,
     * then keeps producing so that only the backend's own check can stop the put.
     */
    private static final class SlowStream extends InputStream {
        private final long size;
        private final long cancelAt;
        private final CancellationSource cancellation;
        private long position;

        SlowStream(long size, long cancelAt, CancellationSource cancellation) {
            this.size = size;
            this.cancelAt = cancelAt;
            this.cancellation = cancellation;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : 0;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (position >= size) {
                return -1;
            }
            int count = (int) Math.min(Math.min(length, 8192), size - position);
            Arrays.fill(buffer, offset, offset + count, (byte) 0);
            position += count;
            if (position >= cancelAt) {
                cancellation.cancel();
            }
            return count;
        }
    }
}

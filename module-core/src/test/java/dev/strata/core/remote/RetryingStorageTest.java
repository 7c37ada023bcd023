package dev.strata.core.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.remote.ByteRange;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.Cancellation;
import dev.strata.api.remote.CancellationSource;
import dev.strata.api.remote.Deadline;
import dev.strata.api.remote.DeleteResult;
import dev.strata.api.remote.ObjectContent;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.PutOptions;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.api.remote.RemoteStorageProvider;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.testkit.FaultInjectingRemoteStorage;
import dev.strata.testkit.FaultInjectingRemoteStorage.Faults;
import dev.strata.testkit.FaultInjectingRemoteStorage.Operation;
import dev.strata.testkit.TestSeeds;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Core's retries against the localfs backend (found through ServiceLoader) behind the seeded fault injector:
 * which error classes are retried, how long the waits are, deadlines, cancellation and per-key batch errors.
 * Waits are recorded, not slept, except in the cancellation test.
 */
final class RetryingStorageTest {
    private static final CallContext NONE = CallContext.NONE;
    private static final RetryPolicy POLICY = new RetryPolicy(5, Duration.ofMillis(100), Duration.ofSeconds(10));

    @TempDir
    Path root;

    private final long seed = TestSeeds.seed();
    private final List<RetryEvent> events = new CopyOnWriteArrayList<>();
    private final List<Duration> waits = new CopyOnWriteArrayList<>();
    private RemoteStorage localfs;
    private FaultInjectingRemoteStorage faulty;

    @BeforeEach
    void open() throws RemoteStorageException {
        RemoteStorageProvider provider = ServiceLoader.load(RemoteStorageProvider.class).stream()
                .map(ServiceLoader.Provider::get).filter(candidate -> candidate.name().equals("localfs"))
                .findFirst().orElseThrow(() -> new AssertionError("ServiceLoader found no localfs provider"));
        localfs = provider.create(ProviderConfig.parse("remote_storage",
                Map.of("root", root.toString(), "fsync", "false"), provider.configKeys()));
        faulty = new FaultInjectingRemoteStorage(localfs, Faults.NONE, seed);
    }

    @AfterEach
    void close() {
        faulty.close();
    }

    private RetryingStorage retrying(RetryPolicy policy) {
        Sleeper recording = (delay, context, operation, key) -> waits.add(delay);
        return new RetryingStorage(faulty, policy, recording, new Random(seed), events::add);
    }

    private String why() {
        return TestSeeds.describe(seed) + ", waits " + waits;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private byte[] read(String key) throws IOException {
        try (ObjectContent content = localfs.get(key, ByteRange.WHOLE, Optional.empty(), NONE)) {
            return content.readAllBytes();
        }
    }

    @Test
    void transientFailuresAreRetriedWithGrowingJitteredWaitsAndTheDataIsReopened() throws IOException {
        faulty.setFaults(Faults.NONE.withFailFirst(Operation.PUT, 3));
        int[] opened = new int[1];
        byte[] data = bytes("payload that must be read again on every attempt");
        ContentSource source = () -> {
            opened[0]++;
            return new java.io.ByteArrayInputStream(data);
        };
        ObjectMetadata written = retrying(POLICY).put("a/b", source, data.length, PutOptions.DEFAULT, NONE);
        assertEquals(data.length, written.size());
        assertArrayEquals(data, read("a/b"));
        assertEquals(4, faulty.attempts(Operation.PUT), why());
        assertEquals(4, opened[0], "one fresh stream per attempt");
        assertEquals(3, waits.size(), why());
        for (int i = 0; i < waits.size(); i++) {
            Duration ceiling = Duration.ofMillis(100L << i);
            assertTrue(waits.get(i).compareTo(ceiling) <= 0, "wait " + i + " above " + ceiling + ": " + why());
        }
        assertEquals(List.of(1, 2, 3), events.stream().map(RetryEvent::failedAttempt).toList());
        assertTrue(events.stream().allMatch(event -> event.error() instanceof RemoteStorageException.Transient));
    }

    @Test
    void retriesStopAfterMaxAttemptsWithTheLastError() {
        faulty.setFaults(Faults.NONE.withFailFirst(Operation.HEAD, 100));
        RemoteStorageException.Transient failure = assertThrows(RemoteStorageException.Transient.class,
                () -> retrying(POLICY).head("k", NONE));
        assertTrue(failure.getMessage().contains("injected"), failure.getMessage());
        assertEquals(5, faulty.attempts(Operation.HEAD), why());
        assertEquals(4, waits.size(), why());
    }

    @Test
    void definiteAnswersAreNeverRetried() throws IOException {
        RetryingStorage storage = retrying(POLICY);
        assertThrows(RemoteStorageException.NotFound.class, () -> storage.head("missing", NONE));
        assertEquals(1, faulty.attempts(Operation.HEAD));
        storage.put("once", ContentSource.of(bytes("x")), 1, PutOptions.IF_ABSENT, NONE);
        assertThrows(RemoteStorageException.AlreadyExists.class,
                () -> storage.put("once", ContentSource.of(bytes("y")), 1, PutOptions.IF_ABSENT, NONE));
        assertThrows(RemoteStorageException.Permanent.class,
                () -> storage.put("short", ContentSource.of(bytes("y")), 5, PutOptions.DEFAULT, NONE));
        assertThrows(RemoteStorageException.PreconditionFailed.class,
                () -> storage.get("once", ByteRange.WHOLE, Optional.of("not-the-etag"), NONE));
        assertEquals(3, faulty.attempts(Operation.PUT));
        assertEquals(1, faulty.attempts(Operation.GET));
        assertEquals(List.of(), waits);
    }

    @Test
    void timeoutsAreRetriedOnlyForIdempotentCalls() throws IOException {
        faulty.setFaults(Faults.NONE.withTimeoutRate(1.0));
        RetryingStorage storage = retrying(POLICY);
        assertThrows(RemoteStorageException.Timeout.class,
                () -> storage.put("conditional", ContentSource.of(bytes("x")), 1, PutOptions.IF_ABSENT, NONE));
        assertEquals(1, faulty.attempts(Operation.PUT), "a put-if-absent with unknown effect is not retried: " + why());
        assertThrows(RemoteStorageException.Timeout.class,
                () -> storage.put("plain", ContentSource.of(bytes("x")), 1, PutOptions.DEFAULT, NONE));
        assertEquals(1 + 5, faulty.attempts(Operation.PUT), why());
        assertThrows(RemoteStorageException.Timeout.class, () -> storage.delete("plain", NONE));
        assertEquals(5, faulty.attempts(Operation.DELETE), why());
    }

    @Test
    void attemptFailpointsFailOrSlowAttemptsBeforeTheBackendAndTheRetriesAbsorbThem() throws IOException {
        Failpoints points = Failpoints.create();
        RetryingStorage storage = retrying(POLICY).withFailpoints(points);
        points.configure(RetryingStorage.FAILPOINT_ATTEMPT_TRANSIENT, "2*return");
        storage.put("a", ContentSource.of(bytes("x")), 1, PutOptions.IF_ABSENT, NONE);
        assertEquals(1, faulty.attempts(Operation.PUT), "injected failures never reach the backend: " + why());
        assertEquals(2, events.size(), why());
        assertTrue(events.stream().allMatch(event -> event.error() instanceof RemoteStorageException.Transient
                && event.error().getMessage().contains(RetryingStorage.FAILPOINT_ATTEMPT_TRANSIENT)), events::toString);

        points.configure(RetryingStorage.FAILPOINT_ATTEMPT_TIMEOUT, "3*return");
        storage.put("b", ContentSource.of(bytes("y")), 1, PutOptions.IF_ABSENT, NONE);
        assertEquals(2, events.size(), "no timeout is injected into a put-if-absent, which would not be retried: " + why());
        assertEquals(1, storage.head("a", NONE).size());
        assertEquals(5, events.size(), why());
        assertTrue(events.stream().skip(2).allMatch(event -> event.error() instanceof RemoteStorageException.Timeout),
                events::toString);

        points.configure(RetryingStorage.FAILPOINT_ATTEMPT_DELAY, "1*sleep(60)");
        long started = System.nanoTime();
        assertArrayEquals(bytes("y"), storage.get("b", ByteRange.WHOLE, Optional.empty(), NONE).readAllBytes());
        assertTrue(System.nanoTime() - started >= TimeUnit.MILLISECONDS.toNanos(60), "the attempt was slowed");
        assertEquals(5, events.size(), "a slow attempt is not a failed one: " + why());

        RetryingStorage untouched = retrying(POLICY);
        points.configure(RetryingStorage.FAILPOINT_ATTEMPT_TRANSIENT, "return");
        assertEquals(1, untouched.head("a", NONE).size(), "a storage without failpoints ignores them");
    }

    @Test
    void aDelayTheServiceAsksForIsHonouredUpToTheMaximum() throws IOException {
        faulty.setFaults(Faults.NONE.withFailFirst(Operation.HEAD, 2).withRetryAfter(Duration.ofSeconds(3)));
        localfs.put("k", new java.io.ByteArrayInputStream(bytes("v")), 1, PutOptions.DEFAULT, NONE);
        retrying(POLICY).head("k", NONE);
        assertEquals(2, waits.size(), why());
        assertTrue(waits.stream().allMatch(wait -> wait.compareTo(Duration.ofSeconds(3)) >= 0), why());
        faulty.setFaults(Faults.NONE.withFailFirst(Operation.HEAD, 3).withRetryAfter(Duration.ofMinutes(5)));
        waits.clear();
        retrying(POLICY).head("k", NONE);
        assertEquals(List.of(Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(10)), waits,
                "capped at retry_max_delay: " + why());
    }

    @Test
    void noWaitGoesPastTheDeadline() {
        RetryPolicy slow = new RetryPolicy(5, Duration.ofSeconds(30), Duration.ofSeconds(30));
        CallContext shortDeadline = new CallContext(Cancellation.NEVER, Deadline.after(Duration.ofMillis(500)));
        faulty.setFaults(Faults.NONE.withFailFirst(Operation.HEAD, 100).withRetryAfter(Duration.ofSeconds(30)));
        assertThrows(RemoteStorageException.Transient.class, () -> retrying(slow).head("k", shortDeadline));
        assertEquals(1, faulty.attempts(Operation.HEAD), why());
        assertEquals(List.of(), waits);
    }

    @Test
    void cancellationEndsAWaitAtOnce() throws Exception {
        faulty.setFaults(Faults.NONE.withFailFirst(Operation.HEAD, 100));
        RetryingStorage storage = new RetryingStorage(faulty,
                new RetryPolicy(5, Duration.ofSeconds(60), Duration.ofSeconds(60)), Sleeper.REAL, new Random(seed), events::add);
        CancellationSource cancellation = new CancellationSource();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            timer.schedule(cancellation::cancel, 200, TimeUnit.MILLISECONDS);
            long started = System.nanoTime();
            assertThrows(RemoteStorageException.Cancelled.class,
                    () -> storage.head("k", new CallContext(cancellation, Deadline.NONE)));
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(20), "the wait ended with the cancellation");
        } finally {
            timer.shutdownNow();
        }
        assertTrue(faulty.attempts(Operation.HEAD) <= 2, why());
    }

    @Test
    void batchDeleteRetriesOnlyTheKeysThatFailed() throws IOException {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String key = "batch/" + i;
            keys.add(key);
            localfs.put(key, new java.io.ByteArrayInputStream(bytes("v")), 1, PutOptions.DEFAULT, NONE);
        }
        faulty.setFaults(Faults.NONE.withDeleteKeyFailRate(0.3));
        List<DeleteResult> results = retrying(new RetryPolicy(20, Duration.ofMillis(1), Duration.ofMillis(10)))
                .deleteBatch(keys, NONE);
        assertEquals(keys, results.stream().map(DeleteResult::key).toList());
        assertTrue(results.stream().allMatch(DeleteResult::isDeleted), why());
        assertEquals(List.of(), localfs.list(dev.strata.api.remote.ListRequest.all("batch/"), NONE).objects());
        assertTrue(faulty.injected(Operation.DELETE) > 0, "some keys failed at first: " + why());
        assertTrue(faulty.attempts(Operation.DELETE_BATCH) > 1, why());
    }

    @Test
    void randomFaultsNeverChangeTheOutcomeOfIdempotentWork() throws IOException {
        faulty.setFaults(Faults.NONE.withTransientRate(0.2).withTimeoutRate(0.1));
        RetryingStorage storage = retrying(new RetryPolicy(14, Duration.ofMillis(1), Duration.ofMillis(10)));
        Random random = new Random(seed);
        Map<String, byte[]> model = new HashMap<>();
        for (int i = 0; i < 200; i++) {
            String key = "random/" + random.nextInt(40);
            switch (random.nextInt(3)) {
                case 0, 1 -> {
                    byte[] data = new byte[random.nextInt(2000)];
                    random.nextBytes(data);
                    storage.put(key, ContentSource.of(data), data.length, PutOptions.DEFAULT, NONE);
                    model.put(key, data);
                }
                default -> {
                    storage.delete(key, NONE);
                    model.remove(key);
                }
            }
        }
        faulty.setFaults(Faults.NONE);
        List<String> listed = storage.listAll("random/", NONE).stream().map(ObjectMetadata::key).sorted().toList();
        assertEquals(model.keySet().stream().sorted().toList(), listed, why());
        for (Map.Entry<String, byte[]> entry : model.entrySet()) {
            assertArrayEquals(entry.getValue(), read(entry.getKey()), entry.getKey() + ": " + why());
        }
        assertTrue(faulty.injected(Operation.PUT) > 0 && faulty.injected(Operation.DELETE) > 0, why());
    }
}

package dev.strata.core.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.remote.ByteRange;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.Cancellation;
import dev.strata.api.remote.CancellationSource;
import dev.strata.api.remote.Deadline;
import dev.strata.api.remote.DeleteResult;
import dev.strata.api.remote.ListRequest;
import dev.strata.api.remote.ObjectContent;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.PutOptions;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.api.remote.RemoteStorageProvider;
import dev.strata.core.metrics.NodeMetrics;
import dev.strata.core.metrics.RemoteStorageMetrics;
import dev.strata.core.metrics.RemoteStorageMetrics.ErrorClass;
import dev.strata.core.metrics.RemoteStorageMetrics.Operation;
import dev.strata.core.testing.PrometheusSamples;
import dev.strata.testkit.FaultInjectingRemoteStorage;
import dev.strata.testkit.FaultInjectingRemoteStorage.Faults;
import dev.strata.testkit.TestSeeds;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Request metrics of a backend (localfs, found through ServiceLoader) as {@link NodeMetrics} exports them in the
 * Prometheus text format: present at zero before any call, then moved by calls, errors of each class, bytes and
 * retried attempts.
 */
final class MeteredStorageTest {
    private static final CallContext NONE = CallContext.NONE;
    private static final String BACKEND = "localfs";

    @TempDir
    Path root;

    private final long seed = TestSeeds.seed();
    private final NodeMetrics node = new NodeMetrics();
    private RemoteStorage localfs;
    private RemoteStorageMetrics metrics;
    private MeteredStorage metered;

    @BeforeEach
    void open() throws RemoteStorageException {
        RemoteStorageProvider provider = ServiceLoader.load(RemoteStorageProvider.class).stream()
                .map(ServiceLoader.Provider::get).filter(candidate -> candidate.name().equals(BACKEND))
                .findFirst().orElseThrow(() -> new AssertionError("ServiceLoader found no localfs provider"));
        localfs = provider.create(ProviderConfig.parse("remote_storage",
                Map.of("root", root.toString(), "fsync", "false"), provider.configKeys()));
        metrics = node.remoteStorage(provider.name());
        metered = new MeteredStorage(localfs, metrics);
    }

    @AfterEach
    void close() {
        metered.close();
    }

    private String text() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        node.writePrometheusText(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String labels(Operation operation) {
        return "{backend=\"" + BACKEND + "\",operation=\"" + operation.label() + "\"}";
    }

    private static String requests(Operation operation) {
        return "strata_remote_requests_total" + labels(operation);
    }

    private static String errors(Operation operation, ErrorClass errorClass) {
        return "strata_remote_errors_total{backend=\"" + BACKEND + "\",error=\"" + errorClass.label()
                + "\",operation=\"" + operation.label() + "\"}";
    }

    private static byte[] bytes(int size) {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        return data;
    }

    @Test
    void everyFamilyOfEveryOperationIsExportedAtZeroBeforeTheFirstCall() throws IOException {
        String text = text();
        Map<String, Double> samples = PrometheusSamples.parse(text);
        for (Operation operation : Operation.values()) {
            assertEquals(0.0, samples.get(requests(operation)), operation + " in\n" + text);
            assertEquals(0.0, samples.get("strata_remote_latency_count" + labels(operation)), operation + " in\n" + text);
            assertEquals(0.0, samples.get("strata_remote_sent_bytes_total" + labels(operation)), operation + " in\n" + text);
            assertEquals(0.0, samples.get("strata_remote_received_bytes_total" + labels(operation)), operation + " in\n" + text);
            for (ErrorClass errorClass : ErrorClass.values()) {
                assertEquals(0.0, samples.get(errors(operation, errorClass)), operation + " " + errorClass + " in\n" + text);
            }
        }
        for (String family : List.of("strata_remote_requests_total counter", "strata_remote_errors_total counter",
                "strata_remote_latency summary", "strata_remote_sent_bytes_total counter",
                "strata_remote_received_bytes_total counter")) {
            assertTrue(text.contains("# TYPE " + family + "\n"), family + " in\n" + text);
        }
        assertTrue(text.contains("strata_remote_latency{backend=\"localfs\",operation=\"get\",quantile=\"0.99\"} 0.0"), text);
        assertEquals(7 * 7, samples.keySet().stream().filter(name -> name.startsWith("strata_remote_errors_total{")).count(),
                "seven operations times seven error classes:\n" + text);
    }

    @Test
    void callsErrorsAndBytesMoveTheirMetrics() throws IOException {
        byte[] data = bytes(10_000);
        metered.put("a/object", new ByteArrayInputStream(data), data.length, PutOptions.DEFAULT, NONE);
        assertEquals(data.length, metered.head("a/object", NONE).size());
        assertThrows(RemoteStorageException.NotFound.class, () -> metered.head("a/missing", NONE));
        assertThrows(RemoteStorageException.AlreadyExists.class,
                () -> metered.put("a/object", new ByteArrayInputStream(data), data.length, PutOptions.IF_ABSENT, NONE));
        try (ObjectContent content = metered.get("a/object", ByteRange.WHOLE, Optional.empty(), NONE)) {
            assertArrayEquals(data, content.readAllBytes());
        }
        try (ObjectContent content = metered.get("a/object", ByteRange.tail(100), Optional.empty(), NONE)) {
            assertEquals(100, content.readAllBytes().length);
        }
        assertThrows(RemoteStorageException.PreconditionFailed.class,
                () -> metered.get("a/object", ByteRange.WHOLE, Optional.of("not-the-etag"), NONE));
        metered.copy("a/object", "a/copy", NONE);
        assertThrows(RemoteStorageException.NotFound.class, () -> metered.copy("a/missing", "a/never", NONE));
        assertEquals(2, metered.list(ListRequest.all("a/"), NONE).objects().size());
        metered.delete("a/copy", NONE);
        metered.deleteBatch(List.of("a/object", "a/missing"), NONE);
        CancellationSource cancelled = new CancellationSource();
        cancelled.cancel();
        assertThrows(RemoteStorageException.Cancelled.class,
                () -> metered.list(ListRequest.all("a/"), new CallContext(cancelled, Deadline.NONE)));
        assertThrows(RemoteStorageException.Timeout.class,
                () -> metered.delete("a/object", new CallContext(Cancellation.NEVER, Deadline.after(Duration.ZERO))));

        String text = text();
        Map<String, Double> samples = PrometheusSamples.parse(text);
        assertEquals(2.0, samples.get(requests(Operation.PUT)), text);
        assertEquals(2.0, samples.get(requests(Operation.HEAD)), text);
        assertEquals(3.0, samples.get(requests(Operation.GET)), text);
        assertEquals(2.0, samples.get(requests(Operation.COPY)), text);
        assertEquals(2.0, samples.get(requests(Operation.LIST)), text);
        assertEquals(2.0, samples.get(requests(Operation.DELETE)), text);
        assertEquals(1.0, samples.get(requests(Operation.DELETE_BATCH)), text);
        assertEquals(1.0, samples.get(errors(Operation.HEAD, ErrorClass.NOT_FOUND)), text);
        assertEquals(1.0, samples.get(errors(Operation.PUT, ErrorClass.ALREADY_EXISTS)), text);
        assertEquals(1.0, samples.get(errors(Operation.GET, ErrorClass.PRECONDITION_FAILED)), text);
        assertEquals(1.0, samples.get(errors(Operation.COPY, ErrorClass.NOT_FOUND)), text);
        assertEquals(1.0, samples.get(errors(Operation.LIST, ErrorClass.CANCELLED)), text);
        assertEquals(1.0, samples.get(errors(Operation.DELETE, ErrorClass.TIMEOUT)), text);
        assertEquals(0.0, samples.get(errors(Operation.DELETE_BATCH, ErrorClass.NOT_FOUND)), "a missing key counts as deleted");
        double errorTotal = samples.entrySet().stream().filter(sample -> sample.getKey().startsWith("strata_remote_errors_total{"))
                .mapToDouble(Map.Entry::getValue).sum();
        assertEquals(6.0, errorTotal, text);
        assertEquals(data.length, samples.get("strata_remote_sent_bytes_total" + labels(Operation.PUT)),
                "localfs refuses an existing key before it reads the data:\n" + text);
        assertEquals(data.length + 100.0, samples.get("strata_remote_received_bytes_total" + labels(Operation.GET)), text);
        assertEquals(0.0, samples.get("strata_remote_received_bytes_total" + labels(Operation.COPY)), text);
        assertEquals(3.0, samples.get("strata_remote_latency_count" + labels(Operation.GET)), text);
        double medianPut = samples.get("strata_remote_latency{backend=\"localfs\",operation=\"put\",quantile=\"0.5\"}");
        assertTrue(medianPut > 0 && medianPut < 10, "in seconds: " + medianPut + " in\n" + text);
    }

    @Test
    void aReadThatFailsCountsOneErrorForItsGet() throws IOException {
        byte[] data = bytes(200_000);
        metered.put("object", new ByteArrayInputStream(data), data.length, PutOptions.DEFAULT, NONE);
        CancellationSource cancellation = new CancellationSource();
        try (ObjectContent content = metered.get("object", ByteRange.WHOLE, Optional.empty(),
                new CallContext(cancellation, Deadline.NONE))) {
            InputStream stream = content.stream();
            assertEquals(1000, stream.readNBytes(1000).length);
            cancellation.cancel();
            assertThrows(RemoteStorageException.Cancelled.class, () -> stream.read(new byte[1000]));
            assertThrows(RemoteStorageException.Cancelled.class, stream::read);
        }
        assertEquals(1, metrics.requests(Operation.GET));
        assertEquals(1, metrics.errors(Operation.GET, ErrorClass.CANCELLED), "one get, one error, however often it is read");
        assertEquals(1000, metrics.receivedBytes(Operation.GET));
    }

    @Test
    void eachAttemptOfARetriedCallCountsAndFailedBatchKeysCountOnce() throws IOException {
        FaultInjectingRemoteStorage faulty = new FaultInjectingRemoteStorage(localfs,
                Faults.NONE.withFailFirst(FaultInjectingRemoteStorage.Operation.PUT, 2), seed);
        MeteredStorage meteredFaulty = new MeteredStorage(faulty, metrics);
        RetryingStorage retrying = new RetryingStorage(meteredFaulty,
                new RetryPolicy(5, Duration.ofMillis(10), Duration.ofSeconds(1)),
                (delay, context, operation, key) -> {}, new Random(seed), event -> {});
        byte[] data = bytes(3000);
        retrying.put("retried", ContentSource.of(data), data.length, PutOptions.DEFAULT, NONE);
        assertEquals(3, metrics.requests(Operation.PUT), TestSeeds.describe(seed));
        assertEquals(2, metrics.errors(Operation.PUT, ErrorClass.TRANSIENT), TestSeeds.describe(seed));
        assertEquals(data.length, metrics.sentBytes(Operation.PUT), "failed attempts were refused before reading the data");

        faulty.setFaults(Faults.NONE.withDeleteKeyFailRate(1.0));
        List<DeleteResult> results = meteredFaulty.deleteBatch(List.of("retried", "other", "third"), NONE);
        assertTrue(results.stream().noneMatch(DeleteResult::isDeleted), results.toString());
        assertEquals(1, metrics.requests(Operation.DELETE_BATCH));
        assertEquals(1, metrics.errors(Operation.DELETE_BATCH, ErrorClass.TRANSIENT), "a batch counts one error");
    }

    @Test
    void oneBackendNameIsOneSetOfMetricsAndNamesWithDotsAreRefused() {
        assertSame(metrics, node.remoteStorage(BACKEND), "the same recorder for the same backend");
        RemoteStorageMetrics other = node.remoteStorage("s3");
        other.request(Operation.PUT, 1_000);
        assertEquals(0, metrics.requests(Operation.PUT));
        assertEquals(1, other.requests(Operation.PUT));
        IllegalArgumentException dotted = assertThrows(IllegalArgumentException.class, () -> node.remoteStorage("s3.eu"));
        assertTrue(dotted.getMessage().contains("'s3.eu'"), dotted.getMessage());
    }
}

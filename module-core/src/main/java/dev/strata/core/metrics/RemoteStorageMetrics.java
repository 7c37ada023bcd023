package dev.strata.core.metrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import dev.strata.api.remote.RemoteStorageException;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The request metrics of one remote storage backend, by operation. Every metric of every operation and error
 * class is registered when this is built, so a scrape shows them at zero before the first request:
 *
 * <ul>
 *   <li>{@code strata_remote_requests_total{backend,operation}}: requests that reached the backend (each attempt
 *       of a retried call counts);</li>
 *   <li>{@code strata_remote_errors_total{backend,operation,error}}: failed requests by the class of their
 *       {@link RemoteStorageException} ({@link ErrorClass});</li>
 *   <li>{@code strata_remote_latency{backend,operation}}: a summary of request latency in seconds (for a get, the
 *       time to open the object, not to read it);</li>
 *   <li>{@code strata_remote_sent_bytes_total} and {@code strata_remote_received_bytes_total}{@code {backend,operation}}:
 *       object bytes read from a put's data and from a get's stream (zero for operations that carry none).</li>
 * </ul>
 *
 * <p>Thread-safe: the counters and timers are Dropwizard's.
 */
public final class RemoteStorageMetrics {
    static final String REQUESTS = "strata.remote.requests";
    static final String ERRORS = "strata.remote.errors";
    static final String LATENCY = "strata.remote.latency";
    static final String SENT_BYTES = "strata.remote.sent.bytes";
    static final String RECEIVED_BYTES = "strata.remote.received.bytes";

    /** The calls of {@link dev.strata.api.remote.RemoteStorage}, with their label values. */
    public enum Operation {
        LIST, HEAD, PUT, GET, DELETE, DELETE_BATCH, COPY;

        /** The label value: the name in lower case ({@code delete_batch}). */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The classes of {@link RemoteStorageException}, with their label values. */
    public enum ErrorClass {
        NOT_FOUND, ALREADY_EXISTS, PRECONDITION_FAILED, TRANSIENT, PERMANENT, TIMEOUT, CANCELLED;

        /** The label value: the name in lower case ({@code not_found}). */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The class of {@code error}. */
        public static ErrorClass of(RemoteStorageException error) {
            return switch (Objects.requireNonNull(error, "error is null")) {
                case RemoteStorageException.NotFound _ -> NOT_FOUND;
                case RemoteStorageException.AlreadyExists _ -> ALREADY_EXISTS;
                case RemoteStorageException.PreconditionFailed _ -> PRECONDITION_FAILED;
                case RemoteStorageException.Transient _ -> TRANSIENT;
                case RemoteStorageException.Permanent _ -> PERMANENT;
                case RemoteStorageException.Timeout _ -> TIMEOUT;
                case RemoteStorageException.Cancelled _ -> CANCELLED;
            };
        }
    }

    private final String backend;
    private final Map<Operation, Counter> requests = new EnumMap<>(Operation.class);
    private final Map<Operation, Map<ErrorClass, Counter>> errors = new EnumMap<>(Operation.class);
    private final Map<Operation, Timer> latency = new EnumMap<>(Operation.class);
    private final Map<Operation, Counter> sentBytes = new EnumMap<>(Operation.class);
    private final Map<Operation, Counter> receivedBytes = new EnumMap<>(Operation.class);

    /** Registers (or finds, if registered before) every metric of {@code backend} in {@code registry}. */
    RemoteStorageMetrics(MetricRegistry registry, String backend) {
        Objects.requireNonNull(registry, "registry is null");
        this.backend = requireValidBackend(backend);
        for (Operation operation : Operation.values()) {
            String labels = "." + backend + "." + operation.label();
            requests.put(operation, registry.counter(REQUESTS + labels));
            latency.put(operation, registry.timer(LATENCY + labels));
            sentBytes.put(operation, registry.counter(SENT_BYTES + labels));
            receivedBytes.put(operation, registry.counter(RECEIVED_BYTES + labels));
            Map<ErrorClass, Counter> byClass = new EnumMap<>(ErrorClass.class);
            for (ErrorClass errorClass : ErrorClass.values()) {
                byClass.put(errorClass, registry.counter(ERRORS + labels + "." + errorClass.label()));
            }
            errors.put(operation, byClass);
        }
    }

    /** A backend name becomes one segment of a dotted metric name, so it may not contain dots. */
    private static String requireValidBackend(String backend) {
        Objects.requireNonNull(backend, "backend is null");
        if (!backend.matches("[a-z0-9][a-z0-9_-]*")) {
            throw new IllegalArgumentException("remote storage backend name '" + backend
                    + "' is not lower-case letters, digits, '_' and '-'");
        }
        return backend;
    }

    /** The backend label value (the provider's name). */
    public String backend() {
        return backend;
    }

    /** One request of {@code operation} that took {@code nanos}, whether it succeeded or not. */
    public void request(Operation operation, long nanos) {
        requests.get(operation).inc();
        latency.get(operation).update(nanos, TimeUnit.NANOSECONDS);
    }

    /** A request of {@code operation} failed with {@code error}. */
    public void error(Operation operation, RemoteStorageException error) {
        errors.get(operation).get(ErrorClass.of(error)).inc();
    }

    /** {@code bytes} of object data were read from a put's data by the backend. */
    public void sent(Operation operation, long bytes) {
        sentBytes.get(operation).inc(bytes);
    }

    /** {@code bytes} of object data were read from a get's stream. */
    public void received(Operation operation, long bytes) {
        receivedBytes.get(operation).inc(bytes);
    }

    /** Requests of {@code operation} so far. */
    public long requests(Operation operation) {
        return requests.get(operation).getCount();
    }

    /** Failed requests of {@code operation} with an error of {@code errorClass} so far. */
    public long errors(Operation operation, ErrorClass errorClass) {
        return errors.get(operation).get(errorClass).getCount();
    }

    /** Object bytes sent by {@code operation} so far. */
    public long sentBytes(Operation operation) {
        return sentBytes.get(operation).getCount();
    }

    /** Object bytes received by {@code operation} so far. */
    public long receivedBytes(Operation operation) {
        return receivedBytes.get(operation).getCount();
    }

    @Override
    public String toString() {
        return "RemoteStorageMetrics[" + backend + "]";
    }
}

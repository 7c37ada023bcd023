package dev.strata.api.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.InvalidInputException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Keys, ranges, cancellation, deadlines, configuration sections and error messages of the remote-storage SPI. */
final class RemoteValueTypesTest {

    @Test
    void validKeysAndPrefixes() {
        for (String key : List.of("a", "a/b", "tenants/x/timelines/y/index_part.json-00000001", "ünï/日本/😀", "a b%c")) {
            assertEquals(key, RemoteKeys.requireValid(key));
        }
        for (String prefix : List.of("", "a/", "a/b", "a/b/", "tenants/x/time")) {
            assertEquals(prefix, RemoteKeys.requireValidPrefix(prefix));
        }
    }

    @Test
    void invalidKeysNameTheKeyAndTheRule() {
        Map<String, String> bad = Map.of(
                "", "empty",
                "/a", "empty segment",
                "a/", "empty segment",
                "a//b", "empty segment",
                "a/../b", "segment '..'",
                "a\u0000", "control character",
                "x\uD800", "unpaired surrogate",
                "k".repeat(1025), "longer than 1024");
        bad.forEach((key, rule) -> {
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> RemoteKeys.requireValid(key));
            assertTrue(e.getMessage().contains(rule), e.getMessage());
            assertEquals(key, e.input());
        });
        assertThrows(InvalidInputException.class, () -> RemoteKeys.requireValidPrefix("a//"));
        assertThrows(InvalidInputException.class, () -> RemoteKeys.requireValidPrefix("/a"));
    }

    @Test
    void rangesAreClippedToTheObject() {
        assertEquals(0, ByteRange.WHOLE.start(10));
        assertEquals(10, ByteRange.WHOLE.length(10));
        assertEquals(3, ByteRange.of(3, 4).start(10));
        assertEquals(4, ByteRange.of(3, 4).length(10));
        assertEquals(2, ByteRange.of(8, 4).length(10));
        assertEquals(10, ByteRange.of(12, 4).start(10));
        assertEquals(0, ByteRange.of(12, 4).length(10));
        assertEquals(7, ByteRange.tail(3).start(10));
        assertEquals(3, ByteRange.tail(3).length(10));
        assertEquals(0, ByteRange.tail(30).start(10));
        assertEquals(10, ByteRange.tail(30).length(10));
        assertEquals(0, ByteRange.tail(5).length(0));
        assertThrows(IllegalArgumentException.class, () -> ByteRange.of(-1, 3));
        assertThrows(IllegalArgumentException.class, () -> ByteRange.tail(-1));
    }

    @Test
    void cancellationRunsEachActionOnceAndRemovedActionsNever() {
        CancellationSource source = new CancellationSource();
        AtomicInteger ran = new AtomicInteger();
        AtomicInteger removed = new AtomicInteger();
        Cancellation.Registration kept = source.onCancel(ran::incrementAndGet);
        source.onCancel(ran::incrementAndGet);
        source.onCancel(removed::incrementAndGet).close();
        assertFalse(source.isCancelled());
        source.cancel();
        source.cancel();
        assertTrue(source.isCancelled());
        assertEquals(2, ran.get());
        assertEquals(0, removed.get());
        kept.close();
        source.onCancel(ran::incrementAndGet);
        assertEquals(3, ran.get(), "registering after cancel runs the action at once");
    }

    @Test
    void deadlinesAndTheContextCheck() throws RemoteStorageException {
        assertFalse(Deadline.NONE.isExpired());
        assertTrue(Deadline.after(Duration.ZERO).isExpired());
        assertFalse(Deadline.after(Duration.ofHours(1)).isExpired());
        Deadline soon = Deadline.after(Duration.ofMinutes(1));
        Deadline later = Deadline.after(Duration.ofMinutes(2));
        assertEquals(soon, soon.earlier(later));
        assertEquals(soon, later.earlier(soon));
        assertEquals(soon, Deadline.NONE.earlier(soon));
        CallContext.NONE.check("head", "k");
        CancellationSource cancelled = new CancellationSource();
        cancelled.cancel();
        RemoteStorageException.Cancelled e = assertThrows(RemoteStorageException.Cancelled.class,
                () -> new CallContext(cancelled, Deadline.after(Duration.ZERO)).check("put", "k"));
        assertEquals("put 'k': cancelled", e.getMessage(), "cancellation wins over an expired deadline");
        RemoteStorageException.Timeout timeout = assertThrows(RemoteStorageException.Timeout.class,
                () -> new CallContext(Cancellation.NEVER, Deadline.after(Duration.ZERO)).check("list", null));
        assertEquals(Optional.empty(), timeout.key());
        assertTrue(timeout.getMessage().startsWith("list: timed out (effect unknown)"), timeout.getMessage());
    }

    private static final ConfigKey<String> REGION = ConfigKey.string("region", "us-east-1", "The region.");
    private static final ConfigKey<String> SECRET = ConfigKey.string("secret_access_key", null, "The secret.")
            .asSecret().asOptional();
    private static final ConfigKey<Long> THRESHOLD = ConfigKey.bytes("multipart_threshold", 8L << 20, "Threshold.")
            .validatedBy(value -> value >= 5L << 20, "at least 5MiB");
    private static final ConfigKey<Duration> TIMEOUT = ConfigKey.duration("timeout", Duration.ofSeconds(30), "Timeout.");
    private static final List<ConfigKey<?>> KEYS = List.of(REGION, SECRET, THRESHOLD, TIMEOUT);

    @Test
    void configurationParsesValuesAndFillsDefaults() {
        ProviderConfig defaults = ProviderConfig.parse("s3", Map.of(), KEYS);
        assertEquals("us-east-1", defaults.get(REGION));
        assertEquals(Optional.empty(), defaults.find(SECRET));
        assertEquals(8L << 20, defaults.get(THRESHOLD));
        assertEquals(Duration.ofSeconds(30), defaults.get(TIMEOUT));
        ProviderConfig set = ProviderConfig.parse("s3", Map.of("multipart_threshold", "16MiB", "timeout", "250ms",
                "secret_access_key", "hunter2"), KEYS);
        assertEquals(16L << 20, set.get(THRESHOLD));
        assertEquals(Duration.ofMillis(250), set.get(TIMEOUT));
        assertEquals("hunter2", set.get(SECRET));
        assertThrows(IllegalArgumentException.class, () -> set.get(ConfigKey.string("region", "x", "Another key.")),
                "a key of another section is refused even with the same name");
    }

    @Test
    void configurationNeverPrintsSecrets() {
        ProviderConfig config = ProviderConfig.parse("s3", Map.of("secret_access_key", "hunter2"), KEYS);
        assertFalse(config.toString().contains("hunter2"), config.toString());
        assertTrue(config.toString().contains("secret_access_key=****"), config.toString());
        ConfigException bad = assertThrows(ConfigException.class,
                () -> ProviderConfig.parse("s3", Map.of("secret_access_key", "hunter2", "timeout", "soon"), KEYS));
        assertFalse(bad.getMessage().contains("hunter2"));
        ConfigKey<Integer> secretNumber = ConfigKey.integer("pin", null, "A secret number.").asSecret();
        ConfigException secretBad = assertThrows(ConfigException.class,
                () -> ProviderConfig.parse("s3", Map.of("pin", "12x4"), List.of(secretNumber)));
        assertFalse(secretBad.getMessage().contains("12x4"), secretBad.getMessage());
    }

    @Test
    void configurationErrorsNameSectionKeyAndValue() {
        ConfigException small = assertThrows(ConfigException.class,
                () -> ProviderConfig.parse("s3", Map.of("multipart_threshold", "1MiB"), KEYS));
        assertEquals("[s3] multipart_threshold = '1MiB' is not at least 5MiB", small.getMessage());
        ConfigException unparsable = assertThrows(ConfigException.class,
                () -> ProviderConfig.parse("s3", Map.of("timeout", "soon"), KEYS));
        assertTrue(unparsable.getMessage().startsWith("[s3] timeout = 'soon' is not a valid duration"), unparsable.getMessage());
        ConfigException unknown = assertThrows(ConfigException.class,
                () -> ProviderConfig.parse("s3", Map.of("regoin", "x"), KEYS));
        assertEquals("[s3] unknown key 'regoin'; known keys: region, secret_access_key, multipart_threshold, timeout",
                unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ConfigKey.integer("bad", 0, "Doc.")
                .validatedBy(value -> value > 0, "positive"), "an invalid default is a programming error");
    }

    @Test
    void transientErrorsCarryTheRequestedDelay() {
        RemoteStorageException.Transient slowDown = new RemoteStorageException.Transient("put", "k", "503 SlowDown",
                Duration.ofSeconds(2), null);
        assertEquals(Optional.of(Duration.ofSeconds(2)), slowDown.retryAfter());
        assertEquals("put 'k': 503 SlowDown", slowDown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new RemoteStorageException.Transient("put", "k", "x",
                Duration.ofSeconds(-1), null));
    }
}

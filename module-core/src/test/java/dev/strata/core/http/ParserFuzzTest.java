package dev.strata.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.strata.api.Key;
import dev.strata.api.LayerFileName;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.api.TenantId;
import dev.strata.client.wire.PageWire;
import dev.strata.core.config.ConfigException;
import dev.strata.core.config.NodeConfig;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.index.IndexPart;
import dev.strata.core.index.InvalidIndexException;
import dev.strata.core.tenant.EngineOptions;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.testing.RandomSeed;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input, generated: every parser is fed mutations of valid inputs (bytes flipped, inserted, deleted,
 * truncated, duplicated) and random text, and may only answer with its documented error (an
 * {@link IllegalArgumentException} naming the input, an {@link InvalidIndexException}, a {@link ConfigException});
 * the HTTP API answers location_config bodies with 4xx, never 500, and keeps serving.
 */
final class ParserFuzzTest {
    @RegisterExtension
    static final RandomSeed SEED = new RandomSeed();
    private static final int ROUNDS = 3000;

    @TempDir
    Path workdir;

    private static final String LAYER_NAME =
            "000000000000000000000000000000000000-FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF__0000000001000000-0000000001800000-v1-00000003";
    private static final String INDEX = """
            {"version":15,"layer_metadata":{"000000000000000000000000000000000000-FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF__0000000001000000-0000000001800000":{"file_size":8421376,"generation":3}},
             "disk_consistent_lsn":"0/1800000","deleted_at":"2026-01-02T03:04:05.123",
             "metadata":{"disk_consistent_lsn":"0/1800000","prev_record_lsn":"0/17FFF80","ancestor_lsn":"0/0",
                         "latest_gc_cutoff_lsn":"0/1000000","initdb_lsn":"0/1000000","pg_version":16}}
            """;
    private static final String CONFIG = """
            node_id = 3
            listen_http = "127.0.0.1:0"
            [tenant_defaults]
            checkpoint_distance = 1048576
            checkpoint_timeout = "30s"
            durability = "periodic"
            [remote_storage]
            provider = "localfs"
            root = "remote"
            [eviction]
            idle_threshold = "2h"
            """;

    @FunctionalInterface
    private interface Parser {
        void parse(byte[] input) throws Exception;
    }

    /** Runs {@code parser} on mutations of {@code valid}; any exception not of {@code allowed} fails the test. */
    private static void fuzz(String what, Random random, byte[] valid, Parser parser, List<Class<? extends Exception>> allowed) {
        int rejected = 0;
        for (int round = 0; round < ROUNDS; round++) {
            byte[] input = round % 10 == 0 ? randomText(random) : mutate(random, valid);
            try {
                parser.parse(input);
            } catch (Exception e) {
                if (allowed.stream().noneMatch(type -> type.isInstance(e))) {
                    fail(what + " threw " + e + " for input " + new String(input, StandardCharsets.UTF_8), e);
                }
                if (e.getMessage() == null || e.getMessage().isBlank()) {
                    fail(what + " threw " + e.getClass().getName() + " without a message");
                }
                rejected++;
            } catch (StackOverflowError | OutOfMemoryError e) {
                fail(what + " crashed with " + e);
            }
        }
        assertTrue(rejected > ROUNDS / 10, what + ": the mutations were rejected only " + rejected + " times");
    }

    private static byte[] mutate(Random random, byte[] valid) {
        byte[] input = valid.clone();
        int edits = 1 + random.nextInt(4);
        for (int edit = 0; edit < edits && input.length > 0; edit++) {
            int at = random.nextInt(input.length);
            input = switch (random.nextInt(6)) {
                case 0 -> { // flip a byte
                    input[at] = (byte) random.nextInt(256);
                    yield input;
                }
                case 1 -> Arrays.copyOf(input, at); // truncate
                case 2 -> { // delete a run
                    int length = Math.min(input.length - at, 1 + random.nextInt(8));
                    byte[] shorter = new byte[input.length - length];
                    System.arraycopy(input, 0, shorter, 0, at);
                    System.arraycopy(input, at + length, shorter, at, input.length - at - length);
                    yield shorter;
                }
                case 3 -> { // insert a printable or special character
                    byte[] longer = new byte[input.length + 1];
                    System.arraycopy(input, 0, longer, 0, at);
                    String specials = "{}[]\",:=-_0129aFfvV\n\\ \u0000";
                    longer[at] = (byte) specials.charAt(random.nextInt(specials.length()));
                    System.arraycopy(input, at, longer, at + 1, input.length - at);
                    yield longer;
                }
                case 4 -> { // duplicate a run
                    int length = Math.min(input.length - at, 1 + random.nextInt(16));
                    byte[] longer = new byte[input.length + length];
                    System.arraycopy(input, 0, longer, 0, at + length);
                    System.arraycopy(input, at, longer, at + length, input.length - at);
                    yield longer;
                }
                default -> { // replace a digit by a large number
                    byte[] digits = "18446744073709551616".getBytes(StandardCharsets.US_ASCII);
                    byte[] longer = new byte[input.length + digits.length];
                    System.arraycopy(input, 0, longer, 0, at);
                    System.arraycopy(digits, 0, longer, at, digits.length);
                    System.arraycopy(input, at, longer, at + digits.length, input.length - at);
                    yield longer;
                }
            };
        }
        return input;
    }

    private static byte[] randomText(Random random) {
        byte[] bytes = new byte[random.nextInt(200)];
        random.nextBytes(bytes);
        return bytes;
    }

    @Test
    void valueTypesAndLayerNamesRejectBadTextCleanly(Random random) {
        fuzz("LayerFileName.parse", random, LAYER_NAME.getBytes(StandardCharsets.UTF_8),
                input -> LayerFileName.parse(new String(input, StandardCharsets.UTF_8)), List.of(IllegalArgumentException.class));
        fuzz("Lsn.parse", random, "16/B374D848".getBytes(StandardCharsets.UTF_8),
                input -> Lsn.parse(new String(input, StandardCharsets.UTF_8)), List.of(IllegalArgumentException.class));
        fuzz("Key.parse", random, "000000067F000040000000400000000002".getBytes(StandardCharsets.UTF_8),
                input -> Key.parse(new String(input, StandardCharsets.UTF_8)), List.of(IllegalArgumentException.class));
        fuzz("TenantId.parse", random, "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8),
                input -> TenantId.parse(new String(input, StandardCharsets.UTF_8)), List.of(IllegalArgumentException.class));
    }

    @Test
    void indexDocumentsAndConfigurationRejectBadInputCleanly(Random random) throws Exception {
        IndexPart.parse(INDEX.getBytes(StandardCharsets.UTF_8));
        fuzz("IndexPart.parse", random, INDEX.getBytes(StandardCharsets.UTF_8), IndexPart::parse,
                List.of(InvalidIndexException.class));
        NodeConfig.parse("fuzz.toml", CONFIG.getBytes(StandardCharsets.UTF_8));
        fuzz("NodeConfig.parse", random, CONFIG.getBytes(StandardCharsets.UTF_8),
                input -> NodeConfig.parse("fuzz.toml", input), List.of(ConfigException.class));
    }

    @Test
    void theBinaryPageFormatRejectsBadMessagesCleanly(Random random) {
        byte[] ingest = PageWire.encodeIngest(List.of(
                new PageWire.Write(Key.ofRelationPage(1663, 5, 16384, 0, 1), new PageRecord.Image(new byte[64])),
                new PageWire.Write(Key.ofRelationPage(1663, 5, 16384, 0, 2), new PageRecord.Append(new byte[] {1, 2})),
                new PageWire.Write(Key.ofRelationPage(1663, 5, 16384, 0, 3), new PageRecord.Overwrite(3, new byte[] {9}))));
        fuzz("PageWire.decodeIngest", random, ingest, PageWire::decodeIngest, List.of(IllegalArgumentException.class));
        byte[] request = PageWire.encodePagesRequest(Lsn.of(0x1000_0000L),
                List.of(Key.ofRelationPage(1663, 5, 16384, 0, 1), Key.ofRelationPage(1663, 5, 16384, 0, 2)));
        fuzz("PageWire.decodePagesRequest", random, request, PageWire::decodePagesRequest,
                List.of(IllegalArgumentException.class));
    }

    private record Answer(int status, String body) {}

    private static Answer send(URI uri, String method, byte[] body) throws java.io.IOException {
        java.net.HttpURLConnection connection = (java.net.HttpURLConnection) uri.toURL().openConnection();
        try {
            connection.setRequestMethod(method);
            if (body != null) {
                connection.setDoOutput(true);
                connection.setRequestProperty("Content-Type", "application/json");
                try (java.io.OutputStream out = connection.getOutputStream()) {
                    out.write(body);
                }
            }
            int status = connection.getResponseCode();
            java.io.InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
            String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new Answer(status, text);
        } finally {
            connection.disconnect();
        }
    }

    @Test
    void locationConfigBodiesGetFourHundredsAndTheNodeKeepsServing(Random random) throws Exception {
        Failpoints failpoints = Failpoints.create();
        try (LocalEngine engine = LocalEngine.open(workdir, EngineOptions.DEFAULT.withFailpoints(failpoints))) {
            NodeServer server = NodeServer.start(engine, failpoints, 1, "127.0.0.1", 0, 4 << 20, null);
            try {
                URI base = URI.create("http://127.0.0.1:" + server.port());
                byte[] valid = "{\"mode\":\"AttachedSingle\",\"generation\":7,\"tenant_conf\":{}}".getBytes(StandardCharsets.UTF_8);
                int accepted = 0;
                for (int round = 0; round < 300; round++) {
                    byte[] body = round % 10 == 0 ? randomText(random) : mutate(random, valid);
                    TenantId tenant = TenantId.random();
                    Answer answer = send(base.resolve("/v1/tenant/" + tenant.hex() + "/location_config"), "PUT", body);
                    assertTrue(answer.status() == 200 || (answer.status() >= 400 && answer.status() < 500),
                            "location_config answered " + answer + " to " + new String(body, StandardCharsets.UTF_8));
                    if (answer.status() >= 400) {
                        assertTrue(answer.body().contains("\"msg\""), answer.body());
                    } else {
                        accepted++;
                    }
                }
                assertEquals(200, send(base.resolve("/v1/status"), "GET", null).status(), "the node still serves");
                assertEquals(accepted, engine.tenants().size(), "exactly the accepted bodies attached a tenant");
            } finally {
                server.close();
            }
        }
    }
}

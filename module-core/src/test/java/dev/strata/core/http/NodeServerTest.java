package dev.strata.core.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.client.StrataClient;
import dev.strata.client.StrataClientException;
import dev.strata.client.TimelineInfo;
import dev.strata.client.wire.PageWire;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.tenant.EngineOptions;
import dev.strata.core.tenant.LocalEngine;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.NavigableMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every route over real HTTP on 127.0.0.1, through the client, including bad input. */
class NodeServerTest {
    @TempDir Path workdir;
    private LocalEngine engine;
    private NodeServer server;
    private StrataClient client;
    private final Failpoints failpoints = Failpoints.create();
    private final TenantId tenant = TenantId.random();
    private final TimelineId main = TimelineId.random();

    private static Key key(int n) {
        return Key.ofRelationPage(1663, 5, 16384, 0, n);
    }

    @BeforeEach
    void start() throws Exception {
        engine = LocalEngine.open(workdir, EngineOptions.DEFAULT.withFailpoints(failpoints));
        server = NodeServer.start(engine, failpoints, 7, "127.0.0.1", 0, 4 << 20, null);
        client = StrataClient.connect(URI.create("http://127.0.0.1:" + server.port()));
        client.createTenant(tenant);
        client.createTimeline(tenant, main);
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        server.close();
        engine.close();
    }

    @Test
    void writeReadBranchAndMaintainOverHttp() {
        Lsn first = client.ingest(tenant, main, List.of(new PageWire.Write(key(1), new PageRecord.Image(bytes("one"))),
                new PageWire.Write(key(2), new PageRecord.Image(bytes("two")))));
        Lsn second = client.ingest(tenant, main, List.of(new PageWire.Write(key(1), new PageRecord.Append(bytes("+")))));
        assertEquals("one+", string(client.getPage(tenant, main, key(1), null)));
        assertEquals("one", string(client.getPage(tenant, main, key(1), first)));
        assertNull(client.getPage(tenant, main, key(3), null));

        PageWire.Pages pages = client.getPages(tenant, main, List.of(key(2), key(3), key(1)), second);
        assertEquals(second, pages.lsn());
        assertEquals("two", string(pages.pages().get(0).page()));
        assertNull(pages.pages().get(1).page());
        NavigableMap<Key, byte[]> range = client.getRange(tenant, main, key(0), key(10), null);
        assertEquals(2, range.size());

        TimelineId child = TimelineId.random();
        TimelineInfo branch = client.branch(tenant, child, main, first);
        assertEquals(main, branch.ancestor());
        assertEquals(first, branch.ancestorLsn());
        assertEquals(201, statusOf(() -> client.branch(tenant, child, main, first)), "same parameters again: created");
        StrataClientException conflict = assertThrows(StrataClientException.class, () -> client.branch(tenant, child, main, second));
        assertEquals(409, conflict.status());
        assertEquals("one", string(client.getPage(tenant, child, key(1), null)));

        client.checkpoint(tenant, main);
        TimelineInfo info = client.timeline(tenant, main);
        assertEquals(second, info.lastRecordLsn());
        assertEquals(second, info.diskConsistentLsn());
        assertEquals(1, info.layers());
        assertTrue(client.compact(tenant, main).has("l1_written"));
        assertTrue(client.gc(tenant, main).has("cutoff"));
        assertEquals(2, client.listTimelines(tenant).size());
        assertEquals(7, client.status().path("node_id").asInt());
        assertTrue(client.status().path("background").has("compaction_started"), client.status().toString());
        assertTrue(client.status().path("background").path("compaction_paused").isArray());
        client.resetCompactionBreaker(tenant, main);

        assertEquals(409, assertThrows(StrataClientException.class, () -> client.deleteTimeline(tenant, main)).status());
        client.deleteTimeline(tenant, child);
        assertEquals(404, assertThrows(StrataClientException.class, () -> client.timeline(tenant, child)).status());
        client.deleteTenant(tenant);
        assertEquals(404, assertThrows(StrataClientException.class, () -> client.tenant(tenant)).status());
    }

    /** A raw request (java.base only), for bodies the client would never send. */
    private record Raw(int status, String body) {}

    private Raw raw(String method, String path, byte[] body) throws Exception {
        java.net.HttpURLConnection connection = (java.net.HttpURLConnection)
                URI.create("http://127.0.0.1:" + server.port() + path).toURL().openConnection();
        connection.setRequestMethod(method);
        if (body != null) {
            connection.setDoOutput(true);
            try (java.io.OutputStream out = connection.getOutputStream()) {
                out.write(body);
            }
        }
        int status = connection.getResponseCode();
        java.io.InputStream stream = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
        String text = stream == null ? "" : new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        connection.disconnect();
        return new Raw(status, text);
    }

    @Test
    void badInputIsA400ThatNamesIt() throws Exception {
        Raw badJson = raw("POST", "/v1/tenant", bytes("{\"new_tenant_id\": "));
        assertEquals(400, badJson.status(), badJson.body());
        assertTrue(badJson.body().startsWith("{\"msg\":"), badJson.body());

        Raw badId = raw("GET", "/v1/tenant/XYZ/timeline", null);
        assertEquals(400, badId.status());
        assertTrue(badId.body().contains("XYZ"), badId.body());

        Raw badLsn = raw("GET", "/v1/tenant/" + tenant + "/timeline/" + main + "/page?key=" + key(1) + "&lsn=FF/0", null);
        assertEquals(400, badLsn.status());
        assertTrue(badLsn.body().contains("FF/0"), badLsn.body());

        Raw badBinary = raw("POST", "/v1/tenant/" + tenant + "/timeline/" + main + "/ingest", new byte[] {1, 0, 0, 0, 1, 2});
        assertEquals(400, badBinary.status());
        assertTrue(badBinary.body().contains("malformed"), badBinary.body());

        Raw missingField = raw("POST", "/v1/tenant/" + tenant + "/timeline", bytes("{}"));
        assertEquals(400, missingField.status());
        assertTrue(missingField.body().contains("new_timeline_id"), missingField.body());

        assertEquals(404, assertThrows(StrataClientException.class,
                () -> client.timeline(TenantId.random(), main)).status());
        assertEquals(404, assertThrows(StrataClientException.class,
                () -> client.timeline(tenant, TimelineId.random())).status());

        // A value one byte over the 1 MiB limit, in a request the server accepts by size.
        int oversized = PageRecord.MAX_VALUE_BYTES + 1;
        java.nio.ByteBuffer body = java.nio.ByteBuffer.allocate(1 + 4 + Key.BYTES + 5 + oversized)
                .put(PageWire.VERSION).putInt(1);
        key(1).write(body);
        body.put((byte) 1).putInt(oversized).put(new byte[oversized]);
        Raw tooLarge = raw("POST", "/v1/tenant/" + tenant + "/timeline/" + main + "/ingest", body.array());
        assertEquals(400, tooLarge.status(), tooLarge.body());
        assertTrue(tooLarge.body().contains(Integer.toString(oversized)), tooLarge.body());

        // A request over max_request_bytes is refused before it is read (413, or the connection is closed).
        int refused;
        try {
            refused = raw("POST", "/v1/tenant/" + tenant + "/timeline/" + main + "/ingest", new byte[5 << 20]).status();
        } catch (java.io.IOException e) {
            refused = 413;
        }
        assertEquals(413, refused);
        assertEquals(Lsn.of(LocalEngine.INITDB_LSN.value()), client.timeline(tenant, main).lastRecordLsn(),
                "nothing was written by rejected requests");
    }

    @Test
    void failpointsAreSetOverHttp() {
        client.configureFailpoint("wal-before-fsync", "return");
        StrataClientException failed = assertThrows(StrataClientException.class, () -> client.ingest(tenant, main,
                List.of(new PageWire.Write(key(1), new PageRecord.Image(bytes("x"))))));
        assertEquals(500, failed.status());
        StrataClientException badAction = assertThrows(StrataClientException.class,
                () -> client.configureFailpoint("x", "explode"));
        assertEquals(400, badAction.status());
        assertTrue(badAction.getMessage().contains("explode"), badAction.getMessage());
    }

    /**
     * A response larger than the server's write buffer goes out in several writes; with Nagle's algorithm on the
     * server's socket each later write waits for the client's delayed ACK, about 40 ms on Linux, so fifty reads
     * of an 8 KiB page took two seconds. Without that wait they take milliseconds; the bound leaves a wide
     * margin for slow machines.
     */
    @Test
    void pageReadsDoNotWaitForDelayedAcknowledgements() {
        byte[] page = new byte[8192];
        client.ingest(tenant, main, List.of(new PageWire.Write(key(1), new PageRecord.Image(page))));
        assertArrayEquals(page, client.getPage(tenant, main, key(1), null)); // connection open, classes loaded
        long start = System.nanoTime();
        for (int i = 0; i < 50; i++) {
            client.getPage(tenant, main, key(1), null);
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 1000, "50 reads of an 8 KiB page over one connection took " + millis + " ms");
    }

    private static int statusOf(Runnable call) {
        call.run();
        return 201;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(byte[] page) {
        return new String(page, StandardCharsets.UTF_8);
    }
}

package dev.strata.client;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.TenantId;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client's HTTP/1.1 framing and connection reuse against a hand-written server on 127.0.0.1 that answers
 * with exactly the bytes each test gives it: the framings and failures the node's own server does not
 * produce on demand (chunked bodies, bodies ended by a close, 1xx responses, connections closed in between).
 */
class Http1TransportTest {
    /** The answer to the n-th request (0-based, over all connections), as raw bytes; null closes without answering. */
    @FunctionalInterface
    private interface Script {
        Answer answer(int request, String requestHead);
    }

    private record Answer(String bytes, boolean closeAfter) {
        static Answer keep(String bytes) {
            return new Answer(bytes, false);
        }

        static Answer close(String bytes) {
            return new Answer(bytes, true);
        }
    }

    /** Accepts connections and answers each request by the script; counts connections and requests. */
    private static final class ScriptedServer implements AutoCloseable {
        private final ServerSocket socket;
        private final Script script;
        private final AtomicInteger connections = new AtomicInteger();
        private final AtomicInteger requests = new AtomicInteger();
        private final List<String> heads = new CopyOnWriteArrayList<>();
        private final List<Socket> accepted = new CopyOnWriteArrayList<>();

        ScriptedServer(Script script) throws IOException {
            this.script = script;
            this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(this::acceptLoop);
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }

        private void acceptLoop() {
            while (!socket.isClosed()) {
                try {
                    Socket connection = socket.accept();
                    accepted.add(connection);
                    connections.incrementAndGet();
                    Thread.ofVirtual().start(() -> serve(connection));
                } catch (IOException closed) {
                    return;
                }
            }
        }

        private void serve(Socket connection) {
            try (connection) {
                InputStream in = connection.getInputStream();
                OutputStream out = connection.getOutputStream();
                while (true) {
                    String head = readHead(in);
                    if (head == null) {
                        return;
                    }
                    int length = contentLength(head);
                    in.readNBytes(length);
                    heads.add(head);
                    Answer answer = script.answer(requests.getAndIncrement(), head);
                    if (answer == null) {
                        return;
                    }
                    out.write(answer.bytes().getBytes(ISO_8859_1));
                    out.flush();
                    if (answer.closeAfter()) {
                        return;
                    }
                }
            } catch (IOException ignored) {
                // the client went away: this connection is done
            }
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    return null;
                }
                head.write(b);
                matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            return head.toString(ISO_8859_1);
        }

        private static int contentLength(String head) {
            for (String line : head.split("\r\n")) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    return Integer.parseInt(line.substring("content-length:".length()).trim());
                }
            }
            return 0;
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket connection : accepted) {
                connection.close();
            }
        }
    }

    private static final String STATUS_JSON = "{\"node_id\":7}";

    private ScriptedServer server;
    private StrataClient client;

    private StrataClient start(Script script) throws IOException {
        server = new ScriptedServer(script);
        client = StrataClient.connect(server.uri());
        return client;
    }

    @AfterEach
    void stop() throws IOException {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static String withLength(String status, String body) {
        return "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(UTF_8).length + "\r\n\r\n" + body;
    }

    @Test
    void reusesOneConnectionForSequentialCalls() throws IOException {
        StrataClient client = start((request, head) -> Answer.keep(withLength("200 OK", STATUS_JSON)));
        for (int i = 0; i < 5; i++) {
            assertEquals(7, client.status().path("node_id").asInt());
        }
        assertEquals(1, server.connections.get());
        assertEquals(5, server.requests.get());
        assertTrue(server.heads.getFirst().startsWith("GET /v1/status HTTP/1.1\r\n"), server.heads.getFirst());
        assertTrue(server.heads.getFirst().contains("\r\nHost: 127.0.0.1:" + server.uri().getPort() + "\r\n"));
    }

    @Test
    void decodesChunkedBodiesWithExtensionsAndTrailers() throws IOException {
        StrataClient client = start((request, head) -> Answer.keep("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;name=value\r\n{\"nod\r\n" + "8\r\ne_id\":7}\r\n" + "0\r\nX-Trailer: 1\r\n\r\n"));
        assertEquals(7, client.status().path("node_id").asInt());
        assertEquals(7, client.status().path("node_id").asInt());
        assertEquals(1, server.connections.get(), "a chunked response leaves the connection reusable");
    }

    @Test
    void skipsInformationalResponses() throws IOException {
        StrataClient client = start((request, head) -> Answer.keep("HTTP/1.1 100 Continue\r\n\r\n"
                + withLength("200 OK", STATUS_JSON)));
        assertEquals(7, client.status().path("node_id").asInt());
    }

    @Test
    void readsBodyEndedByCloseAndOpensNewConnectionAfterwards() throws IOException {
        StrataClient client = start((request, head) -> Answer.close("HTTP/1.1 200 OK\r\n\r\n" + STATUS_JSON));
        assertEquals(7, client.status().path("node_id").asInt());
        assertEquals(7, client.status().path("node_id").asInt());
        assertEquals(2, server.connections.get());
    }

    @Test
    void connectionCloseHeaderIsHonoured() throws IOException {
        StrataClient client = start((request, head) -> Answer.keep("HTTP/1.1 200 OK\r\nConnection: close\r\n"
                + "Content-Length: " + STATUS_JSON.length() + "\r\n\r\n" + STATUS_JSON));
        client.status();
        client.status();
        assertEquals(2, server.connections.get());
    }

    @Test
    void idempotentCallIsRepeatedWhenAReusedConnectionWasClosed() throws IOException {
        // The server answers and then closes without saying so: the pooled connection is dead when reused.
        StrataClient client = start((request, head) -> Answer.close(withLength("200 OK", STATUS_JSON)));
        assertEquals(7, client.status().path("node_id").asInt());
        assertEquals(7, client.status().path("node_id").asInt());
        assertEquals(2, server.requests.get());
        assertEquals(2, server.connections.get());
    }

    @Test
    void postIsNotRepeatedWhenTheConnectionClosesWithoutAnAnswer() throws IOException {
        StrataClient client = start((request, head) -> request == 0 ? Answer.keep(withLength("200 OK", STATUS_JSON)) : null);
        client.status();
        StrataClientException e = assertThrows(StrataClientException.class, () -> client.createTenant(TenantId.random()));
        assertEquals(0, e.status());
        assertTrue(e.isTransient());
        assertTrue(e.getMessage().startsWith("POST http://127.0.0.1:" + server.uri().getPort() + "/v1/tenant failed"),
                e.getMessage());
        assertEquals(2, server.requests.get(), "the POST reached the server once and was not sent again");
        assertTrue(server.heads.get(1).contains("\r\nContent-Type: application/json\r\n"), server.heads.get(1));
    }

    @Test
    void errorStatusCarriesTheNodesMessage() throws IOException {
        StrataClient client = start((request, head) -> Answer.keep(request == 0
                ? withLength("404 Not Found", "{\"msg\":\"no such tenant\"}") : withLength("200 OK", STATUS_JSON)));
        StrataClientException e = assertThrows(StrataClientException.class, () -> client.tenant(TenantId.random()));
        assertEquals(404, e.status());
        assertTrue(e.getMessage().endsWith(": 404 no such tenant"), e.getMessage());
        client.status(); // the error response was read whole: the connection is still usable
        assertEquals(1, server.connections.get());
    }

    @Test
    void malformedStatusLineIsNamed() throws IOException {
        StrataClient client = start((request, head) -> Answer.keep("SPDY/3 200 OK\r\n\r\n"));
        StrataClientException e = assertThrows(StrataClientException.class, client::status);
        assertEquals(0, e.status());
        assertTrue(e.getMessage().contains("malformed status line 'SPDY/3 200 OK'"), e.getMessage());
    }

    @Test
    void bodyCutShortIsAnError() throws IOException {
        StrataClient client = start((request, head) -> Answer.close("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{}"));
        StrataClientException e = assertThrows(StrataClientException.class, client::status);
        assertTrue(e.getMessage().contains("after 2 of 100 body bytes"), e.getMessage());
    }

    @Test
    void unreachableNodeIsStatusZero() throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        try (StrataClient unreachable = StrataClient.connect(URI.create("http://127.0.0.1:" + port))) {
            StrataClientException e = assertThrows(StrataClientException.class, unreachable::status);
            assertEquals(0, e.status());
            assertTrue(e.getMessage().startsWith("cannot connect to http://127.0.0.1:" + port), e.getMessage());
        }
    }

    @Test
    void concurrentCallersUseSeparateConnections() throws Exception {
        java.util.concurrent.CountDownLatch bothArrived = new java.util.concurrent.CountDownLatch(2);
        StrataClient client = start((request, head) -> {
            bothArrived.countDown();
            try {
                bothArrived.await(); // neither answer goes out before both requests are in: two connections
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Answer.keep(withLength("200 OK", STATUS_JSON));
        });
        Thread first = Thread.ofVirtual().start(client::status);
        Thread second = Thread.ofVirtual().start(client::status);
        first.join(10_000);
        second.join(10_000);
        assertEquals(2, server.connections.get());
        assertEquals(2, server.requests.get());
    }
}

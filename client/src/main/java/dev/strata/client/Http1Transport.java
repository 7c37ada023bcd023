package dev.strata.client;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedDeque;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Blocking HTTP/1.1 with keep-alive to one node, for requests whose bodies fit in memory. Thread-safe: each
 * caller borrows an idle connection or opens a new one, so concurrent callers use as many connections as
 * there are callers at once, and a connection goes back to the pool once its response has been read whole.
 *
 * <p>Timeouts: connecting, and each read of a response, wait at most {@code timeout}. A connection that sat
 * idle for more than a second is checked before it is reused (the node may have closed it). A request on a
 * reused connection that fails before any byte of a response arrived is sent again on another connection
 * only when its method is idempotent ({@code GET}, {@code PUT}, {@code DELETE}); a {@code POST} is never
 * repeated, since the node may have carried it out.
 */
final class Http1Transport implements AutoCloseable {
    private static final long CHECK_IDLE_AFTER_NANOS = 1_000_000_000L;

    private final String host;
    private final int port;
    private final boolean tls;
    private final int timeoutMillis;
    /** " HTTP/1.1", Host and (with a token) Authorization, each with its CRLF. */
    private final String fixedHeaders;
    private final ConcurrentLinkedDeque<Http1Connection> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    Http1Transport(URI base, String bearerToken, Duration timeout) {
        requireNonNull(base, "base is null");
        requireNonNull(timeout, "timeout is null");
        String scheme = base.getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
            throw new IllegalArgumentException("node address " + base + " must be http:// or https://");
        }
        if (base.getHost() == null) {
            throw new IllegalArgumentException("node address " + base + " has no host");
        }
        this.host = base.getHost();
        this.tls = "https".equalsIgnoreCase(scheme);
        this.port = base.getPort() == -1 ? (tls ? 443 : 80) : base.getPort();
        long millis = timeout.toMillis();
        if (millis <= 0 || millis > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("timeout must be between 1 ms and " + Integer.MAX_VALUE + " ms, got " + timeout);
        }
        this.timeoutMillis = (int) millis;
        String hostHeader = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        this.fixedHeaders = " HTTP/1.1\r\nHost: " + hostHeader + ":" + port + "\r\n"
                + (bearerToken == null ? "" : "Authorization: Bearer " + bearerToken + "\r\n");
    }

    /**
     * Sends one request and returns the node's response, whatever its status.
     *
     * @param target      the path and query, starting with {@code /}
     * @param contentType the body's type, or null without a body
     * @throws java.net.ConnectException when no connection to the node could be made
     * @throws IOException               when the request or its response failed in transit
     */
    Http1Connection.Response send(String method, String target, String contentType, byte[] body) throws IOException {
        if (closed) {
            throw new IOException("the client is closed");
        }
        byte[] head = head(method, target, contentType, body.length);
        while (true) {
            Http1Connection connection = idle.pollFirst();
            boolean reused = connection != null;
            if (reused && connection.idleNanos() > CHECK_IDLE_AFTER_NANOS && connection.closedByPeer(timeoutMillis)) {
                connection.close();
                continue;
            }
            if (!reused) {
                connection = open();
            }
            boolean success = false;
            try {
                Http1Connection.Response response = connection.exchange(head, body);
                success = true;
                release(connection);
                return response;
            } catch (IOException e) {
                if (reused && idempotent(method) && !Thread.currentThread().isInterrupted()) {
                    continue; // the node likely closed the idle connection as the request went out
                }
                throw e;
            } finally {
                if (!success) {
                    connection.close();
                }
            }
        }
    }

    private static boolean idempotent(String method) {
        return switch (method) {
            case "GET", "PUT", "DELETE" -> true;
            default -> false;
        };
    }

    private byte[] head(String method, String target, String contentType, int contentLength) {
        StringBuilder head = new StringBuilder(160 + target.length());
        head.append(method).append(' ').append(target).append(fixedHeaders);
        if (contentType != null) {
            head.append("Content-Type: ").append(contentType).append("\r\n");
        }
        if (contentLength > 0 || !method.equals("GET")) {
            head.append("Content-Length: ").append(contentLength).append("\r\n");
        }
        return head.append("\r\n").toString().getBytes(ISO_8859_1);
    }

    private Http1Connection open() throws IOException {
        Socket socket = new Socket();
        boolean success = false;
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            if (tls) {
                SSLSocket secure = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault())
                        .createSocket(socket, host, port, true);
                socket = secure;
                SSLParameters parameters = secure.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                secure.setSSLParameters(parameters);
                secure.startHandshake();
            }
            Http1Connection connection = new Http1Connection(socket);
            success = true;
            return connection;
        } finally {
            if (!success) {
                socket.close();
            }
        }
    }

    private void release(Http1Connection connection) {
        if (!connection.reusable() || closed) {
            connection.close();
            return;
        }
        idle.offerFirst(connection);
        if (closed) { // close() ran meanwhile and may have missed this one
            closeIdle();
        }
    }

    private void closeIdle() {
        for (Http1Connection connection = idle.pollFirst(); connection != null; connection = idle.pollFirst()) {
            connection.close();
        }
    }

    /** Closes the idle connections; ones in use close when their response has been read. */
    @Override
    public void close() {
        closed = true;
        closeIdle();
    }
}

package dev.strata.core.http;

import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.http.auth.AuthException;
import dev.strata.core.http.auth.Grant;
import dev.strata.core.http.auth.JwtAuthenticator;
import dev.strata.core.tenant.LocalEngine;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.util.Objects;

/**
 * The node's HTTP server (Helidon SE on virtual threads) in front of an engine. With an authenticator every
 * request needs a bearer token whose scope covers it (401 without a valid token, 403 outside its scope).
 * {@code GET /metrics} (the engine's metrics in Prometheus text) needs no token, as on Neon's pageserver.
 * Start-up fails with a clear message when the address cannot be bound, instead of running without a
 * listener.
 */
public final class NodeServer implements AutoCloseable {
    private final WebServer server;

    private NodeServer(WebServer server) {
        this.server = server;
    }

    /**
     * Starts listening on {@code host:port} (port 0 picks a free one).
     *
     * @throws IOException naming the address when the server did not start
     */
    public static NodeServer start(LocalEngine engine, Failpoints failpoints, long nodeId, String host, int port,
                                   long maxRequestBytes, JwtAuthenticator authenticator) throws IOException {
        Objects.requireNonNull(engine, "engine is null");
        HttpApi api = new HttpApi(engine, failpoints, nodeId);
        WebServer server = WebServer.builder()
                .host(host)
                .port(port)
                .maxPayloadSize(maxRequestBytes)
                // Without TCP_NODELAY the second write of a response (headers and body, or a body larger than the
                // write buffer) waits for the client's delayed ACK: about 40 ms per request on Linux.
                .connectionOptions(socket -> socket.tcpNoDelay(true))
                .shutdownHook(false)
                // Connections on java.net.Socket rather than NIO socket channels: in the benchmark's get-page
                // over loopback (benchmarks/run --full --only wire) this cut the CPU per request from 94 to 59 µs
                // and raised 4-thread throughput from 21,600 to 34,500 get-page/s on the same 2-core host.
                .useNio(false)
                .routing(routing -> {
                    new RequestObserver(engine.metrics()).register(routing);
                    if (authenticator != null) {
                        routing.addFilter((chain, request, response) -> {
                            if (RequestObserver.isPublic(request.path().path())) {
                                chain.proceed();
                                return;
                            }
                            try {
                                Grant grant = authenticator.authenticate(
                                        request.headers().first(HeaderNames.AUTHORIZATION).orElse(null));
                                grant.authorize(request.path().path());
                            } catch (AuthException e) {
                                HttpApi.sendError(response, new ApiError(e.status(), e.getMessage()));
                                return;
                            }
                            chain.proceed();
                        });
                    }
                    api.register(routing);
                })
                .build()
                .start();
        if (!server.isRunning() || server.port() <= 0) {
            server.stop();
            throw new IOException("HTTP server could not listen on " + host + ":" + port + " (address in use or not allowed)");
        }
        return new NodeServer(server);
    }

    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.stop();
    }
}

package dev.strata.controller.http;

import dev.strata.controller.ControllerConfig;
import dev.strata.controller.placement.Migrator;
import dev.strata.controller.placement.TenantPlacer;
import dev.strata.controller.store.ControllerStore;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import java.io.IOException;

/**
 * The controller's HTTP server (Helidon SE, handlers on virtual threads). With a token file every request
 * needs the bearer token (401 otherwise). Start-up fails with a clear message when the address cannot be
 * bound.
 */
public final class ControllerServer implements AutoCloseable {
    private static final long MAX_REQUEST_BYTES = 1 << 20;

    private final WebServer server;

    private ControllerServer(WebServer server) {
        this.server = server;
    }

    public static ControllerServer start(ControllerConfig config, ControllerStore store, TenantPlacer placer,
                                         Migrator migrator) throws IOException {
        BearerAuth auth = config.tokenFile() == null ? null : BearerAuth.fromFile(config.tokenFile());
        ControllerApi api = new ControllerApi(store, placer, migrator);
        WebServer server = WebServer.builder()
                .host(config.host())
                .port(config.port())
                .maxPayloadSize(MAX_REQUEST_BYTES)
                .connectionOptions(socket -> socket.tcpNoDelay(true))
                .shutdownHook(false)
                .routing(routing -> {
                    if (auth != null) {
                        routing.addFilter((chain, request, response) -> {
                            if (!auth.accepts(request.headers().first(HeaderNames.AUTHORIZATION).orElse(null))) {
                                ControllerApi.sendError(response, 401, "missing or wrong bearer token");
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
            throw new IOException("controller could not listen on " + config.host() + ":" + config.port()
                    + " (address in use or not allowed)");
        }
        return new ControllerServer(server);
    }

    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.stop();
    }
}

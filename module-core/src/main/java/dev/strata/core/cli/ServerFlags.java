package dev.strata.core.cli;

import dev.strata.client.StrataClient;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options of the commands that talk to a running node. */
final class ServerFlags {
    @Option(names = "--server", description = "Base URL of the node (default: ${DEFAULT-VALUE}).",
            defaultValue = "http://127.0.0.1:9898")
    URI server;

    @Option(names = "--token-file", description = "File holding a bearer token to send.")
    Path tokenFile;

    StrataClient client() throws IOException {
        StrataClient client = StrataClient.connect(server);
        return tokenFile == null ? client : client.withToken(Files.readString(tokenFile).strip());
    }
}

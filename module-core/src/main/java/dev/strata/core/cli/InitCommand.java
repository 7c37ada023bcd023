package dev.strata.core.cli;

import dev.strata.core.config.NodeConfig;
import dev.strata.core.io.DurableFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code strata init}: a work directory with a commented default configuration. */
@Command(name = "init", description = "Create a node work directory with a commented default strata.toml.")
final class InitCommand implements Callable<Integer> {
    @Option(names = "--workdir", required = true, description = "Work directory of the node.")
    Path workdir;

    @Option(names = "--listen", description = "HOST:PORT of the HTTP API to write into the configuration.")
    String listen;

    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        DurableFiles.createDirectoryDurably(workdir);
        Path file = workdir.resolve(NodeConfig.FILE);
        if (Files.exists(file)) {
            spec.commandLine().getErr().println("strata: " + file + " exists; leaving it as it is");
            return 1;
        }
        String content = NodeConfig.defaultFile();
        if (listen != null) {
            content = content.replace("listen_http = \"" + NodeConfig.DEFAULT.listenAddress() + "\"",
                    "listen_http = \"" + listen + "\"");
        }
        DurableFiles.writeAtomically(file, content.getBytes(StandardCharsets.UTF_8));
        spec.commandLine().getOut().println("wrote " + file);
        spec.commandLine().getOut().flush();
        return 0;
    }
}

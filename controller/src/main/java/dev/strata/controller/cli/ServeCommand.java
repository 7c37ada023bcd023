package dev.strata.controller.cli;

import dev.strata.controller.Controller;
import dev.strata.controller.ControllerConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs the controller until the process is stopped (SIGTERM or SIGINT close it cleanly). */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the controller.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "FILE",
            description = "TOML configuration: listen, token_file, node_token_file, catch_up_timeout, [database] url, user, password_file, embedded, pool_size.")
    Path config;

    @Override
    public Integer call() throws Exception {
        ControllerConfig loaded;
        try {
            loaded = ControllerConfig.load(config);
        } catch (IllegalArgumentException e) {
            System.err.println("strata-controller: " + config + ": " + e.getMessage());
            return 2;
        }
        Controller controller = Controller.start(loaded);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                controller.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                stopped.countDown();
            }
        }, "strata-controller-shutdown"));
        System.out.println("strata-controller listening on " + loaded.host() + ":" + controller.port() + " (" + loaded + ")");
        stopped.await();
        return 0;
    }
}

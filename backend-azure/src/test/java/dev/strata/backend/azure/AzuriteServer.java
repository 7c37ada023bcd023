package dev.strata.backend.azure;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Azurite's blob service (installed by the build into {@code target/azurite}) as a child process on 127.0.0.1 and
 * a free port, storing into a directory of the test, with {@code --skipApiVersionCheck} (the SDK is newer than
 * Azurite) and {@code --disableTelemetry}. {@link #close()} stops it with SIGINT, then SIGKILL after 10 s; a
 * shutdown hook kills it if the test JVM exits first.
 */
final class AzuriteServer implements AutoCloseable {
    static final String ACCOUNT = "devstoreaccount1";
    static final String KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static final long START_TIMEOUT_SECONDS = 60;

    private final Process process;
    private final Thread shutdownHook;
    private final URI endpoint;

    private AzuriteServer(Process process, URI endpoint) {
        this.process = process;
        this.endpoint = endpoint;
        this.shutdownHook = new Thread(process::destroyForcibly, "stop-azurite");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    static AzuriteServer start(Path work) throws IOException, InterruptedException {
        Path home = Path.of(System.getProperty("strata.azurite.home", "target/azurite"));
        Path executable = home.resolve("node_modules/.bin/azurite-blob");
        if (!Files.isExecutable(executable)) {
            throw new IllegalStateException("Azurite not found at " + executable
                    + " (the build installs it in generate-test-resources; run through Maven)");
        }
        Path location = Files.createDirectories(work.resolve("data"));
        int port = freePort();
        Path log = work.resolve("azurite.log");
        Process process = new ProcessBuilder(List.of(executable.toString(), "--blobHost", "127.0.0.1", "--blobPort",
                Integer.toString(port), "--location", location.toString(), "--skipApiVersionCheck", "--silent",
                "--disableTelemetry"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        AzuriteServer server = new AzuriteServer(process, URI.create("http://127.0.0.1:" + port + "/" + ACCOUNT));
        boolean ready = false;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("Azurite exited with " + process.exitValue() + ":\n" + Files.readString(log));
                }
                if (accepts(port)) {
                    ready = true;
                    return server;
                }
                Thread.sleep(100);
            }
            throw new IllegalStateException("Azurite did not listen on port " + port + " within " + START_TIMEOUT_SECONDS
                    + " s:\n" + Files.readString(log));
        } finally {
            if (!ready) {
                server.close();
            }
        }
    }

    /** The blob endpoint including the account, as the SDK wants it. */
    URI endpoint() {
        return endpoint;
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (process.isAlive()) {
            Process interrupt = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).inheritIO().start();
            interrupt.waitFor(10, TimeUnit.SECONDS);
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }
}

package dev.strata.backend.s3;

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
 * S3Proxy (the jar-with-dependencies the build copies to {@code target/s3proxy/s3proxy.jar}) as a child process on
 * 127.0.0.1 and a free port, in memory (jclouds {@code transient}: a map, so keys "a" and "a/b" can coexist, which the file-like nio2 stores refuse), with SigV4 authentication. Its temp files
 * and log go to a directory of the test. {@link #close()} stops it with SIGTERM (then SIGKILL after 10 s), and a
 * shutdown hook does the same if the test JVM exits first.
 */
final class S3ProxyServer implements AutoCloseable {
    static final String ACCESS_KEY = "strata-test-access";
    static final String SECRET_KEY = "strata-test-secret";
    private static final long START_TIMEOUT_SECONDS = 60;

    private final Process process;
    private final Thread shutdownHook;
    private final URI endpoint;
    private final Path log;

    private S3ProxyServer(Process process, URI endpoint, Path log) {
        this.process = process;
        this.endpoint = endpoint;
        this.log = log;
        this.shutdownHook = new Thread(process::destroyForcibly, "stop-s3proxy");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    static S3ProxyServer start(Path work) throws IOException, InterruptedException {
        String jar = System.getProperty("strata.s3proxy.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("S3Proxy jar not found at " + jar
                    + " (the build copies it in generate-test-resources; run through Maven)");
        }
        Files.createDirectories(work);
        Path temp = Files.createDirectories(work.resolve("tmp"));
        int port = freePort();
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        Path properties = Files.writeString(work.resolve("s3proxy.properties"), String.join("\n",
                "s3proxy.endpoint=" + endpoint,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET_KEY,
                "jclouds.provider=transient",
                "jclouds.identity=" + ACCESS_KEY,
                "jclouds.credential=" + SECRET_KEY,
                ""));
        Path log = work.resolve("s3proxy.log");
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Process process = new ProcessBuilder(List.of(java, "-Xmx512m", "-Djava.io.tmpdir=" + temp, "-jar", jar,
                "--properties", properties.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        S3ProxyServer server = new S3ProxyServer(process, endpoint, log);
        boolean ready = false;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("S3Proxy exited with " + process.exitValue() + ":\n" + Files.readString(log));
                }
                if (accepts(port)) {
                    ready = true;
                    return server;
                }
                Thread.sleep(100);
            }
            throw new IllegalStateException("S3Proxy did not listen on " + endpoint + " within " + START_TIMEOUT_SECONDS
                    + " s:\n" + Files.readString(log));
        } finally {
            if (!ready) {
                server.close();
            }
        }
    }

    URI endpoint() {
        return endpoint;
    }

    Path log() {
        return log;
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
    public void close() throws InterruptedException {
        process.destroy();
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

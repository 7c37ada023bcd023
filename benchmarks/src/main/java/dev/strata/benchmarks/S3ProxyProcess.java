package dev.strata.benchmarks;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * S3Proxy as a child process on 127.0.0.1 and a free port, keeping objects as files under a directory of the
 * run (jclouds {@code filesystem}: the in-memory {@code transient} store would hold the gigabytes of a full run
 * in S3Proxy's heap), with SigV4 authentication. The jar is the one {@code benchmarks/pom.xml} copies to
 * {@code benchmarks/target/s3proxy/s3proxy.jar}, or {@code -Dstrata.s3proxy.jar}. {@link #close()} stops it
 * (SIGTERM, then SIGKILL after 10 s); a shutdown hook does the same if the benchmark exits first.
 */
final class S3ProxyProcess implements AutoCloseable {
    static final String ACCESS_KEY = "strata-bench-access";
    static final String SECRET_KEY = "strata-bench-secret";
    private static final String DEFAULT_JAR = "benchmarks/target/s3proxy/s3proxy.jar";
    private static final long START_TIMEOUT_SECONDS = 60;

    private final Process process;
    private final Thread shutdownHook;
    private final URI endpoint;
    private final Path log;

    private S3ProxyProcess(Process process, URI endpoint, Path log) {
        this.process = requireNonNull(process, "process is null");
        this.endpoint = requireNonNull(endpoint, "endpoint is null");
        this.log = requireNonNull(log, "log is null");
        this.shutdownHook = new Thread(process::destroyForcibly, "stop-s3proxy");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts S3Proxy with its objects under {@code work/objects} and its log in {@code work/s3proxy.log}. */
    static S3ProxyProcess start(Path work) throws IOException {
        Path jar = Path.of(System.getProperty("strata.s3proxy.jar", DEFAULT_JAR));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("S3Proxy jar not found at " + jar.toAbsolutePath()
                    + " (benchmarks/run builds it into benchmarks/target/s3proxy/; or set -Dstrata.s3proxy.jar)");
        }
        Path objects = Files.createDirectories(work.resolve("objects"));
        Path temp = Files.createDirectories(work.resolve("tmp"));
        int port = freePort();
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        Path properties = Files.writeString(work.resolve("s3proxy.properties"), String.join("\n",
                "s3proxy.endpoint=" + endpoint,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET_KEY,
                "jclouds.provider=filesystem",
                "jclouds.filesystem.basedir=" + objects,
                "jclouds.identity=" + ACCESS_KEY,
                "jclouds.credential=" + SECRET_KEY,
                ""));
        Path log = work.resolve("s3proxy.log");
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new java.util.ArrayList<>(List.of(java, "-Xmx512m", "-XX:+UseG1GC", "-Djava.io.tmpdir=" + temp));
        // Diagnostic: extra JVM options for the server (a flight recording, for example), space-separated.
        String extra = System.getProperty("strata.bench.s3proxy.jvm", "").strip();
        if (!extra.isEmpty()) {
            command.addAll(List.of(extra.split("\\s+")));
        }
        command.addAll(List.of("-jar", jar.toString(), "--properties", properties.toString()));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        S3ProxyProcess server = new S3ProxyProcess(process, endpoint, log);
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
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while S3Proxy started", e);
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

    /** The settings of the {@code s3} provider for {@code bucket} on this server. */
    Map<String, String> providerSettings(String bucket) {
        return Map.of("bucket", bucket, "endpoint", endpoint.toString(), "path_style", "true",
                "access_key_id", ACCESS_KEY, "secret_access_key", SECRET_KEY);
    }

    /**
     * A plain SDK client configured as the S3 backend configures its own (Apache 5 HTTP client, checksums only
     * when required, no SDK retries), so that the baseline differs from the backend only in what it skips.
     */
    S3Client client() {
        return S3Client.builder()
                .httpClient(Apache5HttpClient.builder().maxConnections(64).build())
                .region(Region.US_EAST_1)
                .endpointOverride(endpoint)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(override -> override.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
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
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }
}

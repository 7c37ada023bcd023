import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the linked image the way a user would and fails the build if it does not start; run by the
 * distribution module in the integration-test phase.
 *
 * <p>Usage: {@code java SmokeTest.java <image> [<s3proxy jar> <work dir> [<azurite home>]]}
 *
 * <p>Checks that {@code bin/strata --version} and {@code bin/strata --help} exit with 0 and print "strata",
 * and that the image holds Strata's modules (the backends are found through ServiceLoader, so nothing
 * requires them and only {@code --add-modules} keeps them in the image).
 *
 * <p>Then starts {@code bin/strata server} on a free port with JSON logs, reads its address from
 * {@code <workdir>/metadata.json}, checks that {@code GET /metrics} answers Prometheus text with Strata's
 * metrics, creates a tenant and checks that the log line about it is JSON carrying the tenant id, and that
 * Log4j found its provider (the image links log4j-core). The launcher {@code exec}s java, so the started
 * process is the JVM itself and killing it frees the port.
 *
 * <p>With a work directory it also runs {@code bin/strata remote check} from the image: against the built-in
 * localfs backend, and, when the image has {@code plugins/s3}, against an S3Proxy started on 127.0.0.1 and a free
 * port (and always stopped), so the S3 plugin is loaded from its module layer and does a full round trip; likewise
 * {@code plugins/azure} against Azurite (installed by the Azure backend's build; stopped with SIGINT). Against each of
 * the two it then checks tiering end to end ({@link TieringCheck}): a node writes pages that a second node, on an
 * empty disk, attaches from the bucket and serves identically; against S3Proxy also a lost disk recovered from the
 * WAL backup by a third node. Finally it checks that
 * {@code auth = "default_credential"} loads Azure Identity in the plugin layer and builds the credential, which the
 * SDK then refuses over Azurite's plain HTTP before any request.
 *
 * <p>{@link TieringCheck} is a second source file beside this one; the source launcher compiles it on demand.
 */
public final class SmokeTest {

    private static final long TIMEOUT_SECONDS = 60;

    private SmokeTest() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length != 1 && args.length != 3 && args.length != 4) {
            System.err.println("usage: java SmokeTest.java <image> [<s3proxy jar> <work dir> [<azurite home>]]");
            System.exit(2);
        }
        Path image = Path.of(args[0]);
        Path launcher = image.resolve("bin/strata");
        List<String> failures = new ArrayList<>();
        if (!Files.isExecutable(launcher)) {
            fail(List.of(launcher + " is missing or not executable"));
        }

        expect(failures, "strata", launcher.toString(), "--version");
        expect(failures, "strata", launcher.toString(), "--help");
        String modules = expect(failures, "java.base", image.resolve("bin/java").toString(), "--list-modules");
        expect(failures, "strata-controller", image.resolve("bin/strata-controller").toString(), "--version");
        for (String module : List.of("dev.strata.api", "dev.strata.core", "dev.strata.backend.localfs", "dev.strata.controller")) {
            if (!modules.contains(module + "@")) {
                failures.add("the image does not contain module " + module + "; java --list-modules printed:\n" + modules);
            }
        }
        for (String directory : List.of("plugins", "conf")) {
            if (!Files.isDirectory(image.resolve(directory))) {
                failures.add("the image has no " + directory + "/ directory");
            }
        }
        if (!failures.isEmpty()) {
            fail(failures);
        }
        System.out.println("[strata-smoke] " + image + ": bin/strata --version and --help work; modules present");
        checkServer(image, failures);
        checkController(image, failures);
        if (!failures.isEmpty()) {
            fail(failures);
        }
        if (args.length >= 3) {
            Path work = Path.of(args[2]);
            deleteRecursively(work);
            Files.createDirectories(work);
            remoteChecks(failures, launcher, image, Path.of(args[1]), work);
            if (args.length == 4) {
                azureCheck(failures, launcher, image, Path.of(args[3]), work);
            }
            if (!failures.isEmpty()) {
                fail(failures);
            }
        }
    }

    private static final long SERVER_START_MILLIS = 15_000;

    /**
     * Runs {@code bin/strata-controller serve} on its embedded database (the H2 driver loaded from lib/jdbc/)
     * and asks it for its status.
     */
    private static void checkController(Path image, List<String> failures) throws IOException, InterruptedException {
        Path workdir = Files.createTempDirectory(image.toAbsolutePath().getParent(), "smoke-controller-");
        Path config = Files.writeString(workdir.resolve("controller.toml"),
                "listen = \"127.0.0.1:0\"\n[database]\nembedded = \"controller-db\"\n");
        Path out = workdir.resolve("controller.out");
        Path err = workdir.resolve("controller.err");
        long started = System.nanoTime();
        Process controller = new ProcessBuilder(image.resolve("bin/strata-controller").toString(), "serve",
                "--config", config.toString()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            Pattern listening = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
            long deadline = System.currentTimeMillis() + SERVER_START_MILLIS;
            String port = null;
            while (port == null && controller.isAlive() && System.currentTimeMillis() < deadline) {
                Matcher matcher = listening.matcher(Files.readString(out));
                if (matcher.find()) {
                    port = matcher.group(1);
                } else {
                    Thread.sleep(50);
                }
            }
            if (port != null) {
                URI status = URI.create("http://127.0.0.1:" + port + "/control/v1/status");
                HttpResponse<String> answer = http.send(HttpRequest.newBuilder(status).GET().timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (answer.statusCode() != 200 || !answer.body().contains("\"nodes\":0")) {
                    failures.add("GET " + status + ": status " + answer.statusCode() + ", body " + answer.body());
                }
            } else {
                failures.add("bin/strata-controller serve did not report its address within " + SERVER_START_MILLIS
                        + " ms (alive: " + controller.isAlive() + "); stdout:\n" + Files.readString(out) + "\nstderr:\n"
                        + Files.readString(err));
            }
        } finally {
            controller.destroyForcibly();
            controller.waitFor(10, TimeUnit.SECONDS);
        }
        if (failures.isEmpty()) {
            System.out.printf("[strata-smoke] bin/strata-controller serve: status answered from the embedded database (%d ms)%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            deleteRecursively(workdir);
        } else {
            failures.add("controller files kept in " + workdir);
        }
    }

    /** Runs {@code bin/strata server}, scrapes /metrics, creates a tenant, checks the JSON log, kills the JVM. */
    private static void checkServer(Path image, List<String> failures) throws IOException, InterruptedException {
        Path workdir = Files.createTempDirectory(image.toAbsolutePath().getParent(), "smoke-node-");
        Path out = workdir.resolve("server.out");
        Path err = workdir.resolve("server.err");
        ProcessBuilder builder = new ProcessBuilder(image.resolve("bin/strata").toString(), "server",
                "--workdir", workdir.toString(), "--listen", "127.0.0.1:0")
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().put("STRATA_LOG_FORMAT", "json");
        long started = System.nanoTime();
        Process server = builder.start();
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            Path metadata = workdir.resolve("metadata.json");
            long deadline = System.currentTimeMillis() + SERVER_START_MILLIS;
            while (!Files.exists(metadata) && server.isAlive() && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            if (!Files.exists(metadata)) {
                failures.add("bin/strata server wrote no " + metadata + " within " + SERVER_START_MILLIS + " ms (alive: "
                        + server.isAlive() + "); stdout:\n" + Files.readString(out) + "\nstderr:\n" + Files.readString(err));
                return;
            }
            Matcher address = Pattern.compile("\"http\":\"([^\"]+)\"").matcher(Files.readString(metadata));
            if (!address.find()) {
                failures.add(metadata + " names no http address: " + Files.readString(metadata));
                return;
            }
            URI base = URI.create(address.group(1));
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(base.resolve("/metrics")).GET()
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            List<String> expected = List.of("# TYPE strata_ingest_batches_total counter", "strata_ingest_batches_total 0.0",
                    "# TYPE strata_ingest_latency summary", "strata_layers{kind=\"image\"} 0.0",
                    "strata_http_requests_total{route=\"ingest\",status=\"2xx\"} 0.0", "strata_tenants 0.0");
            for (String line : expected) {
                if (metrics.statusCode() != 200 || !metrics.body().contains(line)) {
                    failures.add("GET " + base.resolve("/metrics") + ": status " + metrics.statusCode()
                            + ", expected a line \"" + line + "\"; body:\n" + metrics.body());
                    break;
                }
            }
            String tenant = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
            HttpResponse<String> created = http.send(HttpRequest.newBuilder(base.resolve("/v1/tenant"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"new_tenant_id\":\"" + tenant + "\"}"))
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (created.statusCode() != 201) {
                failures.add("POST /v1/tenant: status " + created.statusCode() + ", expected 201: " + created.body());
            }
            String log = Files.readString(err);
            boolean jsonLine = log.lines().anyMatch(line -> line.startsWith("{") && line.contains("created tenant")
                    && line.contains("\"tenant_id\":\"" + tenant + "\""));
            if (!jsonLine) {
                failures.add("no JSON log line about tenant " + tenant + " with field tenant_id; stderr:\n" + log);
            }
            if (log.contains("could not find a logging provider")) {
                failures.add("Log4j found no provider in the image (is org.apache.logging.log4j.core linked?):\n" + log);
            }
            String command = server.info().command().orElse("");
            if (!command.endsWith("/java")) {
                failures.add("the server process is " + command + ", not java: the launcher must exec the JVM");
            }
        } finally {
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
        }
        if (failures.isEmpty()) {
            System.out.printf("[strata-smoke] bin/strata server: /metrics answered, JSON log carries the tenant (%d ms)%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            deleteRecursively(workdir);
        } else {
            failures.add("server files kept in " + workdir);
        }
    }

    private static void remoteChecks(List<String> failures, Path launcher, Path image, Path s3proxyJar, Path work)
            throws IOException, InterruptedException {
        Path localConfig = Files.writeString(work.resolve("localfs.toml"), """
                [remote_storage]
                provider = "localfs"
                root = "%s"
                """.formatted(work.resolve("bucket")));
        expect(failures, "remote storage works", launcher.toString(), "remote", "check", "--config", localConfig.toString());
        if (!Files.isDirectory(image.resolve("plugins/s3"))) {
            System.out.println("[strata-smoke] this image has no plugins/s3; the S3 round trip is not part of it");
            return;
        }
        lifecycleTagNeedsS3(failures, launcher, work);
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        Path properties = Files.writeString(work.resolve("s3proxy.properties"), String.join("\n",
                "s3proxy.endpoint=" + endpoint, "s3proxy.authorization=none", "jclouds.provider=transient",
                "jclouds.identity=smoke", "jclouds.credential=smoke", ""));
        Path temp = Files.createDirectories(work.resolve("s3proxy-tmp"));
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process s3proxy = new ProcessBuilder(java, "-Xmx512m", "-Djava.io.tmpdir=" + temp, "-jar", s3proxyJar.toString(),
                "--properties", properties.toString()).redirectErrorStream(true)
                .redirectOutput(work.resolve("s3proxy.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
            while (!accepts(port)) {
                if (!s3proxy.isAlive() || System.nanoTime() > deadline) {
                    failures.add("S3Proxy did not start; log:\n" + Files.readString(work.resolve("s3proxy.log")));
                    return;
                }
                Thread.sleep(100);
            }
            try (HttpClient http = HttpClient.newHttpClient()) {
                HttpResponse<String> created = http.send(HttpRequest.newBuilder(endpoint.resolve("/smoke-bucket"))
                        .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                if (created.statusCode() != 200) {
                    failures.add("creating the bucket answered " + created.statusCode() + ": " + created.body());
                    return;
                }
            }
            String s3Section = """
                    [remote_storage]
                    provider = "s3"
                    bucket = "smoke-bucket"
                    endpoint = "%s"
                    path_style = true
                    access_key_id = "smoke"
                    secret_access_key = "smoke-secret"
                    retry_max_attempts = 3
                    """.formatted(endpoint);
            Path s3Config = Files.writeString(work.resolve("s3.toml"), s3Section);
            String output = expect(failures, "remote storage works", launcher.toString(), "remote", "check",
                    "--config", s3Config.toString());
            if (!output.contains("plugin 's3'")) {
                failures.add("remote check did not load s3 from its plugin layer:\n" + output);
            }
            if (output.contains("smoke-secret")) {
                failures.add("remote check printed the secret key:\n" + output);
            }
            System.out.println("[strata-smoke] bin/strata remote check passed against localfs and, through plugins/s3, S3Proxy");
            TieringCheck.run(failures, launcher, work, "s3", "S3Proxy", s3Section, true);
        } finally {
            s3proxy.destroy();
            if (!s3proxy.waitFor(10, TimeUnit.SECONDS)) {
                s3proxy.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * The S3 plugin's {@code lifecycle-tag} deletion executor is found in the plugin layer, and a node configured
     * with it over another backend refuses to start, naming the executor and the backend.
     */
    private static void lifecycleTagNeedsS3(List<String> failures, Path launcher, Path work)
            throws IOException, InterruptedException {
        Path workdir = Files.createDirectories(work.resolve("lifecycle-tag-node"));
        Files.writeString(workdir.resolve("strata.toml"), """
                listen_http = "127.0.0.1:0"
                [remote_storage]
                provider = "localfs"
                root = "remote"
                [control_plane]
                provider = "local"
                [deletion]
                executor = "lifecycle-tag"
                """);
        Run run = run(launcher.toString(), "server", "--workdir", workdir.toString());
        String expected = "[deletion] executor = 'lifecycle-tag' needs [remote_storage] provider = 's3'";
        if (run.exitCode() != 2 || !run.output().contains(expected)) {
            failures.add("strata server with lifecycle-tag over localfs: exit code " + run.exitCode()
                    + ", expected 2 and output containing \"" + expected + "\"; output:\n" + run.output());
        } else {
            System.out.println("[strata-smoke] lifecycle-tag over localfs is refused: " + firstLine(run.output()));
        }
    }

    private static void azureCheck(List<String> failures, Path launcher, Path image, Path azuriteHome, Path work)
            throws IOException, InterruptedException {
        Path azurite = azuriteHome.resolve("node_modules/.bin/azurite-blob");
        if (!Files.isDirectory(image.resolve("plugins/azure"))) {
            System.out.println("[strata-smoke] this image has no plugins/azure; the Azure round trip is not part of it");
            return;
        }
        if (!Files.isExecutable(azurite)) {
            failures.add("Azurite is not installed at " + azurite + " (the Azure backend's build installs it)");
            return;
        }
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Path data = Files.createDirectories(work.resolve("azurite-data"));
        Process process = new ProcessBuilder(azurite.toString(), "--blobHost", "127.0.0.1", "--blobPort", Integer.toString(port),
                "--location", data.toString(), "--skipApiVersionCheck", "--silent", "--disableTelemetry")
                .redirectErrorStream(true).redirectOutput(work.resolve("azurite.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
            while (!accepts(port)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    failures.add("Azurite did not start; log:\n" + Files.readString(work.resolve("azurite.log")));
                    return;
                }
                Thread.sleep(100);
            }
            String azureSection = """
                    [remote_storage]
                    provider = "azure"
                    container = "smoke"
                    create_container = true
                    account_name = "devstoreaccount1"
                    account_key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
                    endpoint = "http://127.0.0.1:%d/devstoreaccount1"
                    retry_max_attempts = 3
                    """.formatted(port);
            Path config = Files.writeString(work.resolve("azure.toml"), azureSection);
            String output = expect(failures, "remote storage works", launcher.toString(), "remote", "check",
                    "--config", config.toString());
            if (!output.contains("plugin 'azure'")) {
                failures.add("remote check did not load azure from its plugin layer:\n" + output);
            }
            if (output.contains("Eby8vdM02x")) {
                failures.add("remote check printed the account key:\n" + output);
            }
            System.out.println("[strata-smoke] bin/strata remote check passed through plugins/azure against Azurite");
            TieringCheck.run(failures, launcher, work, "azure", "Azurite", azureSection);
            defaultCredentialLoads(failures, launcher, work, port);
        } finally {
            if (process.isAlive()) {
                new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor(10, TimeUnit.SECONDS);
            }
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * {@code auth = "default_credential"} loads azure-identity and its graph (MSAL, JNA) into the plugin layer and
     * builds the credential; with Azurite's plain-HTTP endpoint the SDK then refuses to build a token client
     * ("requires https"), so no token is requested and nothing is contacted (Azurite takes no Azure AD tokens over
     * HTTP, and a token request would go to Azure AD or the instance metadata service).
     */
    private static void defaultCredentialLoads(List<String> failures, Path launcher, Path work, int port)
            throws IOException, InterruptedException {
        Path config = Files.writeString(work.resolve("azure-default-credential.toml"), """
                [remote_storage]
                provider = "azure"
                container = "smoke"
                auth = "default_credential"
                account_name = "devstoreaccount1"
                endpoint = "http://127.0.0.1:%d/devstoreaccount1"
                """.formatted(port));
        String[] command = {launcher.toString(), "remote", "check", "--config", config.toString()};
        Run run = run(command);
        boolean refusedForHttp = run.exitCode() == 1 && run.output().contains("plugin 'azure'")
                && run.output().contains("requires https");
        boolean classMissing = run.output().contains("NoClassDefFoundError") || run.output().contains("ClassNotFoundException")
                || run.output().contains("ServiceConfigurationError") || run.output().contains("FindException");
        if (!refusedForHttp || classMissing) {
            failures.add(String.join(" ", command) + ": expected exit code 1 and the SDK's refusal of a token credential"
                    + " over http (\"requires https\"), got exit code " + run.exitCode() + ":\n" + run.output());
        } else {
            System.out.println("[strata-smoke] plugins/azure builds the default Azure credential (refused over http, as it must be)");
        }
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (java.util.stream.Stream<Path> files = Files.walk(directory)) {
            for (Path path : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    private record Run(int exitCode, String output) {}

    /** Runs a command to its end (exit code -1 if it was still running after the timeout and was killed). */
    private static Run run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        // The commands print little, so reading to the end before waiting cannot block the child.
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return new Run(-1, output);
        }
        return new Run(process.exitValue(), output);
    }

    /** Runs a command, records a failure unless it exits with 0 and prints {@code expected}; returns its output. */
    private static String expect(List<String> failures, String expected, String... command)
            throws IOException, InterruptedException {
        Run run = run(command);
        String output = run.output();
        if (run.exitCode() < 0) {
            failures.add(String.join(" ", command) + ": still running after " + TIMEOUT_SECONDS + " s");
            return output;
        }
        int exitCode = run.exitCode();
        if (exitCode != 0 || !output.contains(expected)) {
            failures.add(String.join(" ", command) + ": exit code " + exitCode + ", expected 0 and output containing \""
                    + expected + "\"; output:\n" + output);
        } else {
            System.out.println("[strata-smoke] " + String.join(" ", command) + " -> " + firstLine(output));
        }
        return output;
    }

    private static String firstLine(String output) {
        int end = output.indexOf('\n');
        return end < 0 ? output : output.substring(0, end);
    }

    private static void fail(List<String> failures) {
        System.err.println("[strata-smoke] FAILED:\n  " + String.join("\n  ", failures));
        System.exit(1);
    }
}

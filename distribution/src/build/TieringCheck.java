import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tiering end to end through the linked image, against one remote storage backend; part of {@link SmokeTest}.
 *
 * <p>Node A ({@code bin/strata server} with the given {@code [remote_storage]} section and a small
 * {@code checkpoint_distance}, so ingest cuts layers) gets a tenant, a timeline with a few hundred page records
 * (images, then appends) and a branch with writes of its own, sent over the binary page API. A checkpoint flushes
 * the rest; the pages of both timelines are read back at a few LSNs. A is stopped with SIGTERM, which waits for its
 * uploads. Node B starts on an empty work directory with the same remote storage, attaches the tenant under
 * generation 2, and must answer byte-identical pages, with no layer resident before its first read (layers are
 * downloaded on demand) and some after. Optionally (a lost disk, run against S3Proxy) B then writes a batch that stays in its WAL, waits until its timeline info
 * shows the WAL backed up past it, and is killed with SIGKILL; its work directory is deleted (a lost disk). Node C
 * starts on another empty work directory, attaches the tenant under generation 3, and must answer B's last pages
 * byte for byte: they came back from the WAL backup. Last, {@code bin/strata scrub} checks the bucket with no
 * node running: {@code scan-metadata} must find both timelines and no error, and {@code find-garbage} must run to
 * the end.
 *
 * <p>Whatever goes wrong is added to the failures with the step, the node's answer and where its logs are; the
 * nodes are always stopped.
 */
final class TieringCheck {
    // A node loading the Azure plugin took 17 s to start on 2 busy cores (5 s when idle): room for a loaded build machine.
    private static final long START_MILLIS = 60_000;
    private static final long STOP_SECONDS = 60;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final int KEYS = 300;
    private static final int BATCH = 50;
    private static final int PAGE_BYTES = 512;
    private static final byte WIRE_VERSION = 1;
    private static final byte IMAGE = 1;
    private static final byte APPEND = 4;
    private static final long SEED = 0x5EED_71E2L;

    private final List<String> failures;
    private final Path launcher;
    private final Path work;
    private final String backend;
    private final String what;
    private final String nodeConfig;
    private final HttpClient http;
    private final String tenant = randomId();
    private final String main = randomId();
    private final String branch = randomId();

    /** The node's refusal or a wrong answer: ends the check with this message. */
    private static final class CheckFailed extends Exception {
        CheckFailed(String message) {
            super(message);
        }
    }

    private TieringCheck(List<String> failures, Path launcher, Path work, String backend, String server,
                         String remoteStorageSection, HttpClient http) {
        this.failures = failures;
        this.launcher = launcher;
        this.work = work;
        this.backend = backend;
        this.what = "tiering through plugins/" + backend + " against " + server;
        this.nodeConfig = """
                listen_http = "127.0.0.1:0"

                [tenant_defaults]
                checkpoint_distance = 65536

                """ + remoteStorageSection;
        this.http = http;
    }

    /**
     * Runs the check with node work directories {@code <work>/tiering-<backend>-a} and {@code -b}, adding what fails
     * to {@code failures}; {@code remoteStorageSection} is a complete {@code [remote_storage]} TOML section for the
     * plugin {@code backend} and the storage server {@code server} (named in messages).
     */
    static void run(List<String> failures, Path launcher, Path work, String backend, String server,
                    String remoteStorageSection)
            throws IOException, InterruptedException {
        run(failures, launcher, work, backend, server, remoteStorageSection, false);
    }

    /** As above; with {@code lostDisk}, node B then loses its disk after its WAL backup and node C recovers it. */
    static void run(List<String> failures, Path launcher, Path work, String backend, String server,
                    String remoteStorageSection, boolean lostDisk)
            throws IOException, InterruptedException {
        long started = System.nanoTime();
        int before = failures.size();
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build()) {
            new TieringCheck(failures, launcher, work, backend, server, remoteStorageSection, http).run(lostDisk);
        }
        if (failures.size() == before) {
            System.out.printf("[strata-smoke] tiering through plugins/%s against %s: node A wrote %d pages on a timeline and a branch,"
                    + " uploaded them and stopped on SIGTERM; node B attached the tenant at generation 2 and served"
                    + " identical pages, downloading layers on demand%s; strata scrub found no error in the bucket (%d ms)%n", backend, server, KEYS,
                    lostDisk ? "; B wrote on, was killed with SIGKILL after its WAL backup and lost its disk, and node C"
                            + " recovered its writes at generation 3" : "",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        }
    }

    private void run(boolean lostDisk) throws IOException, InterruptedException {
        Path workA = work.resolve("tiering-" + backend + "-a");
        Path workB = work.resolve("tiering-" + backend + "-b");
        Path workC = work.resolve("tiering-" + backend + "-c");
        Node nodeA = null;
        Node nodeB = null;
        Node nodeC = null;
        try {
            nodeA = start("A", workA);
            Reads written = writeAndRead(nodeA);
            nodeA.stop();
            nodeB = start("B", workB);
            attachAndCompare(nodeB, written);
            if (!lostDisk) {
                nodeB.stop();
                scrub(workB);
                return;
            }
            LostDisk lost = writeUntilBackedUp(nodeB);
            nodeB.process().destroyForcibly().waitFor(STOP_SECONDS, TimeUnit.SECONDS);
            deleteRecursively(workB);
            nodeC = start("C", workC);
            attachAfterLostDisk(nodeC, lost);
            nodeC.stop();
            scrub(workC);
        } catch (CheckFailed e) {
            failures.add(what + ": " + e.getMessage() + logs(nodeA) + logs(nodeB) + logs(nodeC));
        } finally {
            for (Node node : Arrays.asList(nodeA, nodeB, nodeC)) {
                if (node != null && node.process().isAlive()) {
                    node.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    /** Runs the scrubber of the image on the bucket the nodes used; any error it reports fails the check. */
    private void scrub(Path workdir) throws IOException, InterruptedException, CheckFailed {
        String metadata = runScrub(workdir, "scan-metadata");
        if (!metadata.contains("\"timelines\":2,") || !metadata.contains("\"errors\":{}")) {
            throw new CheckFailed("strata scrub scan-metadata on the bucket printed " + metadata
                    + "; expected 2 timelines and no error");
        }
        String garbage = runScrub(workdir, "find-garbage", "--min-age", "0s");
        if (!garbage.contains("\"timelines\":2,")) {
            throw new CheckFailed("strata scrub find-garbage on the bucket printed " + garbage + "; expected 2 timelines");
        }
    }

    private String runScrub(Path workdir, String... arguments) throws IOException, InterruptedException, CheckFailed {
        List<String> command = new ArrayList<>(List.of(launcher.toString(), "scrub"));
        command.addAll(List.of(arguments));
        command.addAll(List.of("--config", workdir.resolve("strata.toml").toString()));
        Path out = workdir.resolve("scrub-" + arguments[0] + ".out");
        Path err = workdir.resolve("scrub-" + arguments[0] + ".err");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(STOP_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new CheckFailed(String.join(" ", command) + " did not finish within " + STOP_SECONDS + " s; stderr in " + err);
        }
        String printed = Files.readString(out).strip();
        if (process.exitValue() != 0) {
            throw new CheckFailed(String.join(" ", command) + " exited with " + process.exitValue() + ": " + printed
                    + "\n    stderr: " + Files.readString(err).strip());
        }
        return printed;
    }

    /** The pages A answered: each read's whole response body, and the commit LSNs they were read at. */
    private record Reads(String middle, String last, String branchLast, byte[] mainLast, byte[] mainMiddle, byte[] branchPages) {}

    private Reads writeAndRead(Node node) throws IOException, InterruptedException, CheckFailed {
        expect(node, "POST", "/v1/tenant", "{\"new_tenant_id\":\"" + tenant + "\"}", 201);
        expect(node, "POST", tenantPath() + "/timeline", "{\"new_timeline_id\":\"" + main + "\"}", 201);
        Random random = new Random(SEED);
        String middle = null;
        for (int first = 0; first < KEYS; first += BATCH) {
            ByteBuffer batch = ingestBatch(BATCH);
            for (int key = first; key < first + BATCH; key++) {
                byte[] page = new byte[PAGE_BYTES];
                random.nextBytes(page);
                batch.put(key(key)).put(IMAGE).putInt(page.length).put(page);
            }
            middle = ingest(node, main, batch);
        }
        String last = null;
        for (int first = 0; first < KEYS; first += 3 * BATCH) {
            ByteBuffer batch = ingestBatch(BATCH);
            for (int key = first; key < first + 3 * BATCH; key += 3) {
                batch.put(key(key)).put(APPEND).putInt(16).put(bytes(random, 16));
            }
            last = ingest(node, main, batch);
        }
        expect(node, "POST", tenantPath() + "/timeline", "{\"new_timeline_id\":\"" + branch + "\",\"ancestor_timeline_id\":\""
                + main + "\",\"ancestor_start_lsn\":\"" + middle + "\"}", 201);
        ByteBuffer onBranch = ingestBatch(BATCH);
        for (int key = 1; key < 2 * BATCH; key += 2) {
            onBranch.put(key(key)).put(APPEND).putInt(16).put(bytes(random, 16));
        }
        String branchLast = ingest(node, branch, onBranch);
        expect(node, "PUT", timelinePath(main) + "/checkpoint", null, 200);
        expect(node, "PUT", timelinePath(branch) + "/checkpoint", null, 200);
        long layers = number(expect(node, "GET", timelinePath(main), null, 200), "layers");
        if (layers < 2) {
            throw new CheckFailed("node A has " + layers + " layer(s) on timeline " + main + " after " + KEYS * PAGE_BYTES
                    + " bytes of images with checkpoint_distance = 65536; expected ingest to have cut several");
        }
        return new Reads(middle, last, branchLast, pages(node, main, last), pages(node, main, middle),
                pages(node, branch, branchLast));
    }

    private void attachAndCompare(Node node, Reads expected) throws IOException, InterruptedException, CheckFailed {
        String attached = expect(node, "PUT", tenantPath() + "/location_config",
                "{\"mode\":\"AttachedSingle\",\"generation\":2}", 200);
        if (number(attached, "generation") != 2 || number(attached, "timelines") != 2) {
            throw new CheckFailed("node B attached the tenant as " + attached + "; expected generation 2 and 2 timelines");
        }
        String before = expect(node, "GET", timelinePath(main), null, 200);
        if (number(before, "resident_layers") != 0 || number(before, "layers") < 2) {
            throw new CheckFailed("node B's timeline " + main + " before any read: " + before
                    + "; expected the layers of the bucket's index and none of them resident (downloaded on demand)");
        }
        compare("main at its last LSN " + expected.last(), expected.mainLast(), pages(node, main, expected.last()));
        compare("main at " + expected.middle(), expected.mainMiddle(), pages(node, main, expected.middle()));
        compare("the branch at its last LSN " + expected.branchLast(), expected.branchPages(),
                pages(node, branch, expected.branchLast()));
        String after = expect(node, "GET", timelinePath(main), null, 200);
        if (number(after, "resident_layers") == 0) {
            throw new CheckFailed("node B served timeline " + main + " with no layer resident: " + after);
        }
    }

    /** What node B wrote after the attach and read back before its disk was lost. */
    private record LostDisk(String lsn, byte[] pages) {}

    /**
     * Node B writes one batch of page images (less than a checkpoint distance: it stays in the WAL) and waits until
     * its timeline info shows the WAL backed up past it.
     */
    private LostDisk writeUntilBackedUp(Node node) throws IOException, InterruptedException, CheckFailed {
        Random random = new Random(SEED + 1);
        ByteBuffer batch = ingestBatch(BATCH);
        for (int key = 0; key < BATCH; key++) {
            batch.put(key(key)).put(IMAGE).putInt(PAGE_BYTES).put(bytes(random, PAGE_BYTES));
        }
        String lsn = ingest(node, main, batch);
        long deadline = System.currentTimeMillis() + REQUEST_TIMEOUT.toMillis();
        String info = expect(node, "GET", timelinePath(main), null, 200);
        while (!info.contains("\"wal_backup_lsn\":\"") || lsnValue(field(info, "wal_backup_lsn")) < lsnValue(lsn)) {
            if (System.currentTimeMillis() > deadline) {
                throw new CheckFailed("node B did not back up its WAL to " + lsn + " within " + REQUEST_TIMEOUT + ": " + info);
            }
            Thread.sleep(50);
            info = expect(node, "GET", timelinePath(main), null, 200);
        }
        return new LostDisk(lsn, pages(node, main, lsn));
    }

    /** Node C, on an empty disk after B was killed with SIGKILL and its disk deleted, must serve what B wrote. */
    private void attachAfterLostDisk(Node node, LostDisk lost) throws IOException, InterruptedException, CheckFailed {
        String attached = expect(node, "PUT", tenantPath() + "/location_config",
                "{\"mode\":\"AttachedSingle\",\"generation\":3}", 200);
        if (number(attached, "generation") != 3) {
            throw new CheckFailed("node C attached the tenant as " + attached + "; expected generation 3");
        }
        String info = expect(node, "GET", timelinePath(main), null, 200);
        if (lsnValue(field(info, "last_record_lsn")) < lsnValue(lost.lsn())) {
            throw new CheckFailed("node C recovered timeline " + main + " only to " + field(info, "last_record_lsn")
                    + " after node B's disk was lost; B had backed up its WAL past " + lost.lsn() + ": " + info);
        }
        compare("main at " + lost.lsn() + " after a lost disk (node B's)", lost.pages(), pages(node, main, lost.lsn()));
    }

    private static void deleteRecursively(Path directory) throws IOException {
        try (java.util.stream.Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    private static void compare(String what, byte[] fromA, byte[] fromB) throws CheckFailed {
        if (!Arrays.equals(fromA, fromB)) {
            throw new CheckFailed("node B's pages of " + what + " differ from node A's: " + fromB.length + " bytes against "
                    + fromA.length + ", first difference at byte " + Arrays.mismatch(fromA, fromB));
        }
    }

    // -- the page API ------------------------------------------------------------------------------------

    private static ByteBuffer ingestBatch(int records) {
        return ByteBuffer.allocate(1 + 4 + records * (18 + 5 + PAGE_BYTES)).put(WIRE_VERSION).putInt(records);
    }

    /** The key of block {@code block} of one relation (rel:1663/5/16384/0/block). */
    private static byte[] key(int block) {
        return ByteBuffer.allocate(18).put((byte) 0).putInt(1663).putInt(5).putInt(16384).put((byte) 0).putInt(block).array();
    }

    private static byte[] bytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    /** Sends a batch; returns its commit LSN. */
    private String ingest(Node node, String timeline, ByteBuffer batch) throws IOException, InterruptedException, CheckFailed {
        byte[] body = Arrays.copyOf(batch.array(), batch.position());
        HttpResponse<byte[]> response = send(node, HttpRequest.newBuilder(node.base().resolve(timelinePath(timeline) + "/ingest"))
                .header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofByteArray(body)));
        String json = text(node, "POST", timelinePath(timeline) + "/ingest", response, 200);
        return field(json, "commit_lsn");
    }

    /** The response body of {@code POST …/pages} for every key at {@code lsn}; every key must have a page. */
    private byte[] pages(Node node, String timeline, String lsn) throws IOException, InterruptedException, CheckFailed {
        ByteBuffer request = ByteBuffer.allocate(1 + 8 + 4 + KEYS * 18).put(WIRE_VERSION).putLong(lsnValue(lsn)).putInt(KEYS);
        for (int key = 0; key < KEYS; key++) {
            request.put(key(key));
        }
        String path = timelinePath(timeline) + "/pages";
        HttpResponse<byte[]> response = send(node, HttpRequest.newBuilder(node.base().resolve(path))
                .header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofByteArray(request.array())));
        if (response.statusCode() != 200) {
            text(node, "POST", path, response, 200);
        }
        int present = presentPages(response.body());
        if (present != KEYS) {
            throw new CheckFailed("node " + node.name() + ": POST " + path + " at " + lsn + " answered " + present + " pages of "
                    + KEYS + " keys written");
        }
        return response.body();
    }

    /** Counts the pages a pages response holds: u8 version, u64 lsn, u32 count, count x (key, u8 present, [u32, bytes]). */
    private static int presentPages(byte[] body) throws CheckFailed {
        try {
            ByteBuffer in = ByteBuffer.wrap(body);
            if (in.get() != WIRE_VERSION) {
                throw new CheckFailed("a pages response has wire version " + body[0]);
            }
            in.getLong();
            int count = in.getInt();
            int present = 0;
            for (int i = 0; i < count; i++) {
                in.position(in.position() + 18);
                if (in.get() != 0) {
                    present++;
                    int length = in.getInt();
                    in.position(in.position() + length);
                }
            }
            return present;
        } catch (RuntimeException e) {
            throw new CheckFailed("a pages response of " + body.length + " bytes does not parse: " + e);
        }
    }

    private static long lsnValue(String lsn) {
        int slash = lsn.indexOf('/');
        return (Long.parseLong(lsn.substring(0, slash), 16) << 32) | Long.parseLong(lsn.substring(slash + 1), 16);
    }

    // -- management JSON ---------------------------------------------------------------------------------

    private String tenantPath() {
        return "/v1/tenant/" + tenant;
    }

    private String timelinePath(String timeline) {
        return tenantPath() + "/timeline/" + timeline;
    }

    /** Sends a JSON request (no body when null); returns the answer if its status is {@code status}. */
    private String expect(Node node, String method, String path, String json, int status)
            throws IOException, InterruptedException, CheckFailed {
        HttpRequest.Builder request = HttpRequest.newBuilder(node.base().resolve(path)).method(method,
                json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        return text(node, method, path, send(node, request), status);
    }

    private HttpResponse<byte[]> send(Node node, HttpRequest.Builder request) throws IOException, InterruptedException, CheckFailed {
        HttpRequest built = request.timeout(REQUEST_TIMEOUT).build();
        try {
            return http.send(built, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new CheckFailed("node " + node.name() + ": " + built.method() + " " + built.uri().getPath() + " failed: " + e
                    + " (node alive: " + node.process().isAlive() + ")");
        }
    }

    private static String text(Node node, String method, String path, HttpResponse<byte[]> response, int status)
            throws CheckFailed {
        String body = new String(response.body(), StandardCharsets.UTF_8);
        if (response.statusCode() != status) {
            throw new CheckFailed("node " + node.name() + ": " + method + " " + path + " answered " + response.statusCode()
                    + ", expected " + status + ": " + body);
        }
        return body;
    }

    private static String field(String json, String name) throws CheckFailed {
        Matcher matcher = Pattern.compile("\"" + name + "\":(\"([^\"]*)\"|(-?[0-9]+))").matcher(json);
        if (!matcher.find()) {
            throw new CheckFailed("no field " + name + " in " + json);
        }
        return matcher.group(2) != null ? matcher.group(2) : matcher.group(3);
    }

    private static long number(String json, String name) throws CheckFailed {
        return Long.parseLong(field(json, name));
    }

    private static String randomId() {
        return HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
    }

    // -- nodes -------------------------------------------------------------------------------------------

    /** A running {@code bin/strata server}: its process, its address and where it logs. */
    private record Node(String name, Process process, URI base, Path workdir) {
        /** SIGTERM, then waits: the node flushes and finishes its uploads before it exits. */
        void stop() throws InterruptedException, CheckFailed {
            process.destroy();
            if (!process.waitFor(STOP_SECONDS, TimeUnit.SECONDS)) {
                throw new CheckFailed("node " + name + " did not exit within " + STOP_SECONDS + " s of SIGTERM");
            }
        }
    }

    private Node start(String name, Path workdir) throws IOException, InterruptedException, CheckFailed {
        Files.createDirectories(workdir);
        Files.writeString(workdir.resolve("strata.toml"), nodeConfig);
        Process process = new ProcessBuilder(launcher.toString(), "server", "--workdir", workdir.toString())
                .redirectOutput(workdir.resolve("server.out").toFile()).redirectError(workdir.resolve("server.err").toFile())
                .start();
        Node starting = new Node(name, process, null, workdir);
        Path metadata = workdir.resolve("metadata.json");
        long deadline = System.currentTimeMillis() + START_MILLIS;
        while (!Files.exists(metadata) && process.isAlive() && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        if (!Files.exists(metadata)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new CheckFailed("node " + name + " wrote no " + metadata + " within " + START_MILLIS + " ms (exit code "
                    + (process.isAlive() ? "none, still running" : process.exitValue()) + ")" + logs(starting));
        }
        Matcher address = Pattern.compile("\"http\":\"([^\"]+)\"").matcher(Files.readString(metadata));
        if (!address.find()) {
            throw new CheckFailed(metadata + " names no http address: " + Files.readString(metadata));
        }
        return new Node(name, process, URI.create(address.group(1)), workdir);
    }

    /** Where the node's files are, with the end of its stderr. */
    private static String logs(Node node) {
        if (node == null) {
            return "";
        }
        List<String> tail = new ArrayList<>();
        try {
            List<String> lines = Files.readAllLines(node.workdir().resolve("server.err"));
            tail = lines.subList(Math.max(0, lines.size() - 30), lines.size());
        } catch (IOException e) {
            tail.add("(cannot read server.err: " + e.getMessage() + ")");
        }
        return "\n    node " + node.name() + " work directory " + node.workdir() + "; end of server.err:\n      "
                + String.join("\n      ", tail);
    }
}

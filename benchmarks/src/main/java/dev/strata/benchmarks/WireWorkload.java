package dev.strata.benchmarks;

import static java.util.Objects.requireNonNull;

import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.client.StrataClient;
import dev.strata.client.wire.PageWire;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.http.NodeServer;
import dev.strata.core.page.PageWrite;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.timeline.Timeline;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.HttpURLConnection;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * Workload 8: get-page over the wire. A node server runs in this JVM on 127.0.0.1 (no authentication) in front
 * of an engine, and the project's client ({@link StrataClient}, blocking HTTP/1.1 keep-alive connections, one
 * per calling thread) reads random pages of one timeline from 1 and N threads (N = twice the CPUs, so that
 * requests overlap while others wait on the socket); the baseline is the same reads of the same timeline
 * in-process ({@link Timeline#get}), in the same run, taking turns with the wire in rounds. Client and server
 * share the machine's CPUs, as they would on one host. Besides ops/s and latency, each side reports the
 * process's CPU time per get-page (client, server and engine together), which other load on the machine
 * disturbs far less than throughput. The pages are loaded through the client and, into a second timeline,
 * in-process, the same batches taking turns: that comparison is a row of its own.
 */
final class WireWorkload {
    private static final double TARGET_OPS_PER_SECOND = 20_000;
    private static final double TARGET_P99_MICROS = 2_000;
    private static final String WIRE = "wire";
    private static final String IN_PROCESS = "in-process";

    private final Workloads workloads;
    private final Scale scale;
    private final Pages pages;
    private final PrintStream log;

    WireWorkload(Workloads workloads, Scale scale, Pages pages, PrintStream log) {
        this.workloads = requireNonNull(workloads, "workloads is null");
        this.scale = requireNonNull(scale, "scale is null");
        this.pages = requireNonNull(pages, "pages is null");
        this.log = requireNonNull(log, "log is null");
    }

    void run() throws IOException {
        int count = scale.readPages() / 2; // half of workload 3's pages: well inside the block cache
        int many = Math.max(2, 2 * Runtime.getRuntime().availableProcessors());
        int batch = Workloads.IMAGE_BATCH;
        long batches = (count + batch - 1) / batch;
        log.printf("[8] over the wire: %,d pages (%,d MiB) loaded through the client and in-process, then random "
                + "get-page through the client over loopback vs in-process Timeline.get, 1 and %d threads%n", count,
                (long) count * Pages.PAGE_BYTES >> 20, many);
        LongFunction<List<PageWrite>> load = index -> pages.sequentialImages(index * batch,
                (int) Math.min(batch, count - index * batch), count, 0);
        TenantId tenant = TenantId.random();
        TimelineId overWire = TimelineId.random();
        TimelineId inProcess = TimelineId.random();
        Map<String, Driver.IngestResult> ingest;
        Map<String, Driver.ReadResult> one;
        Map<String, Driver.ReadResult> two;
        Map<String, CpuMeter> cpu = new LinkedHashMap<>();
        for (String side : List.of(WIRE + 1, IN_PROCESS + 1, WIRE + many, IN_PROCESS + many)) {
            cpu.put(side, new CpuMeter());
        }
        try (LocalEngine engine = LocalEngine.open(workloads.freshDirectory("strata-wire"),
                workloads.strataOptions(true, scale.checkpointDistance()));
             NodeServer server = NodeServer.start(engine, Failpoints.disabled(), 1, "127.0.0.1", 0, 16L << 20, null);
             StrataClient client = StrataClient.connect(URI.create("http://127.0.0.1:" + server.port()))) {
            client.createTenant(tenant);
            client.createTimeline(tenant, overWire);
            Timeline timeline = engine.timeline(tenant, overWire);
            Timeline local = engine.createTimeline(tenant, inProcess);

            Map<String, Workloads.IngestSide> writers = new LinkedHashMap<>();
            writers.put(WIRE, (first, n) -> ingest(first, n, load, writes -> client.ingest(tenant, overWire, wire(writes))));
            writers.put(IN_PROCESS, (first, n) -> ingest(first, n, load, local::ingest));
            ingest = Workloads.interleavedIngest(writers, batches);

            timeline.checkpoint();
            timeline.compact();
            Lsn lsn = timeline.lastRecordLsn();
            for (int page = 0; page < count; page++) { // warm the cache, which both sides share
                timeline.get(Pages.key(page), lsn);
            }
            for (int page = 0; page < count; page += 97) {
                byte[] expected = ((PageRecord.Image) pages.image(page, 0).record()).page();
                Driver.check("Strata over the wire", Pages.key(page), lsn.value(), expected,
                        client.getPage(tenant, overWire, Pages.key(page), lsn));
                Driver.check("Strata in-process", Pages.key(page), lsn.value(), expected, timeline.get(Pages.key(page), lsn));
            }
            Driver.ReadOp overHttp = random -> {
                int page = random.nextInt(count);
                checkPage(WIRE, page, client.getPage(tenant, overWire, Pages.key(page), lsn));
            };
            Driver.ReadOp direct = random -> {
                int page = random.nextInt(count);
                checkPage(IN_PROCESS, page, timeline.get(Pages.key(page), lsn));
            };
            // Warm-up: the JIT compiles the client, the server and the read path before anything is timed.
            Driver.read(overHttp, 2, Math.min(2, scale.readSeconds()), 1);
            Driver.read(direct, 2, Math.min(1, scale.readSeconds()), 2);

            Map<String, Workloads.ReadSide> single = new LinkedHashMap<>();
            single.put(WIRE, cpu.get(WIRE + 1).measure((seconds, seed) -> Driver.read(overHttp, 1, seconds, seed)));
            single.put(IN_PROCESS, cpu.get(IN_PROCESS + 1).measure((seconds, seed) -> Driver.read(direct, 1, seconds, seed)));
            Map<String, Workloads.ReadSide> pair = new LinkedHashMap<>();
            pair.put(WIRE, cpu.get(WIRE + many).measure((seconds, seed) -> Driver.read(overHttp, many, seconds, seed)));
            pair.put(IN_PROCESS, cpu.get(IN_PROCESS + many).measure((seconds, seed) -> Driver.read(direct, many, seconds, seed)));
            one = Workloads.interleavedReads(single, scale.readSeconds());
            two = Workloads.interleavedReads(pair, scale.readSeconds());
            // Diagnostic for the log: the same reads through the JDK's blocking HTTP/1.1 client, to tell the
            // project's client's share of a request from the server's.
            String base = "http://127.0.0.1:" + server.port() + "/v1/tenant/" + tenant.hex() + "/timeline/" + overWire.hex()
                    + "/page?lsn=" + lsn + "&key=";
            Driver.ReadOp blocking = random -> {
                int page = random.nextInt(count);
                HttpURLConnection connection = (HttpURLConnection) URI.create(base + Pages.key(page)).toURL().openConnection();
                try (InputStream in = connection.getInputStream()) {
                    checkPage("HttpURLConnection", page, PageWire.decodePages(in.readAllBytes()).pages().getFirst().page());
                }
            };
            Driver.read(blocking, 1, Math.min(0.5, scale.readSeconds() / 4), 3);
            Driver.ReadResult diagnostic = Driver.read(blocking, 1, Math.min(1.0, scale.readSeconds() / 2), 4);
            log.printf("  diagnostic, 1 thread through java.net.HttpURLConnection (blocking) instead of the client: "
                    + "%,.0f get-page/s, p50 %.1f µs, p99 %.1f µs%n", diagnostic.opsPerSecond(), diagnostic.p50Micros(),
                    diagnostic.p99Micros());
        }
        // Diagnostic for the log: the same round trip without HTTP or the engine, to show the machine's floor.
        double floorSeconds = Math.min(1.0, scale.readSeconds() / 2);
        Driver.ReadResult platform = LoopbackFloor.measure(false, floorSeconds, 5);
        Driver.ReadResult virtual = LoopbackFloor.measure(true, floorSeconds, 7);
        log.printf("  diagnostic, the loopback floor for 1 caller (blocking sockets, %d-byte requests, %,d-byte "
                + "responses, no HTTP, no engine): server on a platform thread %,.0f round trips/s, p50 %.1f µs; on a "
                + "virtual thread, as Helidon's are, %,.0f/s, p50 %.1f µs%n", LoopbackFloor.REQUEST_BYTES,
                LoopbackFloor.RESPONSE_BYTES, platform.opsPerSecond(), platform.p50Micros(), virtual.opsPerSecond(),
                virtual.p50Micros());
        for (int threads : new int[] {1, many}) {
            Map<String, Driver.ReadResult> results = threads == 1 ? one : two;
            Driver.ReadResult wire = results.get(WIRE);
            Driver.ReadResult direct = results.get(IN_PROCESS);
            double wireCpu = cpu.get(WIRE + threads).microsPer(wire.operations());
            double directCpu = cpu.get(IN_PROCESS + threads).microsPer(direct.operations());
            log.printf("  %d thread(s): wire %,.0f get-page/s p50 %.1f µs p99 %.1f µs, CPU %.1f µs/get-page; in-process "
                    + "%,.0f/s p50 %.1f µs p99 %.1f µs, CPU %.1f µs/get-page%n", threads, wire.opsPerSecond(),
                    wire.p50Micros(), wire.p99Micros(), wireCpu, direct.opsPerSecond(), direct.p50Micros(),
                    direct.p99Micros(), directCpu);
            Row ratio = Row.atLeast("wire-get-page", wire.opsPerSecond(), direct.opsPerSecond(),
                    "get-page/s over loopback vs in-process Timeline.get, " + threads + " thread(s)", 0,
                    "≥ 20,000 get-page/s, p99 < 2 ms", "");
            boolean met = wire.opsPerSecond() >= TARGET_OPS_PER_SECOND && wire.p99Micros() < TARGET_P99_MICROS;
            workloads.add(new Row(ratio.name(), ratio.strata(), ratio.baseline(), ratio.ratio(), ratio.unit(),
                    ratio.target(), met, String.format("over the wire p50 %.1f µs, p99 %.1f µs, process CPU %.1f µs per "
                                    + "get-page; in-process p50 %.1f µs, p99 %.1f µs, CPU %.1f µs; %,d pages of 8 KiB, "
                                    + "all cached; client (blocking HTTP/1.1 keep-alive, a connection per thread), "
                                    + "server and engine share the machine's %d CPUs (load average %.1f at the end); "
                                    + "met = target ops/s and p99 both", wire.p50Micros(), wire.p99Micros(), wireCpu,
                            direct.p50Micros(), direct.p99Micros(), directCpu, count,
                            Runtime.getRuntime().availableProcessors(), ManagementFactory.getOperatingSystemMXBean()
                                    .getSystemLoadAverage())));
        }
        Driver.IngestResult wire = ingest.get(WIRE);
        Driver.IngestResult direct = ingest.get(IN_PROCESS);
        log.printf("  ingest: wire %.1f MiB/s (%.1f s), in-process %.1f MiB/s (%.1f s)%n", wire.mibPerSecond(),
                wire.seconds(), direct.mibPerSecond(), direct.seconds());
        Row ingestRatio = Row.atLeast("wire-get-page", wire.mibPerSecond(), direct.mibPerSecond(),
                "MiB/s ingest through the client vs in-process Timeline.ingest", 0, "no target (for the record)", "");
        workloads.add(new Row(ingestRatio.name(), ingestRatio.strata(), ingestRatio.baseline(), ingestRatio.ratio(),
                ingestRatio.unit(), ingestRatio.target(), null, String.format("%,d MiB per side in batches of %d "
                        + "images (one request each), durable (fsync) per batch, into two timelines of one tenant",
                        (long) count * Pages.PAGE_BYTES >> 20, batch)));
    }

    /** The process's CPU time (all threads) spent inside the reads it wraps, summed over rounds. */
    private static final class CpuMeter {
        private final com.sun.management.OperatingSystemMXBean system =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        private long nanos;

        Workloads.ReadSide measure(Workloads.ReadSide side) {
            return (seconds, seed) -> {
                long before = system.getProcessCpuTime();
                Driver.ReadResult result = side.read(seconds, seed);
                nanos += system.getProcessCpuTime() - before;
                return result;
            };
        }

        double microsPer(long operations) {
            return operations == 0 ? 0 : nanos / 1e3 / operations;
        }
    }

    private interface Ingest {
        void write(List<PageWrite> batch) throws IOException;
    }

    /** Writes batches {@code first … first+count-1} of {@code load} one after another through {@code ingest}. */
    private static Driver.IngestResult ingest(long first, long count, LongFunction<List<PageWrite>> load, Ingest ingest)
            throws IOException {
        long payload = 0;
        long start = System.nanoTime();
        for (long index = first; index < first + count; index++) {
            List<PageWrite> batch = load.apply(index);
            ingest.write(batch);
            for (PageWrite write : batch) {
                payload += write.record().payloadSize();
            }
        }
        return new Driver.IngestResult(payload, count, (System.nanoTime() - start) / 1e9, new long[0]);
    }

    private static List<PageWire.Write> wire(List<PageWrite> batch) {
        List<PageWire.Write> writes = new ArrayList<>(batch.size());
        for (PageWrite write : batch) {
            writes.add(new PageWire.Write(write.key(), write.record()));
        }
        return writes;
    }

    private static void checkPage(String side, int page, byte[] actual) {
        if (actual == null || actual.length != Pages.PAGE_BYTES) {
            throw new IllegalStateException(side + ": no page " + page + " at the loaded LSN");
        }
    }
}

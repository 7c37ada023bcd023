package dev.strata.benchmarks;

import dev.strata.core.wal.Durability;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs the benchmark workloads and writes {@code <results>/<timestamp>/report.md}, {@code results.json},
 * {@code chart.png} and {@code latency.png}. Started by {@code benchmarks/run}.
 *
 * <pre>
 * --quick | --full          sizes ({@link Scale})
 * --results DIR             where the timestamped run directory goes (benchmarks/results)
 * --temp DIR                where stores are written (a new directory under the system temp directory)
 * --durability fsync|periodic   Strata's WAL durability; RocksDB syncs each batch exactly when this is fsync
 * --writers N               ingest threads (1)
 * --only a,b                run only these workloads: image, delta, read-latest, read-history, compaction,
 *                           startup, wire, remote
 * --tenants N               tenants workload 7 restarts with (500 quick, 10,000 full)
 * --run-name NAME           the run directory's name (default: the UTC timestamp and the scale)
 * </pre>
 */
public final class BenchmarkMain {
    private BenchmarkMain() {
    }

    public static void main(String[] args) throws Exception {
        Scale scale = Scale.QUICK;
        Path results = Path.of("benchmarks", "results");
        Path temp = null;
        Durability durability = Durability.FSYNC;
        int writers = 1;
        Set<String> only = null;
        String runName = null;
        Integer tenants = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> scale = Scale.QUICK;
                case "--full" -> scale = Scale.FULL;
                case "--results" -> results = Path.of(args[++i]);
                case "--temp" -> temp = Path.of(args[++i]);
                case "--durability" -> durability = Durability.valueOf(args[++i].toUpperCase(Locale.ROOT));
                case "--writers" -> writers = Integer.parseInt(args[++i]);
                case "--only" -> only = Set.of(args[++i].split(","));
                case "--run-name" -> runName = args[++i];
                case "--tenants" -> tenants = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (expected --quick, --full, --results DIR, --temp DIR, --durability fsync|periodic, --writers N, "
                        + "--only LIST, --tenants N)");
            }
        }
        if (tenants != null) {
            scale = scale.withStartupTenants(tenants);
        }
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
        Path runDirectory = results.resolve(runName != null ? runName : stamp + "-" + scale.name());
        Files.createDirectories(runDirectory);
        Path tempDirectory = temp != null ? Files.createDirectories(temp) : Files.createTempDirectory("strata-bench-");
        PrintStream log = System.out;
        // The engine logs every WAL trim, and every tenant it creates, at INFO; the run's output is the figures.
        Logger.getLogger("").setLevel(Level.WARNING);
        if (System.getProperty("strata.log.level") == null && System.getenv("STRATA_LOG_LEVEL") == null) {
            System.setProperty("strata.log.level", "warn"); // read by log4j2.xml when the first logger is made
        }
        log.println("Strata benchmarks (" + scale.name() + "), stores in " + tempDirectory + ", results in " + runDirectory);

        long start = System.nanoTime();
        String loadAtStart = firstLine(Path.of("/proc/loadavg"));
        List<String> notes = new ArrayList<>();
        List<Row> rows;
        Workloads workloads;
        try (MemoryProbe memory = new MemoryProbe()) {
            workloads = new Workloads(scale, tempDirectory, durability, writers, memory, log);
            boolean success = false;
            try {
                run(only, "image", workloads::imageIngest, workloads);
                run(only, "delta", workloads::deltaIngest, workloads);
                run(only, "read-latest", workloads::readLatest, workloads);
                run(only, "read-history", workloads::readHistory, workloads);
                run(only, "compaction", workloads::compaction, workloads);
                run(only, "startup", workloads::startup, workloads);
                run(only, "wire", workloads::wire, workloads);
                run(only, "remote", workloads::remote, workloads);
                success = true;
            } finally {
                Workloads.deleteRecursively(tempDirectory);
                if (!success) {
                    log.println("benchmark failed; partial rows: " + workloads.rows().size());
                }
            }
            rows = workloads.rows();
        }
        double minutes = (System.nanoTime() - start) / 60e9;
        notes.add(String.format("scale %s, durability %s, %d writer thread(s); %.1f minutes of measurement", scale.name(),
                durability, writers, minutes));
        notes.add("RocksDB peer: key = timeline tag ‖ page key ‖ big-endian LSN, one WriteBatch per ingest batch, "
                + "sync = " + (durability == Durability.FSYNC) + ", reads by seekForPrev, no compression, LRU block "
                + "cache of the same size as Strata's, 16 KiB blocks");
        notes.add("memory rows compare against the target's fixed 1 GiB limit, not a same-run baseline: heap is the "
                + "peak heap in use right after any garbage collection (GC notifications; an upper bound of the live heap), "
                + "with the live heap after a full GC at the end of the workload in the note");
        Map<String, Object> machine = machine();
        // Other work on a shared host shows here; a load well above the CPU count means noisy figures.
        machine.put("load_average_at_start", loadAtStart);
        machine.put("load_average_at_end", firstLine(Path.of("/proc/loadavg")));
        String title = "Strata benchmarks, " + scale.name() + " run " + runDirectory.getFileName();
        Report.writeJson(runDirectory.resolve("results.json"), rows, machine);
        Report.writeMarkdown(runDirectory.resolve("report.md"), title, rows, machine, notes);
        Charts.ratios(runDirectory.resolve("chart.png"), title, rows);
        Charts.latencies(runDirectory.resolve("latency.png"), "Read latency, " + scale.name() + " run " + runDirectory.getFileName(),
                workloads.latencies());
        log.println("wrote " + runDirectory.resolve("report.md"));
    }

    private interface Step {
        void run() throws IOException;
    }

    private static void run(Set<String> only, String name, Step step, Workloads workloads) throws IOException {
        if (only != null && !only.contains(name)) {
            return;
        }
        long start = System.nanoTime();
        step.run();
        workloads.cleanUp();
        System.out.printf("  (%s took %.1f s)%n", name, (System.nanoTime() - start) / 1e9);
    }

    private static Map<String, Object> machine() {
        Map<String, Object> machine = new LinkedHashMap<>();
        try {
            machine.put("host", InetAddress.getLocalHost().getHostName());
        } catch (IOException e) {
            machine.put("host", "unknown");
        }
        machine.put("cpus", Runtime.getRuntime().availableProcessors());
        machine.put("cpu_model", firstMatching(Path.of("/proc/cpuinfo"), "model name"));
        machine.put("memory_total", firstMatching(Path.of("/proc/meminfo"), "MemTotal"));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        machine.put("jvm_args", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
        machine.put("max_heap_mib", Runtime.getRuntime().maxMemory() >> 20);
        return machine;
    }

    private static String firstLine(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return lines.isEmpty() ? "unknown" : lines.getFirst().trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String firstMatching(Path file, String prefix) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(prefix)) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            return "unknown";
        }
        return "unknown";
    }
}

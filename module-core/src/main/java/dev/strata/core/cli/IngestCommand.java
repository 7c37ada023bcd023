package dev.strata.core.cli;

import dev.strata.api.Lsn;
import dev.strata.core.page.PageWrite;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.timeline.Timeline;
import dev.strata.core.workload.SyntheticWorkload;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code strata local ingest}: writes the seeded synthetic workload and prints {@code acked <lsn>} for every
 * batch once it is durable. It resumes where an earlier run stopped: the batches already in the timeline are
 * recognised by their LSNs, so a run killed at any moment can simply be started again.
 */
@Command(name = "ingest", description = "Write a seeded synthetic workload; prints 'acked <lsn>' per durable batch.")
final class IngestCommand implements Callable<Integer> {
    @Mixin EngineFlags flags;
    @Mixin WorkloadFlags workloadFlags;
    @ArgGroup(exclusive = false) LocalCommand.Target target = new LocalCommand.Target();

    @Option(names = "--batches", description = "Total batches the timeline should hold at the end (default: ${DEFAULT-VALUE}).",
            defaultValue = "1000")
    long batches;

    @Option(names = "--compact", description = "Run compaction after the last batch (background compaction runs anyway).")
    boolean compact;

    @Option(names = "--quiet", description = "Do not print a line per batch (a progress bar shows on a terminal instead).")
    boolean quiet;

    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        SyntheticWorkload workload = workloadFlags.workload();
        PrintWriter out = spec.commandLine().getOut();
        try (LocalEngine engine = flags.open()) {
            Timeline timeline = target.resolve(engine, flags);
            if (timeline.ancestor() != null) {
                throw new IllegalArgumentException("ingest writes to a root timeline; " + timeline.timelineId() + " is a branch");
            }
            SyntheticWorkload.Model model = workload.new Model(LocalEngine.INITDB_LSN);
            Lsn last = timeline.lastRecordLsn();
            while (model.endLsn().isBefore(last)) {
                model.advance();
            }
            if (!model.endLsn().equals(last)) {
                throw new IOException("timeline " + timeline.timelineId() + " ends at " + last
                        + ", which is not the end of a batch of this workload (seed " + workloadFlags.seed + ")");
            }
            long resumedAt = model.batches();
            long bytes = 0;
            long writes = 0;
            long started = System.nanoTime();
            Progress progress = quiet ? Progress.start("batches", batches) : null;
            for (long index = resumedAt; index < batches; index++) {
                List<PageWrite> batch = workload.batch(index);
                Lsn lsn = timeline.ingest(batch);
                bytes += PageWrite.payloadBytes(batch);
                writes += batch.size();
                if (progress != null) {
                    progress.update(index + 1, bytes);
                } else {
                    out.println("acked " + lsn);
                    out.flush();
                }
            }
            if (progress != null) {
                progress.finish();
            }
            if (compact) {
                timeline.checkpoint();
                timeline.compact();
            }
            double seconds = Math.max(1e-9, (System.nanoTime() - started) / 1e9);
            out.println(String.format(Locale.ROOT,
                    "ingested %d batches (%d resumed) to %s: %.1f MiB of page data in %.2f s, %.1f MiB/s, %.0f pages/s",
                    batches - resumedAt, resumedAt, timeline.lastRecordLsn(), bytes / 1048576.0, seconds,
                    bytes / 1048576.0 / seconds, writes / seconds));
            out.flush();
        }
        return 0;
    }
}

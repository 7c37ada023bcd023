package dev.strata.core.cli;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.TimelineId;
import dev.strata.core.page.PageWrite;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.timeline.EngineException;
import dev.strata.core.timeline.Timeline;
import dev.strata.core.workload.SyntheticWorkload;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
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
 *
 * <p>With {@code --branch-every N} it branches the root at the end of every Nth batch (branch ids and contents are
 * derived from the seed, so a restart finds the newest branch again and {@code local verify} can recompute every
 * branch) and writes one batch of the branch's own workload to the newest branch after every root batch; every
 * acknowledgement then names its timeline. {@code --read-checks} reads random pages at random earlier batch ends
 * and exits 1, naming the key, LSN and timeline, when one differs from the workload.
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

    @Option(names = "--read-checks", description = "After every batch, read this many random pages at random earlier"
            + " batch ends and exit 1 naming the key and LSN if one differs from the workload (default: ${DEFAULT-VALUE}).",
            defaultValue = "0")
    int readChecks;

    @Option(names = "--gc-every", description = "Run GC on the root timeline after every N batches, besides the"
            + " background GC; 0 never (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    long gcEvery;

    @Spec CommandLine.Model.CommandSpec spec;

    /** The newest branch being written: its timeline, the model of its contents and the history of its pages. */
    private record Branch(long number, Timeline timeline, SyntheticWorkload.Model model, PageHistory history) {}

    /** A read that did not return what the workload wrote. */
    private static final class ReadMismatch extends Exception {
        ReadMismatch(String message) {
            super(message);
        }
    }

    @Override
    public Integer call() throws IOException {
        if (readChecks < 0) {
            throw new IllegalArgumentException("invalid --read-checks " + readChecks + ": must not be negative");
        }
        if (gcEvery < 0) {
            throw new IllegalArgumentException("invalid --gc-every " + gcEvery + ": must not be negative");
        }
        workloadFlags.branches(0);
        SyntheticWorkload workload = workloadFlags.workload();
        PrintWriter out = spec.commandLine().getOut();
        boolean branching = workloadFlags.branchEvery > 0;
        try (LocalEngine engine = flags.open()) {
            Timeline timeline = target.resolve(engine, flags);
            if (timeline.ancestor() != null) {
                throw new IllegalArgumentException("ingest writes to a root timeline; " + timeline.timelineId() + " is a branch");
            }
            SyntheticWorkload.Model model = workload.new Model(LocalEngine.INITDB_LSN);
            PageHistory history = new PageHistory();
            SyntheticWorkload.Model branchBase = null;
            Lsn last = timeline.lastRecordLsn();
            while (model.endLsn().isBefore(last)) {
                advance(model, history);
                if (branching && model.batches() % workloadFlags.branchEvery == 0) {
                    branchBase = workloadFlags.branchWorkload(workloadFlags.branches(model.batches())).new Model(model);
                }
            }
            if (!model.endLsn().equals(last)) {
                throw new IOException("timeline " + timeline.timelineId() + " ends at " + last
                        + ", which is not the end of a batch of this workload (seed " + workloadFlags.seed + ")");
            }
            Branch branch = branchBase == null ? null
                    : openBranch(engine, timeline, workloadFlags.branches(model.batches()), branchBase, history, out);
            SplittableRandom random = new SplittableRandom(workloadFlags.seed * 31 + model.batches());
            long resumedAt = model.batches();
            long bytes = 0;
            long writes = 0;
            long started = System.nanoTime();
            Progress progress = quiet ? Progress.start("batches", batches) : null;
            try {
                for (long index = resumedAt; index < batches; index++) {
                    List<PageWrite> batch = workload.batch(index);
                    Lsn lsn = timeline.ingest(batch);
                    Lsn expected = advance(model, history);
                    if (!lsn.equals(expected)) {
                        throw new IOException("batch " + index + " ended at " + lsn + ", the workload expects " + expected);
                    }
                    bytes += PageWrite.payloadBytes(batch);
                    writes += batch.size();
                    if (progress != null) {
                        progress.update(index + 1, bytes);
                    } else {
                        acknowledge(out, lsn, timeline, branching);
                    }
                    if (gcEvery > 0 && model.batches() % gcEvery == 0) {
                        timeline.gc();
                    }
                    if (branching && model.batches() % workloadFlags.branchEvery == 0) {
                        long number = workloadFlags.branches(model.batches());
                        branch = openBranch(engine, timeline, number, workloadFlags.branchWorkload(number).new Model(model),
                                history, out);
                    }
                    if (branch != null) {
                        List<PageWrite> branchBatch = workloadFlags.branchWorkload(branch.number()).batch(branch.model().batches());
                        Lsn branchLsn = branch.timeline().ingest(branchBatch);
                        Lsn branchExpected = advance(branch.model(), branch.history());
                        if (!branchLsn.equals(branchExpected)) {
                            throw new IOException("branch " + branch.timeline().timelineId() + " batch ended at " + branchLsn
                                    + ", the workload expects " + branchExpected);
                        }
                        acknowledge(out, branchLsn, branch.timeline(), branching);
                    }
                    for (int read = 0; read < readChecks; read++) {
                        if (branch != null && random.nextBoolean()) {
                            checkRead(branch.timeline(), branch.history(), random);
                        } else {
                            checkRead(timeline, history, random);
                        }
                    }
                }
            } catch (ReadMismatch e) {
                out.println("FAIL: " + e.getMessage());
                out.flush();
                return 1;
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

    private static void acknowledge(PrintWriter out, Lsn lsn, Timeline timeline, boolean branching) {
        out.println(branching ? "acked " + lsn + " " + timeline.timelineId() : "acked " + lsn);
        out.flush();
    }

    /** Applies the next batch to {@code model}, recording the pages it changed; returns the LSN it ends at. */
    private static Lsn advance(SyntheticWorkload.Model model, PageHistory history) {
        List<Key> changed = new ArrayList<>();
        Lsn end = model.advance(changed::add);
        for (Key key : changed) {
            history.record(key, model.page(key), end);
        }
        history.batchEnd(end);
        return end;
    }

    /**
     * Creates (or, after a restart, finds) branch {@code number} of {@code root} at the end of {@code base} and
     * brings its model up to the branch's last record.
     */
    private Branch openBranch(LocalEngine engine, Timeline root, long number, SyntheticWorkload.Model base,
                              PageHistory rootHistory, PrintWriter out) throws IOException {
        TimelineId id = WorkloadFlags.branchId(root.timelineId(), number);
        Lsn point = base.endLsn();
        Timeline branch = engine.branch(root.tenantId(), id, root.timelineId(), point);
        out.println("branch " + id + " of " + root.timelineId() + " at " + point);
        out.flush();
        PageHistory history = new PageHistory(rootHistory, point);
        Lsn last = branch.lastRecordLsn();
        while (base.endLsn().isBefore(last)) {
            advance(base, history);
        }
        if (!base.endLsn().equals(last)) {
            throw new IOException("branch " + id + " ends at " + last + ", which is not the end of a batch of its workload");
        }
        return new Branch(number, branch, base, history);
    }

    /**
     * Reads a random page at a random earlier batch end of {@code timeline} and compares it with the workload; an LSN
     * below the GC cutoff is not read.
     */
    private void checkRead(Timeline timeline, PageHistory history, SplittableRandom random)
            throws IOException, ReadMismatch {
        List<Lsn> ends = history.batchEnds();
        Lsn at = ends.get(random.nextInt(ends.size()));
        Key key = SyntheticWorkload.pageKey(random.nextInt(workloadFlags.pages));
        if (at.isBefore(timeline.gcCutoff())) {
            return; // retention has dropped that LSN
        }
        byte[] expected = history.expected(key, at);
        byte[] actual;
        try {
            actual = timeline.get(key, at);
        } catch (EngineException.BadRequest e) {
            if (at.isBefore(timeline.gcCutoff())) {
                return; // background GC moved the cutoff past it meanwhile
            }
            throw e;
        }
        if (!Arrays.equals(expected, actual)) {
            throw new ReadMismatch("read of key " + key + " at " + at + " on timeline " + timeline.timelineId()
                    + ": expected " + VerifyCommand.describe(expected) + ", got " + VerifyCommand.describe(actual));
        }
    }
}

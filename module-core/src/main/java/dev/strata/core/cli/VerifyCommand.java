package dev.strata.core.cli;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.TimelineId;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.timeline.EngineException;
import dev.strata.core.timeline.Timeline;
import dev.strata.core.workload.SyntheticWorkload;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code strata local verify}: re-derives the synthetic workload from its seed and checks every page at every
 * batch boundary up to {@code --up-to}, and that the timeline ends exactly at a batch boundary (no batch is
 * half visible). Batch ends below a timeline's GC cutoff are skipped (and counted): retention has dropped them.
 * Exits 1 at the first mismatch, naming the page and LSN.
 */
@Command(name = "verify", description = "Check every page at every batch end against the seeded workload.")
final class VerifyCommand implements Callable<Integer> {
    @Mixin EngineFlags flags;
    @Mixin WorkloadFlags workloadFlags;
    @ArgGroup(exclusive = false) LocalCommand.Target target = new LocalCommand.Target();

    @Option(names = "--up-to", description = "Check batch ends up to this LSN (default: the last record).")
    Lsn upTo;

    @Option(names = "--every", description = "Check every Nth batch end only (default: ${DEFAULT-VALUE}: all).",
            defaultValue = "1")
    int every;

    @Option(names = "--acked", description = "TIMELINE=LSN: a write acknowledged on that timeline (root or branch) at"
            + " that LSN; fails unless the timeline exists and holds it. Repeatable.")
    List<String> acked = new ArrayList<>();

    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (every < 1) {
            throw new IllegalArgumentException("invalid --every " + every + ": must be at least 1");
        }
        SyntheticWorkload workload = workloadFlags.workload();
        PrintWriter out = spec.commandLine().getOut();
        LocalEngine engine = flags.open();
        try {
            Timeline timeline = target.resolve(engine, flags);
            Lsn last = timeline.lastRecordLsn();
            Lsn limit = upTo != null ? upTo : last;
            if (limit.isAfter(last)) {
                out.println("FAIL: --up-to " + limit + " is past the last record LSN " + last
                        + ": acknowledged writes are missing");
                out.flush();
                return 1;
            }
            SyntheticWorkload.Model model = workload.new Model(LocalEngine.INITDB_LSN);
            long reads = 0;
            long checked = 0;
            long collected = 0;
            while (true) {
                Lsn end = model.advance();
                if (end.isAfter(last)) {
                    break;
                }
                if (end.isAfter(limit)) {
                    break;
                }
                if (model.batches() % every != 0 && !end.equals(limit)) {
                    continue;
                }
                if (end.isBefore(timeline.gcCutoff())) {
                    collected++;
                    continue;
                }
                try {
                    for (int page = 0; page < workload.parameters().pages(); page++) {
                        Key key = SyntheticWorkload.pageKey(page);
                        byte[] expected = model.page(key);
                        byte[] actual = timeline.get(key, end);
                        reads++;
                        if (!Arrays.equals(expected, actual)) {
                            out.println("FAIL: page " + page + " (key " + key + ") at " + end + " after batch "
                                    + model.batches() + ": expected " + describe(expected) + ", got " + describe(actual));
                            out.flush();
                            return 1;
                        }
                    }
                } catch (EngineException.BadRequest e) {
                    if (!end.isBefore(timeline.gcCutoff())) {
                        throw e;
                    }
                    collected++; // background GC moved the cutoff past this batch end while it was being read
                    continue;
                }
                checked++;
            }
            // The timeline must end exactly where some batch ends: a torn batch would end elsewhere.
            SyntheticWorkload.Model boundary = workload.new Model(LocalEngine.INITDB_LSN);
            while (boundary.endLsn().isBefore(last)) {
                boundary.advance();
            }
            if (!boundary.endLsn().equals(last)) {
                out.println("FAIL: last record LSN " + last + " is not the end of a batch (nearest batch end "
                        + boundary.endLsn() + "): a batch is partly visible");
                out.flush();
                return 1;
            }
            Map<TimelineId, Timeline> timelines = new HashMap<>();
            for (Timeline each : engine.timelines(timeline.tenantId())) {
                timelines.put(each.timelineId(), each);
            }
            for (String entry : acked) {
                int equals = entry.indexOf('=');
                if (equals <= 0) {
                    throw new IllegalArgumentException("invalid --acked '" + entry + "': expected TIMELINE=LSN");
                }
                TimelineId id = TimelineId.parse(entry.substring(0, equals));
                Lsn lsn = Lsn.parse(entry.substring(equals + 1));
                Timeline ackedOn = timelines.get(id);
                if (ackedOn == null || ackedOn.lastRecordLsn().isBefore(lsn)) {
                    out.println("FAIL: a write acknowledged at " + lsn + " on timeline " + id + " is missing: "
                            + (ackedOn == null ? "the timeline does not exist" : "it ends at " + ackedOn.lastRecordLsn()));
                    out.flush();
                    return 1;
                }
            }
            String branchSummary = "";
            if (workloadFlags.branches(boundary.batches()) > 0) {
                String failure = verifyBranches(workload, timeline, timelines, boundary.batches());
                if (failure.startsWith("FAIL")) {
                    out.println(failure);
                    out.flush();
                    return 1;
                }
                branchSummary = "; " + failure;
            }
            out.println("verified " + checked + " batch ends up to " + limit + " (" + reads + " page reads); timeline ends at "
                    + last + " after batch " + boundary.batches()
                    + "; GC cutoff " + timeline.gcCutoff() + (collected == 0 ? "" : ", " + collected + " batch ends below it skipped")
                    + branchSummary);
            out.flush();
            return 0;
        } finally {
            engine.close(false);
        }
    }

    /**
     * Checks every branch the root's {@code rootBatches} batches imply: each one present starts at its branch point
     * and holds its own workload at every batch end up to its last record, which is a batch end; no other timeline
     * exists. Returns a summary, or a line starting with FAIL.
     */
    private String verifyBranches(SyntheticWorkload workload, Timeline root, Map<TimelineId, Timeline> timelines,
                                  long rootBatches) throws IOException {
        Set<TimelineId> known = new HashSet<>(Set.of(root.timelineId()));
        SyntheticWorkload.Model model = workload.new Model(LocalEngine.INITDB_LSN);
        long branches = 0;
        long batchEnds = 0;
        long reads = 0;
        while (model.batches() < rootBatches) {
            model.advance();
            if (model.batches() % workloadFlags.branchEvery != 0) {
                continue;
            }
            long number = workloadFlags.branches(model.batches());
            TimelineId id = WorkloadFlags.branchId(root.timelineId(), number);
            known.add(id);
            Timeline branch = timelines.get(id);
            if (branch == null) {
                continue; // the writer stopped before it branched; an acknowledged write there is checked by --acked
            }
            branches++;
            if (branch.ancestor() == null || !branch.ancestor().timelineId().equals(root.timelineId())
                    || !branch.ancestorLsn().equals(model.endLsn())) {
                return "FAIL: branch " + id + " should start at " + model.endLsn() + " of " + root.timelineId() + ", starts at "
                        + branch.ancestorLsn();
            }
            SyntheticWorkload branchWorkload = workloadFlags.branchWorkload(number);
            SyntheticWorkload.Model branchModel = branchWorkload.new Model(model);
            Lsn last = branch.lastRecordLsn();
            while (true) {
                try {
                    for (int page = 0; page < workload.parameters().pages(); page++) {
                        Key key = SyntheticWorkload.pageKey(page);
                        byte[] expected = branchModel.page(key);
                        byte[] actual = branch.get(key, branchModel.endLsn());
                        reads++;
                        if (!Arrays.equals(expected, actual)) {
                            return "FAIL: page " + page + " (key " + key + ") at " + branchModel.endLsn() + " on branch " + id
                                    + " after its batch " + branchModel.batches() + ": expected " + describe(expected)
                                    + ", got " + describe(actual);
                        }
                    }
                    batchEnds++;
                } catch (EngineException.BadRequest e) {
                    if (!branchModel.endLsn().isBefore(branch.gcCutoff())) {
                        throw e;
                    }
                }
                if (!branchModel.endLsn().isBefore(last)) {
                    break;
                }
                branchModel.advance();
            }
            if (!branchModel.endLsn().equals(last)) {
                return "FAIL: branch " + id + " ends at " + last + ", which is not the end of a batch (nearest "
                        + branchModel.endLsn() + "): a batch is partly visible";
            }
        }
        for (TimelineId id : timelines.keySet()) {
            if (!known.contains(id)) {
                return "FAIL: timeline " + id + " is neither the root nor one of its expected branches";
            }
        }
        return "verified " + branches + " branches at " + batchEnds + " batch ends (" + reads + " page reads)";
    }

    static String describe(byte[] page) {
        if (page == null) {
            return "no page";
        }
        String hex = HexFormat.of().formatHex(page, 0, Math.min(16, page.length));
        return page.length + " bytes starting " + hex;
    }
}

package dev.strata.core.cli;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.timeline.Timeline;
import dev.strata.core.workload.SyntheticWorkload;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Arrays;
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
 * half visible). Exits 1 at the first mismatch, naming the page and LSN.
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
            out.println("verified " + checked + " batch ends up to " + limit + " (" + reads + " page reads); timeline ends at "
                    + last + " after batch " + boundary.batches());
            out.flush();
            return 0;
        } finally {
            engine.close(false);
        }
    }

    private static String describe(byte[] page) {
        if (page == null) {
            return "no page";
        }
        String hex = HexFormat.of().formatHex(page, 0, Math.min(16, page.length));
        return page.length + " bytes starting " + hex;
    }
}

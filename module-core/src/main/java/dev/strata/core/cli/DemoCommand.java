package dev.strata.core.cli;

import dev.strata.api.Generation;
import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.core.io.DurableFiles;
import dev.strata.core.page.PageWrite;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.timeline.CompactionResult;
import dev.strata.core.timeline.Timeline;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/**
 * {@code strata local demo}: a short tour of the embedded engine on a fresh work directory: write pages on a
 * timeline, branch it, write on both branches, read each branch now and in the past, flush and compact,
 * reopen, and read again. Every step prints what it did.
 */
@Command(name = "demo", description = "Write and read pages on two branches of a new timeline, printing each step.")
final class DemoCommand implements Callable<Integer> {
    @Mixin EngineFlags flags;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        DurableFiles.createDirectoryDurably(flags.workdir);
        TenantId tenant = TenantId.random();
        TimelineId main = TimelineId.random();
        TimelineId feature = TimelineId.random();
        Key users = Key.ofRelationPage(1663, 5, 16384, 0, 0);
        Key orders = Key.ofRelationPage(1663, 5, 16385, 0, 0);
        Lsn branchPoint;
        Lsn afterMainUpdate;
        try (LocalEngine engine = flags.open()) {
            engine.createTenant(tenant, Generation.of(1));
            Timeline mainTimeline = engine.createTimeline(tenant, main);
            new LocalDefaults(tenant, main).write(flags.workdir);
            out.println("created tenant " + tenant + " with timeline main=" + main);

            Lsn first = mainTimeline.ingest(List.of(
                    new PageWrite(users, image("users: alice")),
                    new PageWrite(orders, image("orders: none"))));
            out.println("main:    wrote users and orders pages, acked at " + first);
            branchPoint = mainTimeline.ingest(List.of(new PageWrite(users, new PageRecord.Append(bytes(", bob")))));
            out.println("main:    appended ', bob' to users, acked at " + branchPoint);

            Timeline featureTimeline = engine.branch(tenant, feature, main, branchPoint);
            out.println("branched feature=" + feature + " from main at " + branchPoint);

            Lsn onFeature = featureTimeline.ingest(List.of(new PageWrite(orders, image("orders: #1 carol"))));
            out.println("feature: rewrote orders, acked at " + onFeature);
            afterMainUpdate = mainTimeline.ingest(List.of(new PageWrite(users, new PageRecord.Overwrite(7, bytes("ALICE")))));
            out.println("main:    overwrote bytes 7..11 of users, acked at " + afterMainUpdate);

            show(out, "main", mainTimeline, users, afterMainUpdate);
            show(out, "main", mainTimeline, orders, afterMainUpdate);
            show(out, "main", mainTimeline, users, first);
            show(out, "feature", featureTimeline, users, onFeature);
            show(out, "feature", featureTimeline, orders, onFeature);

            mainTimeline.checkpoint();
            featureTimeline.checkpoint();
            CompactionResult compaction = mainTimeline.compact();
            out.println("flushed both timelines to layer files; compaction wrote " + compaction.l1Written()
                    + " L1 and " + compaction.imagesWritten() + " image layers");
            for (var name : mainTimeline.layerFileNames()) {
                out.println("  main layer " + name.localFileName());
            }
        }
        try (LocalEngine engine = flags.open()) {
            out.println("reopened the work directory " + flags.workdir);
            show(out, "main", engine.timeline(tenant, main), users, afterMainUpdate);
            show(out, "feature", engine.timeline(tenant, feature), orders, engine.timeline(tenant, feature).lastRecordLsn());
            show(out, "feature", engine.timeline(tenant, feature), users, branchPoint);
        }
        out.println("done: try 'strata local get --workdir " + flags.workdir + " --key " + users + "'");
        out.flush();
        return 0;
    }

    private static void show(PrintWriter out, String branch, Timeline timeline, Key key, Lsn lsn) throws IOException {
        byte[] page = timeline.get(key, lsn);
        out.printf("%-8s read %s at %s: %s%n", branch + ":", key, lsn,
                page == null ? "(no page)" : "\"" + LocalCommand.printable(page) + "\"");
    }

    private static PageRecord image(String text) {
        return new PageRecord.Image(bytes(text));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}

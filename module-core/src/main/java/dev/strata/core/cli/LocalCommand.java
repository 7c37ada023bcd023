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
import dev.strata.core.timeline.GcResult;
import dev.strata.core.timeline.Timeline;
import dev.strata.core.workload.SyntheticWorkload;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code strata local …}: the embedded engine on a local work directory, no server involved. */
@Command(name = "local", description = "Use the embedded engine on a local work directory.",
        subcommands = {LocalCommand.Init.class, LocalCommand.Put.class, LocalCommand.Get.class, LocalCommand.Branch.class,
                LocalCommand.Compact.class, LocalCommand.Gc.class, LocalCommand.Timelines.class,
                IngestCommand.class, VerifyCommand.class, DemoCommand.class})
final class LocalCommand {

    /** Options that choose the tenant and timeline, defaulting to those of {@code local init}. */
    static final class Target {
        @Option(names = "--tenant", description = "Tenant id (default: the one 'init' created).")
        TenantId tenant;

        @Option(names = "--timeline", description = "Timeline id (default: the one 'init' created).")
        TimelineId timeline;

        TenantId tenant(EngineFlags flags) throws IOException {
            return tenant != null ? tenant : LocalDefaults.read(flags.workdir).tenant();
        }

        TimelineId timeline(EngineFlags flags) throws IOException {
            return timeline != null ? timeline : LocalDefaults.read(flags.workdir).timeline();
        }

        Timeline resolve(LocalEngine engine, EngineFlags flags) throws IOException {
            return engine.timeline(tenant(flags), timeline(flags));
        }
    }

    @Command(name = "init", description = "Create a work directory with a tenant and a root timeline.")
    static final class Init implements Callable<Integer> {
        @Mixin EngineFlags flags;
        @Option(names = "--tenant", description = "Tenant id (default: random).") TenantId tenant;
        @Option(names = "--timeline", description = "Root timeline id (default: random).") TimelineId timeline;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            TenantId tenantId = tenant != null ? tenant : TenantId.random();
            TimelineId timelineId = timeline != null ? timeline : TimelineId.random();
            DurableFiles.createDirectoryDurably(flags.workdir);
            try (LocalEngine engine = flags.open()) {
                engine.createTenant(tenantId, Generation.of(1));
                Timeline root = engine.createTimeline(tenantId, timelineId);
                new LocalDefaults(tenantId, timelineId).write(flags.workdir);
                PrintWriter out = spec.commandLine().getOut();
                out.println("tenant " + tenantId);
                out.println("timeline " + timelineId + " starts at " + root.lastRecordLsn());
                out.flush();
            }
            return 0;
        }
    }

    /** Exactly one way to give the value written by {@code put}. */
    static final class Value {
        @Option(names = "--text", description = "Write a page image holding this UTF-8 text.") String text;
        @Option(names = "--hex", description = "Write a page image of these hex bytes.") String hex;
        @Option(names = "--append", description = "Append this UTF-8 text to the page.") String append;
        @Option(names = "--overwrite", description = "OFFSET:TEXT: overwrite bytes at OFFSET with UTF-8 text.") String overwrite;
        @Option(names = "--init", description = "Start the page over as SIZE zero bytes.") Integer init;

        PageRecord record() {
            if (text != null) {
                return new PageRecord.Image(text.getBytes(StandardCharsets.UTF_8));
            }
            if (hex != null) {
                try {
                    return new PageRecord.Image(HexFormat.of().parseHex(hex));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("invalid --hex '" + hex + "': " + e.getMessage());
                }
            }
            if (append != null) {
                return new PageRecord.Append(append.getBytes(StandardCharsets.UTF_8));
            }
            if (overwrite != null) {
                int colon = overwrite.indexOf(':');
                if (colon <= 0) {
                    throw new IllegalArgumentException("invalid --overwrite '" + overwrite + "': expected OFFSET:TEXT");
                }
                try {
                    return new PageRecord.Overwrite(Integer.parseInt(overwrite.substring(0, colon)),
                            overwrite.substring(colon + 1).getBytes(StandardCharsets.UTF_8));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("invalid --overwrite '" + overwrite + "': offset is not a number");
                }
            }
            return new PageRecord.Init(init);
        }
    }

    @Command(name = "put", description = "Write one page record; prints 'acked <lsn>'.")
    static final class Put implements Callable<Integer> {
        @Mixin EngineFlags flags;
        @ArgGroup(exclusive = false) Target target = new Target();
        @Option(names = "--key", required = true, description = "36 hex digits or rel:SPC/DB/REL/FORK/BLOCK.") Key key;
        @ArgGroup(exclusive = true, multiplicity = "1") Value value;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            try (LocalEngine engine = flags.open()) {
                Timeline timeline = target.resolve(engine, flags);
                Lsn lsn = timeline.ingest(List.of(new PageWrite(key, value.record())));
                spec.commandLine().getOut().println("acked " + lsn);
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
    }

    @Command(name = "get", description = "Read one page at an LSN (default: the last record).")
    static final class Get implements Callable<Integer> {
        @Mixin EngineFlags flags;
        @ArgGroup(exclusive = false) Target target = new Target();
        @Option(names = "--key", required = true, description = "36 hex digits or rel:SPC/DB/REL/FORK/BLOCK.") Key key;
        @Option(names = "--lsn", description = "Read as of this LSN (X/Y).") Lsn lsn;
        @Option(names = "--hex", description = "Print the page as hex.") boolean hex;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            try (LocalEngine engine = flags.open()) {
                Timeline timeline = target.resolve(engine, flags);
                Lsn at = lsn != null ? lsn : timeline.lastRecordLsn();
                byte[] page = timeline.get(key, at);
                PrintWriter out = spec.commandLine().getOut();
                if (page == null) {
                    spec.commandLine().getErr().println("strata: key " + key + " has no value at " + at);
                    return 1;
                }
                out.println(hex ? HexFormat.of().formatHex(page) : printable(page));
                out.flush();
            }
            return 0;
        }
    }

    /** The page as text when it is printable UTF-8 (trailing zero bytes dropped), else as hex. */
    static String printable(byte[] page) {
        int end = page.length;
        while (end > 0 && page[end - 1] == 0) {
            end--;
        }
        byte[] trimmed = Arrays.copyOf(page, end);
        String text = new String(trimmed, StandardCharsets.UTF_8);
        boolean printable = text.codePoints().allMatch(c -> c >= 0x20 && c != 0xFFFD || c == '\n' || c == '\t');
        return printable ? text : HexFormat.of().formatHex(page);
    }

    @Command(name = "branch", description = "Create a branch of a timeline at an LSN; prints the new timeline id.")
    static final class Branch implements Callable<Integer> {
        @Mixin EngineFlags flags;
        @Option(names = "--tenant", description = "Tenant id (default: the one 'init' created).") TenantId tenant;
        @Option(names = "--from", description = "Parent timeline (default: the one 'init' created).") TimelineId from;
        @Option(names = "--at", description = "Branch point LSN (default: the parent's last record).") Lsn at;
        @Option(names = "--timeline", description = "Id of the new timeline (default: random).") TimelineId timeline;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            try (LocalEngine engine = flags.open()) {
                TenantId tenantId = tenant != null ? tenant : LocalDefaults.read(flags.workdir).tenant();
                TimelineId parentId = from != null ? from : LocalDefaults.read(flags.workdir).timeline();
                Timeline parent = engine.timeline(tenantId, parentId);
                Lsn point = at != null ? at : parent.lastRecordLsn();
                TimelineId childId = timeline != null ? timeline : TimelineId.random();
                engine.branch(tenantId, childId, parentId, point);
                spec.commandLine().getOut().println("timeline " + childId + " branched from " + parentId + " at " + point);
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
    }

    @Command(name = "compact", description = "Flush, then run compaction and image creation on a timeline.")
    static final class Compact implements Callable<Integer> {
        @Mixin EngineFlags flags;
        @ArgGroup(exclusive = false) Target target = new Target();
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            try (LocalEngine engine = flags.open()) {
                Timeline timeline = target.resolve(engine, flags);
                timeline.checkpoint();
                CompactionResult result = timeline.compact();
                spec.commandLine().getOut().println("compacted " + result.l0Compacted() + " L0 layers into "
                        + result.l1Written() + " L1 layers; wrote " + result.imagesWritten() + " image layers; "
                        + timeline.layerFileNames().size() + " layers now");
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
    }

    @Command(name = "gc", description = "Run garbage collection on a timeline.")
    static final class Gc implements Callable<Integer> {
        @Mixin EngineFlags flags;
        @ArgGroup(exclusive = false) Target target = new Target();
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            try (LocalEngine engine = flags.open()) {
                Timeline timeline = target.resolve(engine, flags);
                timeline.checkpoint();
                GcResult result = timeline.gc();
                spec.commandLine().getOut().println("gc cutoff " + result.cutoff() + ": removed " + result.layersRemoved()
                        + " layers, kept " + result.layersKept());
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
    }

    @Command(name = "timelines", description = "List the timelines of a tenant.")
    static final class Timelines implements Callable<Integer> {
        @Mixin EngineFlags flags;
        @Option(names = "--tenant", description = "Tenant id (default: the one 'init' created).") TenantId tenant;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            try (LocalEngine engine = flags.open()) {
                TenantId tenantId = tenant != null ? tenant : LocalDefaults.read(flags.workdir).tenant();
                PrintWriter out = spec.commandLine().getOut();
                for (Timeline timeline : engine.timelines(tenantId)) {
                    out.println(timeline.timelineId() + " last_record_lsn=" + timeline.lastRecordLsn()
                            + " disk_consistent_lsn=" + timeline.diskConsistentLsn()
                            + (timeline.ancestor() == null ? "" : " ancestor=" + timeline.ancestor().timelineId()
                            + "@" + timeline.ancestorLsn())
                            + " layers=" + timeline.layerFileNames().size());
                }
                out.flush();
            }
            return 0;
        }
    }
}

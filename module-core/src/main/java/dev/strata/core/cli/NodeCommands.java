package dev.strata.core.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.client.StrataClient;
import dev.strata.client.TenantConfigInfo;
import dev.strata.client.TenantInfo;
import dev.strata.client.TimelineInfo;
import dev.strata.client.wire.PageWire;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Commands that talk to a running node through the client: status, tenants, timelines, pages. */
final class NodeCommands {
    private NodeCommands() {}

    @Command(name = "status", description = "Show a running node's status.")
    static final class Status implements Callable<Integer> {
        @Mixin ServerFlags server;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            try (StrataClient client = server.client()) {
                spec.commandLine().getOut().println(client.status().toPrettyString());
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
    }

    @Command(name = "tenant", description = "Manage tenants on a running node.",
            subcommands = {TenantCreate.class, TenantList.class, TenantDelete.class, TenantAttach.class, TenantDetach.class,
                    TenantConfig.class})
    static final class Tenant {}

    @Command(name = "create", description = "Create a tenant; prints its id.")
    static final class TenantCreate implements Callable<Integer> {
        @Mixin ServerFlags server;
        @Option(names = "--tenant", description = "Tenant id (default: random).") TenantId tenant;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            try (StrataClient client = server.client()) {
                TenantInfo info = client.createTenant(tenant != null ? tenant : TenantId.random());
                spec.commandLine().getOut().println("tenant " + info.id() + " " + info.state() + " generation " + info.generation());
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
    }

    @Command(name = "list", description = "List tenants.")
    static final class TenantList implements Callable<Integer> {
        @Mixin ServerFlags server;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            try (StrataClient client = server.client()) {
                for (TenantInfo info : client.listTenants()) {
                    spec.commandLine().getOut().println(info.id() + " " + info.state() + " generation=" + info.generation()
                            + " timelines=" + info.timelines());
                }
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
    }

    @Command(name = "delete", description = "Delete a tenant and all its timelines.")
    static final class TenantDelete implements Callable<Integer> {
        @Mixin ServerFlags server;
        @Option(names = "--tenant", required = true) TenantId tenant;

        @Override
        public Integer call() throws IOException {
            try (StrataClient client = server.client()) {
                client.deleteTenant(tenant);
            }
            return 0;
        }
    }

    /** The modes that hold a tenant attached, as {@code location_config} names them. */
    private static final List<String> ATTACHED_MODES = List.of("AttachedSingle", "AttachedMulti", "AttachedStale");

    @Command(name = "attach", description = "Attach a tenant under a generation (PUT location_config): a tenant the node does "
            + "not hold is loaded from remote storage; a newer generation re-attaches it, an older one is refused.")
    static final class TenantAttach implements Callable<Integer> {
        @Mixin ServerFlags server;
        @Option(names = "--tenant", required = true) TenantId tenant;
        @Option(names = "--generation", required = true,
                description = "Generation of this attachment; greater than the previous holder's.") long generation;
        @Option(names = "--mode", defaultValue = "AttachedSingle",
                description = "AttachedSingle, AttachedMulti or AttachedStale (default: ${DEFAULT-VALUE}).") String mode;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            if (!ATTACHED_MODES.contains(mode)) {
                throw new IllegalArgumentException("invalid --mode '" + mode + "': expected one of " + ATTACHED_MODES
                        + " (tenant detach detaches)");
            }
            try (StrataClient client = server.client()) {
                TenantInfo info = AttachProgressLine.whileRunning(client, tenant,
                        () -> client.setLocation(tenant, mode, generation));
                spec.commandLine().getOut().println("tenant " + info.id() + " " + mode + " generation " + info.generation()
                        + " timelines=" + info.timelines());
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
    }

    @Command(name = "detach", description = "Detach a tenant (PUT location_config, mode Detached): the node waits for its "
            + "uploads, then removes its local copy; remote storage keeps the tenant for another node to attach.")
    static final class TenantDetach implements Callable<Integer> {
        @Mixin ServerFlags server;
        @Option(names = "--tenant", required = true) TenantId tenant;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            try (StrataClient client = server.client()) {
                TenantInfo info = client.setLocation(tenant, "Detached", null);
                spec.commandLine().getOut().println("tenant " + info.id() + " Detached");
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
    }

    @Command(name = "config", description = "Show or change a tenant's overrides of the node's [tenant_defaults].",
            subcommands = {TenantConfigGet.class, TenantConfigSet.class})
    static final class TenantConfig {}

    private static void print(PrintWriter out, TenantConfigInfo info) {
        out.println("tenant " + info.id());
        out.println("overrides " + info.overrides());
        out.println("effective " + info.effective());
        if (!info.pendingReload().isEmpty()) {
            out.println("pending_reload " + info.pendingReload() + " (applied when the tenant is loaded again: node "
                    + "restart or re-attach)");
        }
        out.flush();
    }

    @Command(name = "get", description = "Print a tenant's overrides and effective settings (JSON objects).")
    static final class TenantConfigGet implements Callable<Integer> {
        @Mixin ServerFlags server;
        @Option(names = "--tenant", required = true) TenantId tenant;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            try (StrataClient client = server.client()) {
                print(spec.commandLine().getOut(), client.tenantConfig(tenant));
            }
            return 0;
        }
    }

    @Command(name = "set", description = "Change a tenant's overrides: KEY=VALUE sets one (numbers, true/false, or text "
            + "such as 10m or periodic), KEY=null removes it. Keys are those of [tenant_defaults] and "
            + "eviction_idle_threshold.")
    static final class TenantConfigSet implements Callable<Integer> {
        @Mixin ServerFlags server;
        @Option(names = "--tenant", required = true) TenantId tenant;
        @Parameters(arity = "1..*", paramLabel = "KEY=VALUE") List<String> assignments;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            ObjectNode patch = JsonNodeFactory.instance.objectNode();
            for (String assignment : assignments) {
                int equals = assignment.indexOf('=');
                if (equals <= 0) {
                    throw new IllegalArgumentException("invalid setting '" + assignment + "': expected KEY=VALUE");
                }
                patch.set(assignment.substring(0, equals), jsonValue(assignment.substring(equals + 1)));
            }
            try (StrataClient client = server.client()) {
                print(spec.commandLine().getOut(), client.patchTenantConfig(tenant, patch));
            }
            return 0;
        }

        /** {@code null}, {@code true}, {@code false} and integers as such; anything else as text. */
        private static JsonNode jsonValue(String text) {
            JsonNodeFactory json = JsonNodeFactory.instance;
            return switch (text) {
                case "null" -> json.nullNode();
                case "true" -> json.booleanNode(true);
                case "false" -> json.booleanNode(false);
                default -> text.matches("-?[0-9]+") ? json.numberNode(new java.math.BigInteger(text)) : json.textNode(text);
            };
        }
    }

    @Command(name = "timeline", description = "Manage timelines on a running node.",
            subcommands = {TimelineCreate.class, TimelineBranch.class, TimelineList.class, TimelineDelete.class})
    static final class Timeline {}

    private static void print(PrintWriter out, TimelineInfo info) {
        out.println("timeline " + info.id() + " last_record_lsn=" + info.lastRecordLsn() + " disk_consistent_lsn="
                + info.diskConsistentLsn() + (info.ancestor() == null ? "" : " ancestor=" + info.ancestor() + "@" + info.ancestorLsn())
                + " layers=" + info.layers());
        out.flush();
    }

    @Command(name = "create", description = "Create a root timeline.")
    static final class TimelineCreate implements Callable<Integer> {
        @Mixin ServerFlags server;
        @Option(names = "--tenant", required = true) TenantId tenant;
        @Option(names = "--timeline", description = "Timeline id (default: random).") TimelineId timeline;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            try (StrataClient client = server.client()) {
                print(spec.commandLine().getOut(), client.createTimeline(tenant, timeline != null ? timeline : TimelineId.random()));
            }
            return 0;
        }
    }

    @Command(name = "branch", description = "Branch a timeline at an LSN (default: its last record).")
    static final class TimelineBranch implements Callable<Integer> {
        @Mixin ServerFlags server;
        @Option(names = "--tenant", required = true) TenantId tenant;
        @Option(names = "--from", required = true, description = "Parent timeline.") TimelineId from;
        @Option(names = "--at", description = "Branch point LSN.") Lsn at;
        @Option(names = "--timeline", description = "New timeline id (default: random).") TimelineId timeline;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            try (StrataClient client = server.client()) {
                print(spec.commandLine().getOut(),
                        client.branch(tenant, timeline != null ? timeline : TimelineId.random(), from, at));
            }
            return 0;
        }
    }

    @Command(name = "list", description = "List the timelines of a tenant.")
    static final class TimelineList implements Callable<Integer> {
        @Mixin ServerFlags server;
        @Option(names = "--tenant", required = true) TenantId tenant;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            try (StrataClient client = server.client()) {
                for (TimelineInfo info : client.listTimelines(tenant)) {
                    print(spec.commandLine().getOut(), info);
                }
            }
            return 0;
        }
    }

    @Command(name = "delete", description = "Delete a timeline that has no children.")
    static final class TimelineDelete implements Callable<Integer> {
        @Mixin ServerFlags server;
        @Option(names = "--tenant", required = true) TenantId tenant;
        @Option(names = "--timeline", required = true) TimelineId timeline;

        @Override
        public Integer call() throws IOException {
            try (StrataClient client = server.client()) {
                client.deleteTimeline(tenant, timeline);
            }
            return 0;
        }
    }

    @Command(name = "put", description = "Write one page record to a running node; prints 'acked <lsn>'.")
    static final class Put implements Callable<Integer> {
        @Mixin ServerFlags server;
        @Option(names = "--tenant", required = true) TenantId tenant;
        @Option(names = "--timeline", required = true) TimelineId timeline;
        @Option(names = "--key", required = true, description = "36 hex digits or rel:SPC/DB/REL/FORK/BLOCK.") Key key;
        @ArgGroup(exclusive = true, multiplicity = "1") LocalCommand.Value value;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            try (StrataClient client = server.client()) {
                Lsn lsn = client.ingest(tenant, timeline, List.of(new PageWire.Write(key, value.record())));
                spec.commandLine().getOut().println("acked " + lsn);
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
    }

    @Command(name = "get", description = "Read one page from a running node.")
    static final class Get implements Callable<Integer> {
        @Mixin ServerFlags server;
        @Option(names = "--tenant", required = true) TenantId tenant;
        @Option(names = "--timeline", required = true) TimelineId timeline;
        @Option(names = "--key", required = true, description = "36 hex digits or rel:SPC/DB/REL/FORK/BLOCK.") Key key;
        @Option(names = "--lsn", description = "Read as of this LSN (default: the last record).") Lsn lsn;
        @Option(names = "--hex", description = "Print the page as hex.") boolean hex;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            try (StrataClient client = server.client()) {
                byte[] page = client.getPage(tenant, timeline, key, lsn);
                if (page == null) {
                    spec.commandLine().getErr().println("strata: key " + key + " has no value");
                    return 1;
                }
                spec.commandLine().getOut().println(hex ? HexFormat.of().formatHex(page) : LocalCommand.printable(page));
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
    }
}

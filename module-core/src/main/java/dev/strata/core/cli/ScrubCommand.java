package dev.strata.core.cli;

import dev.strata.core.plugin.RemoteStorageOpener;
import dev.strata.core.remote.RemoteStorageConfig;
import dev.strata.core.scrub.GarbageReport;
import dev.strata.core.scrub.MetadataReport;
import dev.strata.core.scrub.Scrubber;
import dev.strata.core.tiered.RemoteLayout;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code strata scrub}: checks a bucket with no node involved. Every subcommand prints one JSON object on
 * standard output and a progress line on standard error when it is a terminal.
 */
@Command(name = "scrub", description = "Check a bucket's metadata, and find or purge objects no index needs.",
        subcommands = {ScrubCommand.ScanMetadata.class, ScrubCommand.FindGarbage.class, ScrubCommand.PurgeGarbage.class})
final class ScrubCommand {
    /** Where the bucket is. */
    static final class Bucket {
        @Option(names = "--config", required = true, paramLabel = "FILE",
                description = "TOML file with the [remote_storage] section of the bucket.")
        Path config;

        @Option(names = "--plugins", paramLabel = "DIR",
                description = "Plugin directory (plugins/<name>/*.jar). Default: plugins/ of this installation.")
        Path plugins;

        @Option(names = "--prefix", defaultValue = "", description = "The deployment's prefix in the bucket, if any.")
        String prefix;

        Scrubber open() throws Exception {
            RemoteStorageOpener.Opened opened = RemoteStorageOpener.open(RemoteStorageConfig.read(config),
                    plugins != null ? plugins : RemoteStorageOpener.installedPlugins(), null);
            return new Scrubber(opened.storage(), new RemoteLayout(prefix), Clock.systemUTC());
        }
    }

    private static Scrubber.Progress progress() {
        Progress line = Progress.start("timelines", 0);
        return (done, total, tenant, timeline) -> line.update(done, 0);
    }

    @Command(name = "scan-metadata", description = "Load every timeline's newest index and report errors and warnings;"
            + " exits 1 when there is an error.")
    static final class ScanMetadata implements Callable<Integer> {
        @Mixin Bucket bucket;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            MetadataReport report = bucket.open().scanMetadata(progress());
            PrintWriter out = spec.commandLine().getOut();
            out.println(report.toJson());
            out.flush();
            return report.errorCount() == 0 ? 0 : 1;
        }
    }

    @Command(name = "find-garbage", description = "List objects no index of any generation needs: orphan layers,"
            + " indexes beyond the newest two generations, WAL segments below every kept index.")
    static final class FindGarbage implements Callable<Integer> {
        @Mixin Bucket bucket;
        @Option(names = "--min-age", defaultValue = "24h",
                description = "Only objects older than this (default: ${DEFAULT-VALUE}).")
        Duration minAge;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            GarbageReport report = bucket.open().findGarbage(minAge, progress());
            spec.commandLine().getOut().println(report.toJson(false));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "purge-garbage", description = "Delete what find-garbage finds (confirmed by a second scan);"
            + " a dry run unless --execute.")
    static final class PurgeGarbage implements Callable<Integer> {
        @Mixin Bucket bucket;
        @Option(names = "--min-age", defaultValue = "24h",
                description = "Only objects older than this (default: ${DEFAULT-VALUE}).")
        Duration minAge;
        @Option(names = "--execute", description = "Delete; without it, only report what would be deleted.")
        boolean execute;
        @Option(names = "--max-deletes-per-second", defaultValue = "100",
                description = "Rate limit of deletions (default: ${DEFAULT-VALUE}).")
        int perSecond;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            GarbageReport report = bucket.open().purge(minAge, !execute, perSecond, progress());
            spec.commandLine().getOut().println(report.toJson(execute));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}

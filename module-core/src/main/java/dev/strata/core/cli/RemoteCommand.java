package dev.strata.core.cli;

import dev.strata.api.remote.ByteRange;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.Cancellation;
import dev.strata.api.remote.Capability;
import dev.strata.api.remote.ConfigKey;
import dev.strata.api.remote.Deadline;
import dev.strata.api.remote.DeleteResult;
import dev.strata.api.remote.ObjectContent;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.api.remote.PutOptions;
import dev.strata.api.remote.RemoteKeys;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.api.remote.RemoteStorageProvider;
import dev.strata.core.metrics.NodeMetrics;
import dev.strata.core.metrics.RemoteStorageMetrics;
import dev.strata.core.plugin.RemoteStorageProviders;
import dev.strata.core.remote.ContentSource;
import dev.strata.core.remote.MeteredStorage;
import dev.strata.core.remote.RemoteStorageConfig;
import dev.strata.core.remote.RetryingStorage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code strata remote …}: remote storage tools. */
@Command(name = "remote", description = "Remote storage tools.", subcommands = {RemoteCommand.CheckCommand.class})
final class RemoteCommand {

    @Command(name = "check", description = {
            "Connect with the configured remote storage and run a short round trip under a fresh prefix:",
            "put, head, get, ranged get, conditional put, list, copy, batch delete. Prints what works."})
    static final class CheckCommand implements Callable<Integer> {
        @Option(names = "--config", required = true, paramLabel = "FILE",
                description = "TOML file with a [remote_storage] section (provider = \"...\" and its keys).")
        Path config;

        @Option(names = "--plugins", paramLabel = "DIR",
                description = "Plugin directory (plugins/<name>/*.jar). Default: plugins/ of this installation.")
        Path plugins;

        @Option(names = "--prefix", defaultValue = "strata-remote-check/", paramLabel = "PREFIX",
                description = "Key prefix to work under; a random subdirectory is used. Default: ${DEFAULT-VALUE}")
        String prefix;

        @Option(names = "--timeout", defaultValue = "60s", paramLabel = "DURATION",
                description = "Deadline of each step, e.g. 30s. Default: ${DEFAULT-VALUE}")
        String timeout;

        @Spec CommandLine.Model.CommandSpec spec;

        private PrintWriter out;
        private int failures;

        @Override
        public Integer call() throws Exception {
            out = spec.commandLine().getOut();
            Path pluginDirectory = plugins != null ? plugins : Path.of(System.getProperty("java.home"), "plugins");
            RemoteStorageConfig section = RemoteStorageConfig.read(config);
            RemoteStorageProviders providers = RemoteStorageProviders.discover(pluginDirectory);
            RemoteStorageProvider provider = providers.find(section.provider());
            RemoteStorageConfig.Parsed parsed = section.parse(provider);
            out.println("provider " + provider.name() + " (" + providers.origins().get(provider.name()) + ")");
            out.println("config   " + parsed.providerConfig());
            Duration stepTimeout = ConfigKey.duration("timeout", null, "Deadline of each step.").parser().apply(timeout);
            String base = RemoteKeys.requireValidPrefix(prefix) + UUID.randomUUID() + "/";
            String object = base + "object";
            String copy = base + "copy";
            out.println("prefix   " + base);
            byte[] data = new byte[4096 + 17];
            new SecureRandom().nextBytes(data);

            RemoteStorageMetrics requests = new NodeMetrics().remoteStorage(provider.name());
            RemoteStorage raw = provider.create(parsed.providerConfig());
            try (raw) {
                // Metered inside the retries, so every attempt is counted.
                RetryingStorage storage = new RetryingStorage(new MeteredStorage(raw, requests), parsed.retryPolicy());
                out.println("capabilities " + raw.capabilities() + ", batch delete " + raw.maxKeysPerDelete() + " keys");
                step("put", stepTimeout, context -> {
                    ObjectMetadata written = storage.put(object, ContentSource.of(data), data.length, PutOptions.DEFAULT, context);
                    return data.length + " bytes, etag " + written.etag();
                });
                step("head", stepTimeout, context -> {
                    ObjectMetadata head = storage.head(object, context);
                    require(head.size() == data.length, "size " + head.size() + ", expected " + data.length);
                    return head.size() + " bytes";
                });
                step("get", stepTimeout, context -> {
                    try (ObjectContent content = storage.get(object, ByteRange.WHOLE, Optional.empty(), context)) {
                        require(Arrays.equals(content.readAllBytes(), data), "the bytes read differ from those written");
                    }
                    return "bytes match";
                });
                step("get last 100 bytes", stepTimeout, context -> {
                    try (ObjectContent content = storage.get(object, ByteRange.tail(100), Optional.empty(), context)) {
                        require(Arrays.equals(content.readAllBytes(), Arrays.copyOfRange(data, data.length - 100, data.length)),
                                "the range read differs");
                    }
                    return "bytes match";
                });
                step("put only if absent", stepTimeout, context -> {
                    if (!raw.capabilities().contains(Capability.CONDITIONAL_PUT)) {
                        return "not supported by this backend";
                    }
                    try {
                        storage.put(object, ContentSource.of(data), data.length, PutOptions.IF_ABSENT, context);
                    } catch (RemoteStorageException.AlreadyExists expected) {
                        return "refused on an existing key, as it must be";
                    }
                    throw new IllegalStateException("a conditional put replaced an existing object");
                });
                step("list", stepTimeout, context -> {
                    List<String> keys = storage.listAll(base, context).stream().map(ObjectMetadata::key).toList();
                    require(keys.equals(List.of(object)), "listed " + keys + ", expected [" + object + "]");
                    return "1 key";
                });
                step("copy", stepTimeout, context -> {
                    ObjectMetadata copied = storage.copy(object, copy, context);
                    require(copied.size() == data.length, "copy has " + copied.size() + " bytes");
                    return "to " + copy;
                });
                step("batch delete", stepTimeout, context -> {
                    List<DeleteResult> results = storage.deleteBatch(List.of(object, copy), context);
                    for (DeleteResult result : results) {
                        if (result.error().isPresent()) {
                            throw result.error().get();
                        }
                    }
                    try {
                        storage.head(object, context);
                    } catch (RemoteStorageException.NotFound expected) {
                        return "2 keys deleted";
                    }
                    throw new IllegalStateException("the object is still there after the delete");
                });
            }
            out.println(requestSummary(requests));
            out.println(failures == 0 ? "remote storage works" : failures + " step(s) failed");
            out.flush();
            return failures == 0 ? 0 : 1;
        }

        /** Requests per operation, then the errors by operation and class (the expected ones included). */
        private static String requestSummary(RemoteStorageMetrics requests) {
            List<String> counts = new ArrayList<>();
            List<String> errors = new ArrayList<>();
            for (RemoteStorageMetrics.Operation operation : RemoteStorageMetrics.Operation.values()) {
                counts.add(operation.label() + " " + requests.requests(operation));
                for (RemoteStorageMetrics.ErrorClass errorClass : RemoteStorageMetrics.ErrorClass.values()) {
                    long count = requests.errors(operation, errorClass);
                    if (count > 0) {
                        errors.add(operation.label() + " " + errorClass.label() + " " + count);
                    }
                }
            }
            return "requests " + String.join(", ", counts) + "; errors " + (errors.isEmpty() ? "none" : String.join(", ", errors));
        }

        @FunctionalInterface
        private interface Step {
            String run(CallContext context) throws Exception;
        }

        private void step(String name, Duration stepTimeout, Step step) {
            long started = System.nanoTime();
            String result;
            boolean ok;
            try {
                result = step.run(new CallContext(Cancellation.NEVER, Deadline.after(stepTimeout)));
                ok = true;
            } catch (Exception e) {
                result = e.getClass().getSimpleName() + ": " + e.getMessage();
                ok = false;
                failures++;
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            out.printf("%-6s %-22s %5d ms  %s%n", ok ? "ok" : "FAILED", name,
                    millis, result);
            out.flush();
        }

        private static void require(boolean condition, String problem) {
            if (!condition) {
                throw new IllegalStateException(problem);
            }
        }
    }
}

package dev.strata.core.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.api.controlplane.ControlPlane;
import dev.strata.api.controlplane.ControlPlaneException;
import dev.strata.api.controlplane.ControlPlaneProvider;
import dev.strata.api.deletion.DeletionExecutor;
import dev.strata.api.deletion.DeletionExecutorProvider;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.core.config.ConfigException;
import dev.strata.core.config.ControlPlaneConfig;
import dev.strata.core.config.NodeConfig;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.http.NodeServer;
import dev.strata.core.http.auth.JwtAuthenticator;
import dev.strata.core.io.DurableFiles;
import dev.strata.core.metrics.NodeMetrics;
import dev.strata.core.plugin.ControlPlaneProviders;
import dev.strata.core.plugin.Plugin;
import dev.strata.core.plugin.PluginException;
import dev.strata.core.plugin.PluginLoader;
import dev.strata.core.plugin.RemoteStorageOpener;
import dev.strata.core.plugin.RemoteStorageProviders;
import dev.strata.core.remote.RemoteStorageConfig;
import dev.strata.core.tenant.ControlPlaneSetup;
import dev.strata.core.tenant.EngineOptions;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.tenant.StartupAttach;
import dev.strata.core.tiered.RemoteLayout;
import dev.strata.core.tiered.RemoteResources;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code strata server}: runs a node on a work directory until it is told to stop (SIGTERM or SIGINT), then
 * stops taking requests, flushes in-memory data and exits. The address it listens on is printed and written
 * to {@code <workdir>/metadata.json}.
 */
@Command(name = "server", description = "Run a node: the HTTP API in front of the engine in a work directory.")
final class ServerCommand implements Callable<Integer> {
    @Option(names = "--workdir", required = true, description = "Work directory of the node (holds strata.toml).")
    Path workdir;

    @Option(names = "--listen", description = "HOST:PORT to listen on, overriding listen_http (port 0: a free one).")
    String listen;

    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        NodeConfig config;
        try {
            config = NodeConfig.load(workdir);
            if (listen != null) {
                int colon = listen.lastIndexOf(':');
                if (colon <= 0) {
                    throw new ConfigException("--listen '" + listen + "' is not HOST:PORT");
                }
                config = config.withListen(listen.substring(0, colon), Integer.parseInt(listen.substring(colon + 1)));
            }
        } catch (ConfigException | IllegalArgumentException e) {
            spec.commandLine().getErr().println("strata: " + e.getMessage());
            return 2;
        }
        DurableFiles.createDirectoryDurably(workdir);
        Failpoints failpoints = Failpoints.create();
        NodeMetrics metrics = new NodeMetrics();
        RemoteResources remote;
        List<Plugin> plugins;
        try {
            plugins = config.remoteStorage() == null && config.controlPlane() == null ? List.of()
                    : PluginLoader.onBootLayer().loadAll(RemoteStorageOpener.installedPlugins());
            remote = openRemote(config, metrics, plugins);
        } catch (IllegalArgumentException | PluginException e) {
            spec.commandLine().getErr().println("strata: " + e.getMessage());
            return 2;
        }
        ControlPlaneSetup control;
        try {
            control = openControlPlane(config, remote, workdir, ControlPlaneProviders.of(plugins));
        } catch (IllegalArgumentException | ControlPlaneException | PluginException e) {
            if (remote != null) {
                remote.close();
            }
            spec.commandLine().getErr().println("strata: " + e.getMessage());
            return 2;
        }
        LocalEngine engine;
        try {
            EngineOptions options = EngineOptions.DEFAULT.withTimelineSettings(config.tenantDefaults())
                    .withBlockCacheBytes(config.blockCacheBytes()).withBackgroundThreads(config.backgroundThreads())
                    .withInMemoryLayerBytes(config.inMemoryLayerBytes())
                    .withFailpoints(failpoints).withRemote(remote).withEviction(config.eviction())
                    .withWalBackup(config.walBackup()).withSecondary(config.secondary())
                    // The node listens while its tenants attach; a request for a waiting tenant moves it up the queue.
                    .withStartup(StartupAttach.DEFAULT.inBackground());
            engine = control == null ? LocalEngine.open(workdir, options, metrics)
                    : LocalEngine.open(workdir, options, metrics, control);
            if (control != null) {
                engine.closeAfterwards(control.executor());
                engine.closeAfterwards(control.controlPlane());
            }
        } catch (IOException | RuntimeException e) {
            if (control != null) {
                control.controlPlane().close();
            }
            if (remote != null) {
                remote.close();
            }
            throw e;
        }
        NodeServer server;
        try {
            JwtAuthenticator authenticator = null;
            if (config.authPublicKeyFile() != null) {
                authenticator = JwtAuthenticator.fromFile(config.authPublicKeyFile());
            } else {
                System.err.println("strata: WARNING: authentication is OFF (no auth.public_key_file): every client on "
                        + config.listenHost() + " can read, write and delete every tenant");
            }
            server = NodeServer.start(engine, failpoints, config.nodeId(), config.listenHost(), config.listenPort(),
                    config.maxRequestBytes(), authenticator);
        } catch (IOException | RuntimeException e) {
            engine.close();
            if (remote != null) {
                remote.close();
            }
            throw e;
        }
        String address = "http://" + config.listenHost() + ":" + server.port();
        ObjectNode metadata = new ObjectMapper().createObjectNode().put("node_id", config.nodeId()).put("http", address);
        DurableFiles.writeAtomically(workdir.resolve("metadata.json"), metadata.toString().getBytes());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            try {
                engine.close();
            } catch (IOException e) {
                System.err.println("strata: shutdown: " + e.getMessage());
            }
            if (remote != null) {
                remote.close();
            }
            stopped.countDown();
        }, "strata-shutdown"));
        out.println("strata node " + config.nodeId() + " listening on " + address + " (work directory " + workdir
                + (remote == null ? ", no remote storage" : ", remote storage " + remote.storage()) + ")");
        out.flush();
        stopped.await();
        return 0;
    }

    /**
     * The control plane of {@code [control_plane]} and the executor of {@code [deletion]}; null without the
     * section (the node is its bucket's only writer and deletes at once).
     *
     * @throws IllegalArgumentException naming the key or provider that is wrong
     */
    private static ControlPlaneSetup openControlPlane(NodeConfig config, RemoteResources remote, Path workdir,
            ControlPlaneProviders providers) throws ControlPlaneException {
        ControlPlaneConfig section = config.controlPlane();
        if (section == null) {
            return null;
        }
        if (remote == null) {
            throw new dev.strata.api.remote.ConfigException("[control_plane] needs a [remote_storage] section: generations guard a shared bucket");
        }
        ControlPlaneProvider provider = providers.controlPlane(section.provider());
        ControlPlane controlPlane = provider.create(ProviderConfig.parse(ControlPlaneConfig.SECTION, section.settings(),
                provider.configKeys()), workdir);
        DeletionExecutor executor;
        try {
            DeletionExecutorProvider executorProvider = providers.deletionExecutor(section.executor());
            executor = executorProvider.create(ProviderConfig.parse(ControlPlaneConfig.DELETION_SECTION,
                    section.executorSettings(), executorProvider.configKeys()), remote.storage().storage());
        } catch (RuntimeException e) {
            controlPlane.close();
            throw e;
        }
        return new ControlPlaneSetup(controlPlane, config.nodeId(), section.emergencyMode(), executor,
                section.queue());
    }

    /**
     * The remote storage of {@code [remote_storage]}, with its provider found among the built-in backends and
     * the plugins beside this installation; null without the section.
     *
     * @throws IllegalArgumentException naming the key or provider that is wrong
     */
    private static RemoteResources openRemote(NodeConfig config, NodeMetrics metrics, List<Plugin> plugins)
            throws IOException {
        RemoteStorageConfig section = config.remoteStorage();
        if (section == null) {
            return null;
        }
        RemoteStorageOpener.Opened opened = RemoteStorageOpener.open(section, RemoteStorageProviders.of(RemoteStorageProviders.bootProviders(), plugins),
                metrics.remoteStorage(section.provider()));
        return RemoteResources.withDefaults(opened.storage(), RemoteLayout.root());
    }
}

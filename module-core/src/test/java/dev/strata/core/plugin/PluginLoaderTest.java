package dev.strata.core.plugin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Generation;
import dev.strata.api.TenantId;
import dev.strata.api.controlplane.ControlPlane;
import dev.strata.api.controlplane.ControlPlaneProvider;
import dev.strata.api.controlplane.TenantGeneration;
import dev.strata.api.deletion.DeletionExecutor;
import dev.strata.api.deletion.DeletionExecutorProvider;
import dev.strata.api.remote.ByteRange;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.ConfigException;
import dev.strata.api.remote.DeleteResult;
import dev.strata.api.remote.ObjectContent;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.PutOptions;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.api.remote.RemoteStorageProvider;
import dev.strata.core.testing.LocalBucket;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plugin layers with a third-party backend compiled at test time. */
final class PluginLoaderTest {
    @TempDir
    Path work;

    private Path plugins() {
        return work.resolve("plugins");
    }

    @Test
    void aThirdPartyBackendLoadsIntoItsOwnLayerAndRunsUnderItsLoader() throws IOException, ClassNotFoundException {
        ThirdPartyPlugin.build(work, plugins().resolve("memory").resolve("memstore-1.0.jar"), "com.example.memstore", "memory", 1);
        List<Plugin> loaded = PluginLoader.onBootLayer().loadAll(plugins());
        assertEquals(1, loaded.size());
        Plugin plugin = loaded.getFirst();
        assertEquals("memory", plugin.name());
        assertEquals(List.of(ModuleLayer.boot()), plugin.layer().parents());
        assertTrue(plugin.layer().findModule("com.example.memstore").isPresent());
        assertTrue(ModuleLayer.boot().findModule("com.example.memstore").isEmpty());
        assertEquals(1, plugin.remoteStorageProviders().size());

        RemoteStorageProviders providers = RemoteStorageProviders.of(List.of(), loaded);
        RemoteStorageProvider provider = providers.find("memory");
        assertTrue(providers.origins().get("memory").startsWith("plugin 'memory'"), providers.origins().toString());
        ClassLoader before = Thread.currentThread().getContextClassLoader();
        try (RemoteStorage storage = provider.create(ProviderConfig.parse("remote_storage", Map.of("label", "t"),
                provider.configKeys()))) {
            assertNotSame(plugin.classLoader(), before);
            byte[] data = "through a plugin layer".getBytes(StandardCharsets.UTF_8);
            ObjectMetadata written = storage.put("a/b", new ByteArrayInputStream(data), data.length, PutOptions.DEFAULT,
                    CallContext.NONE);
            assertEquals("tccl-true", written.etag(), "the call ran with the plugin's loader as context loader");
            assertSame(before, Thread.currentThread().getContextClassLoader(), "and the previous loader is back");
            assertEquals("tccl-true", storage.head("a/b", CallContext.NONE).etag());
            try (ObjectContent content = storage.get("a/b", ByteRange.WHOLE, Optional.empty(), CallContext.NONE)) {
                assertArrayEquals(data, content.readAllBytes());
            }
            assertThrows(RemoteStorageException.NotFound.class, () -> storage.head("missing", CallContext.NONE));
            assertSame(before, Thread.currentThread().getContextClassLoader());
            Class<?> backend = Class.forName("com.example.memstore.MemoryStorage", false, plugin.classLoader());
            Object unwrapped = storage.unwrap(backend).orElseThrow(() -> new AssertionError("the wrapper hides its backend"));
            assertNotSame(storage, unwrapped, "unwrap reaches the plugin's own storage under core's wrapper");
            assertEquals(Optional.empty(), storage.unwrap(String.class));
        }
    }

    @Test
    void bootProvidersAndPluginsAreFoundTogetherAndAnUnknownNameListsThem() throws IOException {
        ThirdPartyPlugin.build(work, plugins().resolve("memory").resolve("memstore.jar"), "com.example.memstore", "memory", 1);
        Files.createDirectories(plugins().resolve("empty"));
        RemoteStorageProviders providers = RemoteStorageProviders.discover(plugins());
        assertEquals("localfs", providers.find("localfs").name(), "the built-in backend stays available");
        assertEquals("memory", providers.find("memory").name());
        ConfigException unknown = assertThrows(ConfigException.class, () -> providers.find("s3"));
        assertEquals("[remote_storage] provider = 's3' is not available; available: localfs, memory"
                + " (cloud backends are plugins: is plugins/s3/ present?)", unknown.getMessage());
        assertEquals(List.of(), PluginLoader.onBootLayer().loadAll(work.resolve("no-such-directory")));
    }

    @Test
    void aPluginThatBringsItsOwnCopyOfABootModuleIsRejected() throws IOException {
        ThirdPartyPlugin.build(work, plugins().resolve("sneaky").resolve("memstore.jar"), "com.example.memstore", "memory", 1);
        ThirdPartyPlugin.automaticModuleJar(plugins().resolve("sneaky").resolve("strata-api-copy.jar"), "dev.strata.api");
        PluginException e = assertThrows(PluginException.class, () -> PluginLoader.onBootLayer().loadAll(plugins()));
        assertTrue(e.getMessage().startsWith("plugin 'sneaky': module 'dev.strata.api' ("), e.getMessage());
        assertTrue(e.getMessage().contains("strata-api-copy.jar"), e.getMessage());
    }

    @Test
    void aProviderBuiltForAnotherSpiMajorVersionIsRejected() throws IOException {
        ThirdPartyPlugin.build(work, plugins().resolve("future").resolve("memstore.jar"), "com.example.future", "future", 2);
        PluginException e = assertThrows(PluginException.class, () -> PluginLoader.onBootLayer().loadAll(plugins()));
        assertEquals("plugin 'future': module 'com.example.future' provides remote storage 'future' for SPI major"
                + " version 2, but this Strata has version 1; use a build of the plugin for this version", e.getMessage());
    }

    @Test
    void twoProvidersWithOneNameAreAnError() throws IOException {
        ThirdPartyPlugin.build(work, plugins().resolve("one").resolve("a.jar"), "com.example.one", "memory", 1);
        ThirdPartyPlugin.build(work, plugins().resolve("two").resolve("b.jar"), "com.example.two", "memory", 1);
        PluginException e = assertThrows(PluginException.class, () -> RemoteStorageProviders.discover(plugins()));
        assertTrue(e.getMessage().startsWith("remote storage 'memory' is provided twice: plugin 'one'"), e.getMessage());
        assertTrue(e.getMessage().contains("and plugin 'two'"), e.getMessage());
    }

    @Test
    void controlPlaneAndDeletionExecutorProvidersComeFromPluginsBesideTheBuiltInOnes() throws IOException {
        ThirdPartyPlugin.buildControlPlaneAndExecutor(work, plugins().resolve("policy").resolve("policy.jar"),
                "com.example.policy", "static", "checking", 1);
        List<Plugin> loaded = PluginLoader.onBootLayer().loadAll(plugins());
        assertEquals(List.of(), loaded.getFirst().remoteStorageProviders());
        ControlPlaneProviders providers = ControlPlaneProviders.of(loaded);
        assertEquals("local", providers.controlPlane("local").name(), "built-in control planes stay available");
        assertEquals("trash", providers.deletionExecutor("trash").name(), "built-in executors stay available");
        assertTrue(providers.controlPlaneOrigins().get("static").startsWith("plugin 'policy'"),
                providers.controlPlaneOrigins().toString());
        assertTrue(providers.deletionExecutorOrigins().get("immediate").startsWith("built in (module dev.strata.core)"),
                providers.deletionExecutorOrigins().toString());

        ClassLoader before = Thread.currentThread().getContextClassLoader();
        ControlPlaneProvider controlPlaneProvider = providers.controlPlane("static");
        try (ControlPlane controlPlane = controlPlaneProvider.create(ProviderConfig.parse("control_plane", Map.of(),
                controlPlaneProvider.configKeys()), work)) {
            TenantGeneration pair = new TenantGeneration(TenantId.parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), Generation.of(1));
            assertEquals(Map.of(pair, true), controlPlane.validate(List.of(pair), CallContext.NONE),
                    "validate ran with the plugin's loader as context loader");
        }
        DeletionExecutorProvider executorProvider = providers.deletionExecutor("checking");
        try (LocalBucket bucket = new LocalBucket(work.resolve("bucket"), 1);
             DeletionExecutor executor = executorProvider.create(ProviderConfig.parse("deletion", Map.of(),
                     executorProvider.configKeys()), bucket.faults())) {
            List<DeleteResult> results = executor.delete(List.of("a", "b"), CallContext.NONE);
            assertTrue(results.stream().allMatch(DeleteResult::isDeleted), "ran under the plugin's loader: " + results);
        }
        assertSame(before, Thread.currentThread().getContextClassLoader(), "and the previous loader is back");

        ConfigException unknown = assertThrows(ConfigException.class, () -> providers.deletionExecutor("lifecycle-tag"));
        assertEquals("[deletion] executor = 'lifecycle-tag' is not available; available: checking, immediate, trash",
                unknown.getMessage());
    }

    @Test
    void aPluginExecutorOrControlPlaneNamedLikeABuiltInOneIsAnErrorNamingBoth() throws IOException {
        ThirdPartyPlugin.buildControlPlaneAndExecutor(work, plugins().resolve("clash").resolve("clash.jar"),
                "com.example.clash", "other", "trash", 1);
        PluginException executor = assertThrows(PluginException.class, () -> ControlPlaneProviders.discover(plugins()));
        assertTrue(executor.getMessage().startsWith("deletion executor 'trash' is provided twice: built in (module"
                + " dev.strata.core) and plugin 'clash' ("), executor.getMessage());

        ThirdPartyPlugin.buildControlPlaneAndExecutor(work, plugins().resolve("clash").resolve("clash.jar"),
                "com.example.clash2", "local", "unique", 1);
        PluginException controlPlane = assertThrows(PluginException.class, () -> ControlPlaneProviders.discover(plugins()));
        assertTrue(controlPlane.getMessage().startsWith("control plane 'local' is provided twice: built in"),
                controlPlane.getMessage());
    }

    @Test
    void aControlPlaneBuiltForAnotherSpiMajorVersionIsRejectedNamingThePlugin() throws IOException {
        ThirdPartyPlugin.buildControlPlaneAndExecutor(work, plugins().resolve("future").resolve("future.jar"),
                "com.example.futurepolicy", "future", "future", 2);
        PluginException e = assertThrows(PluginException.class, () -> PluginLoader.onBootLayer().loadAll(plugins()));
        assertEquals("plugin 'future': module 'com.example.futurepolicy' provides control plane 'future' for SPI major"
                + " version 2, but this Strata has version 1; use a build of the plugin for this version", e.getMessage());
    }
}

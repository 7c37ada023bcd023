package dev.strata.core.plugin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.remote.ByteRange;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.ConfigException;
import dev.strata.api.remote.ObjectContent;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.PutOptions;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.api.remote.RemoteStorageProvider;
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
    void aThirdPartyBackendLoadsIntoItsOwnLayerAndRunsUnderItsLoader() throws IOException {
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
}

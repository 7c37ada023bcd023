package dev.strata.core.plugin;

import dev.strata.api.remote.RemoteStorageProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.module.Configuration;
import java.lang.module.FindException;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.module.ResolutionException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Loads {@code plugins/<name>/*.jar}: one {@link ModuleLayer} per directory, every jar in it a root module
 * (explicit or automatic), the boot layer as parent, one class loader per plugin.
 *
 * <p>Rules, each failing with a {@link PluginException} that names the plugin and the module:
 * <ul>
 *   <li>A plugin may not contain a module the boot layer already has (a second copy of {@code dev.strata.api} or
 *       of a library core links): it would silently be shadowed or split the SPI's types.</li>
 *   <li>A provider must have been built for this SPI's major version ({@link RemoteStorageProvider#apiMajorVersion()}).</li>
 *   <li>The jars must resolve (no duplicate modules, no missing requirements).</li>
 * </ul>
 * Providers are taken only from the plugin's own layer; a directory without jars is skipped, one without
 * providers is loaded (it may serve other SPIs later). Plugins are loaded in name order.
 */
public final class PluginLoader {
    private final ModuleLayer parent;

    public PluginLoader(ModuleLayer parent) {
        this.parent = Objects.requireNonNull(parent, "parent is null");
    }

    /** A loader whose plugins sit on the boot layer. */
    public static PluginLoader onBootLayer() {
        return new PluginLoader(ModuleLayer.boot());
    }

    /** Loads every plugin directory under {@code pluginsDirectory}; a missing directory means no plugins. */
    public List<Plugin> loadAll(Path pluginsDirectory) {
        Objects.requireNonNull(pluginsDirectory, "pluginsDirectory is null");
        if (!Files.isDirectory(pluginsDirectory)) {
            return List.of();
        }
        List<Plugin> plugins = new ArrayList<>();
        for (Path directory : list(pluginsDirectory, Files::isDirectory)) {
            List<Path> jars = list(directory, file -> file.getFileName().toString().endsWith(".jar"));
            if (!jars.isEmpty()) {
                plugins.add(load(directory, jars));
            }
        }
        return List.copyOf(plugins);
    }

    /** Loads one plugin directory. */
    public Plugin load(Path directory) {
        return load(directory, list(directory, file -> file.getFileName().toString().endsWith(".jar")));
    }

    private Plugin load(Path directory, List<Path> jars) {
        String name = directory.getFileName().toString();
        ModuleFinder finder = ModuleFinder.of(jars.toArray(Path[]::new));
        Set<ModuleReference> references;
        try {
            references = finder.findAll();
        } catch (FindException e) {
            throw new PluginException("plugin '" + name + "' (" + directory + "): " + e.getMessage(), e);
        }
        Set<String> roots = new TreeSet<>();
        for (ModuleReference reference : references) {
            String module = reference.descriptor().name();
            if (parent.findModule(module).isPresent()) {
                throw new PluginException("plugin '" + name + "': module '" + module + "' ("
                        + reference.location().map(Object::toString).orElse("?") + ") is already part of Strata;"
                        + " remove that jar from " + directory + " (a plugin must use the boot layer's copy)");
            }
            roots.add(module);
        }
        ModuleLayer layer;
        try {
            Configuration configuration = parent.configuration().resolveAndBind(finder, ModuleFinder.of(), roots);
            ClassLoader parentLoader = PluginLoader.class.getClassLoader();
            layer = parent.defineModulesWithOneLoader(configuration, parentLoader);
        } catch (FindException | ResolutionException | LayerInstantiationException e) {
            throw new PluginException("plugin '" + name + "' (" + directory + ") does not resolve: " + e.getMessage(), e);
        }
        ClassLoader loader = layer.modules().iterator().next().getClassLoader();
        List<RemoteStorageProvider> providers = new ArrayList<>();
        ServiceLoader<RemoteStorageProvider> serviceLoader = ServiceLoader.load(layer, RemoteStorageProvider.class);
        for (ServiceLoader.Provider<RemoteStorageProvider> candidate : serviceLoader.stream().toList()) {
            Module module = candidate.type().getModule();
            if (module.getLayer() != layer) {
                continue; // a provider of the boot layer, found through the parent
            }
            RemoteStorageProvider provider = ContextClassLoader.call(loader, candidate::get);
            int version = ContextClassLoader.call(loader, provider::apiMajorVersion);
            if (version != RemoteStorageProvider.API_MAJOR_VERSION) {
                throw new PluginException("plugin '" + name + "': module '" + module.getName() + "' provides remote storage '"
                        + provider.name() + "' for SPI major version " + version + ", but this Strata has version "
                        + RemoteStorageProvider.API_MAJOR_VERSION + "; use a build of the plugin for this version");
            }
            providers.add(new LayerProvider(provider, loader, name));
        }
        return new Plugin(name, directory, layer, providers);
    }

    private static List<Path> list(Path directory, java.util.function.Predicate<Path> filter) {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.filter(filter).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list plugin directory " + directory, e);
        }
    }
}

package dev.strata.core.plugin;

import dev.strata.api.controlplane.ControlPlaneProvider;
import dev.strata.api.deletion.DeletionExecutorProvider;
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
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import java.util.stream.Stream;

/**
 * Loads {@code plugins/<name>/*.jar}: one {@link ModuleLayer} per directory, every jar in it a root module
 * (explicit or automatic), the boot layer as parent, one class loader per plugin.
 *
 * <p>Rules, each failing with a {@link PluginException} that names the plugin and the module:
 * <ul>
 *   <li>A plugin may not contain a module the boot layer already has (a second copy of {@code dev.strata.api} or
 *       of a library core links): it would silently be shadowed or split the SPI's types.</li>
 *   <li>A provider (of remote storage, control plane or deletion executor) must have been built for its SPI's
 *       major version ({@link RemoteStorageProvider#apiMajorVersion()} and the like), and must be creatable.</li>
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
        List<RemoteStorageProvider> storages = providers(name, layer, loader, RemoteStorageProvider.class,
                "remote storage", RemoteStorageProvider::name, RemoteStorageProvider::apiMajorVersion,
                RemoteStorageProvider.API_MAJOR_VERSION).stream()
                .<RemoteStorageProvider>map(provider -> new LayerProvider(provider, loader, name)).toList();
        List<ControlPlaneProvider> controlPlanes = providers(name, layer, loader, ControlPlaneProvider.class,
                "control plane", ControlPlaneProvider::name, ControlPlaneProvider::apiMajorVersion,
                ControlPlaneProvider.API_MAJOR_VERSION).stream()
                .<ControlPlaneProvider>map(provider -> new LayerControlPlaneProvider(provider, loader, name)).toList();
        List<DeletionExecutorProvider> executors = providers(name, layer, loader, DeletionExecutorProvider.class,
                "deletion executor", DeletionExecutorProvider::name, DeletionExecutorProvider::apiMajorVersion,
                DeletionExecutorProvider.API_MAJOR_VERSION).stream()
                .<DeletionExecutorProvider>map(provider -> new LayerDeletionExecutorProvider(provider, loader, name))
                .toList();
        return new Plugin(name, directory, layer, storages, controlPlanes, executors);
    }

    /**
     * The providers of {@code service} that {@code layer} itself declares, instantiated under the layer's loader;
     * one built for another SPI major version, or one whose class cannot be instantiated, fails naming the plugin.
     */
    private static <P> List<P> providers(String plugin, ModuleLayer layer, ClassLoader loader, Class<P> service,
            String kind, Function<P, String> name, ToIntFunction<P> version, int expectedVersion) {
        List<P> providers = new ArrayList<>();
        List<ServiceLoader.Provider<P>> candidates;
        try {
            candidates = ServiceLoader.load(layer, service).stream().toList();
        } catch (ServiceConfigurationError e) {
            throw new PluginException("plugin '" + plugin + "': its " + kind + " providers cannot be loaded: "
                    + e.getMessage(), e);
        }
        for (ServiceLoader.Provider<P> candidate : candidates) {
            Module module = candidate.type().getModule();
            if (module.getLayer() != layer) {
                continue; // a provider of the boot layer, found through the parent
            }
            P provider;
            try {
                provider = ContextClassLoader.call(loader, candidate::get);
            } catch (ServiceConfigurationError e) {
                throw new PluginException("plugin '" + plugin + "': module '" + module.getName() + "' has a " + kind
                        + " provider " + candidate.type().getName() + " that cannot be created: " + e.getMessage(), e);
            }
            int actual = ContextClassLoader.call(loader, () -> version.applyAsInt(provider));
            if (actual != expectedVersion) {
                throw new PluginException("plugin '" + plugin + "': module '" + module.getName() + "' provides " + kind
                        + " '" + ContextClassLoader.call(loader, () -> name.apply(provider)) + "' for SPI major version "
                        + actual + ", but this Strata has version " + expectedVersion
                        + "; use a build of the plugin for this version");
            }
            providers.add(provider);
        }
        return providers;
    }

    private static List<Path> list(Path directory, java.util.function.Predicate<Path> filter) {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.filter(filter).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list plugin directory " + directory, e);
        }
    }
}

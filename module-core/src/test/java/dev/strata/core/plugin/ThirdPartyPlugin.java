package dev.strata.core.plugin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

/**
 * Builds small third-party plugins at test time, outside the project's modules: Java sources compiled with the
 * JDK's javac against {@code dev.strata.api} only, packed into a jar for a plugins directory. One kind is a remote
 * storage backend, the other a control plane and a deletion executor.
 *
 * <p>The backend keeps objects in memory. Its ETags record whether the thread context class loader was the
 * plugin's own loader during the call ({@code tccl-true}), so tests can see what core set.
 */
final class ThirdPartyPlugin {
    private ThirdPartyPlugin() {}

    /** Compiles the backend as module {@code module} providing storage {@code name} for SPI version {@code version}. */
    static Path build(Path work, Path jar, String module, String name, int version) throws IOException {
        Path sources = Files.createDirectories(work.resolve("src-" + module));
        Path classes = Files.createDirectories(work.resolve("classes-" + module));
        String pkg = module;
        Path packageDirectory = Files.createDirectories(sources.resolve(pkg.replace('.', '/')));
        Files.writeString(sources.resolve("module-info.java"), """
                module %s {
                    requires dev.strata.api;
                    provides dev.strata.api.remote.RemoteStorageProvider with %s.MemoryProvider;
                }
                """.formatted(module, pkg));
        Files.writeString(packageDirectory.resolve("MemoryProvider.java"), """
                package %s;

                import dev.strata.api.remote.*;
                import java.util.List;

                public final class MemoryProvider implements RemoteStorageProvider {
                    static final ConfigKey<String> LABEL = ConfigKey.string("label", "memory", "A label.");

                    public String name() { return "%s"; }
                    public int apiMajorVersion() { return %d; }
                    public List<ConfigKey<?>> configKeys() { return List.of(LABEL); }
                    public RemoteStorage create(ProviderConfig config) { return new MemoryStorage(config.get(LABEL)); }
                }
                """.formatted(pkg, name, version));
        Files.writeString(packageDirectory.resolve("MemoryStorage.java"), """
                package %s;

                import dev.strata.api.remote.*;
                import java.io.*;
                import java.time.Instant;
                import java.util.*;
                import java.util.concurrent.ConcurrentSkipListMap;

                final class MemoryStorage implements RemoteStorage {
                    private final ConcurrentSkipListMap<String, byte[]> objects = new ConcurrentSkipListMap<>();
                    private final String label;

                    MemoryStorage(String label) { this.label = label; }

                    private ObjectMetadata metadata(String key, byte[] bytes) {
                        boolean own = Thread.currentThread().getContextClassLoader() == getClass().getClassLoader();
                        return new ObjectMetadata(key, bytes.length, "tccl-" + own, Instant.EPOCH);
                    }

                    public Set<Capability> capabilities() { return EnumSet.of(Capability.CONDITIONAL_PUT); }
                    public int maxKeysPerDelete() { return 100; }

                    public ListPage list(ListRequest request, CallContext context) throws RemoteStorageException {
                        context.check("list", null);
                        List<ObjectMetadata> found = new ArrayList<>();
                        objects.forEach((key, bytes) -> { if (key.startsWith(request.prefix())) found.add(metadata(key, bytes)); });
                        return new ListPage(found, List.of(), Optional.empty());
                    }

                    public ObjectMetadata head(String key, CallContext context) throws RemoteStorageException {
                        context.check("head", key);
                        byte[] bytes = objects.get(RemoteKeys.requireValid(key));
                        if (bytes == null) throw new RemoteStorageException.NotFound("head", key, null);
                        return metadata(key, bytes);
                    }

                    public ObjectMetadata put(String key, InputStream data, long size, PutOptions options, CallContext context)
                            throws RemoteStorageException {
                        context.check("put", key);
                        byte[] bytes;
                        try { bytes = data.readNBytes((int) size); } catch (IOException e) {
                            throw new RemoteStorageException.Permanent("put", key, e.toString(), e);
                        }
                        if (bytes.length != size) throw new RemoteStorageException.Permanent("put", key, "short", null);
                        if (options.ifAbsent()) {
                            if (objects.putIfAbsent(key, bytes) != null) throw new RemoteStorageException.AlreadyExists("put", key, null);
                        } else {
                            objects.put(key, bytes);
                        }
                        return metadata(key, bytes);
                    }

                    public ObjectContent get(String key, ByteRange range, Optional<String> ifMatch, CallContext context)
                            throws RemoteStorageException {
                        context.check("get", key);
                        if (ifMatch.isPresent()) throw new RemoteStorageException.Permanent("get", key, "no conditional get", null);
                        byte[] bytes = objects.get(key);
                        if (bytes == null) throw new RemoteStorageException.NotFound("get", key, null);
                        int start = (int) range.start(bytes.length);
                        int length = (int) range.length(bytes.length);
                        return new ObjectContent(metadata(key, bytes), start, length, new ByteArrayInputStream(bytes, start, length));
                    }

                    public void delete(String key, CallContext context) throws RemoteStorageException {
                        context.check("delete", key);
                        objects.remove(key);
                    }

                    public List<DeleteResult> deleteBatch(List<String> keys, CallContext context) throws RemoteStorageException {
                        context.check("deleteBatch", null);
                        List<DeleteResult> results = new ArrayList<>();
                        for (String key : keys) { objects.remove(key); results.add(DeleteResult.deleted(key)); }
                        return results;
                    }

                    public ObjectMetadata copy(String source, String target, CallContext context) throws RemoteStorageException {
                        context.check("copy", source);
                        byte[] bytes = objects.get(source);
                        if (bytes == null) throw new RemoteStorageException.NotFound("copy", source, null);
                        objects.put(target, bytes);
                        return metadata(target, bytes);
                    }

                    public void close() {}

                    public String toString() { return "MemoryStorage[" + label + "]"; }
                }
                """.formatted(pkg));

        return compileAndPack(sources, classes, jar);
    }

    /**
     * Compiles a plugin module {@code module} that provides control plane {@code controlPlane} and deletion executor
     * {@code executor}, both for SPI major version {@code version}. The control plane attaches nothing and answers
     * every validation with whether the call ran under the plugin's own loader; the executor "deletes" a key
     * (reporting it done) exactly when its call ran under that loader, and fails it with a permanent error otherwise.
     */
    static Path buildControlPlaneAndExecutor(Path work, Path jar, String module, String controlPlane, String executor,
            int version) throws IOException {
        Path sources = Files.createDirectories(work.resolve("src-" + module));
        Path classes = Files.createDirectories(work.resolve("classes-" + module));
        String pkg = module;
        Path packageDirectory = Files.createDirectories(sources.resolve(pkg.replace('.', '/')));
        Files.writeString(sources.resolve("module-info.java"), """
                module %s {
                    requires dev.strata.api;
                    provides dev.strata.api.controlplane.ControlPlaneProvider with %s.StaticControlPlaneProvider;
                    provides dev.strata.api.deletion.DeletionExecutorProvider with %s.CheckingExecutorProvider;
                }
                """.formatted(module, pkg, pkg));
        Files.writeString(packageDirectory.resolve("StaticControlPlaneProvider.java"), """
                package %s;

                import dev.strata.api.controlplane.*;
                import dev.strata.api.remote.*;
                import java.nio.file.Path;
                import java.util.*;

                public final class StaticControlPlaneProvider implements ControlPlaneProvider {
                    public String name() { return "%s"; }
                    public int apiMajorVersion() { return %d; }
                    public List<ConfigKey<?>> configKeys() { return List.of(); }
                    public ControlPlane create(ProviderConfig config, Path workdir) {
                        return new ControlPlane() {
                            public List<TenantAttachment> reAttach(long nodeId, boolean empty, CallContext context) {
                                return List.of();
                            }
                            public Map<TenantGeneration, Boolean> validate(List<TenantGeneration> tenants, CallContext context) {
                                boolean own = Thread.currentThread().getContextClassLoader() == getClass().getClassLoader();
                                Map<TenantGeneration, Boolean> answers = new HashMap<>();
                                tenants.forEach(tenant -> answers.put(tenant, own));
                                return answers;
                            }
                            public void close() {}
                        };
                    }
                }
                """.formatted(pkg, controlPlane, version));
        Files.writeString(packageDirectory.resolve("CheckingExecutorProvider.java"), """
                package %s;

                import dev.strata.api.deletion.*;
                import dev.strata.api.remote.*;
                import java.util.*;

                public final class CheckingExecutorProvider implements DeletionExecutorProvider {
                    public String name() { return "%s"; }
                    public int apiMajorVersion() { return %d; }
                    public List<ConfigKey<?>> configKeys() { return List.of(); }
                    public DeletionExecutor create(ProviderConfig config, RemoteStorage storage) {
                        return new DeletionExecutor() {
                            public int maxKeysPerCall() { return 10; }
                            public List<DeleteResult> delete(List<String> keys, CallContext context) {
                                boolean own = Thread.currentThread().getContextClassLoader() == getClass().getClassLoader();
                                List<DeleteResult> results = new ArrayList<>();
                                for (String key : keys) {
                                    results.add(own ? DeleteResult.deleted(key) : DeleteResult.failed(key,
                                            new RemoteStorageException.Permanent("delete", key, "foreign context loader", null)));
                                }
                                return results;
                            }
                        };
                    }
                }
                """.formatted(pkg, executor, version));
        return compileAndPack(sources, classes, jar);
    }

    private static Path compileAndPack(Path sources, Path classes, Path jar) throws IOException {
        List<String> arguments = new ArrayList<>(List.of("--release", "25", "-proc:none",
                "--module-path", apiLocation().toString(), "-d", classes.toString()));
        try (Stream<Path> files = Files.walk(sources)) {
            files.filter(file -> file.toString().endsWith(".java")).map(Path::toString).forEach(arguments::add);
        }
        ToolProvider javac = ToolProvider.findFirst("javac")
                .orElseThrow(() -> new IllegalStateException("this runtime has no javac"));
        ByteArrayOutputStream messages = new ByteArrayOutputStream();
        try (PrintStream print = new PrintStream(messages, true, StandardCharsets.UTF_8)) {
            int exitCode = javac.run(print, print, arguments.toArray(String[]::new));
            if (exitCode != 0) {
                throw new IllegalStateException("javac failed (" + exitCode + "): " + messages.toString(StandardCharsets.UTF_8));
            }
        }
        Files.createDirectories(jar.getParent());
        writeJar(jar, classes, new Manifest());
        return jar;
    }

    /** A jar holding only a manifest that names an automatic module, to impersonate another module. */
    static Path automaticModuleJar(Path jar, String moduleName) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(new Attributes.Name("Automatic-Module-Name"), moduleName);
        Files.createDirectories(jar.getParent());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), withVersion(manifest))) {
            out.putNextEntry(new JarEntry("README.txt"));
            out.write("not a real module".getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        return jar;
    }

    private static Manifest withVersion(Manifest manifest) {
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        return manifest;
    }

    private static void writeJar(Path jar, Path classes, Manifest manifest) throws IOException {
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), withVersion(manifest));
                Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
                Files.copy(file, out);
                out.closeEntry();
            }
        }
    }

    /** Where the boot layer found {@code dev.strata.api} (its jar or classes directory). */
    static Path apiLocation() {
        return ModuleLayer.boot().configuration().findModule("dev.strata.api")
                .flatMap(module -> module.reference().location()).map(Path::of)
                .orElseThrow(() -> new IllegalStateException("dev.strata.api is not in the boot layer"));
    }
}

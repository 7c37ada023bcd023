import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.module.FindException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

/**
 * Builds the runtime image of the distribution; run by the distribution module in the package phase.
 *
 * <p>Usage: {@code java LinkImage.java <module jars> <overlay> <image> [--plugins-from=<dir> --plugins=<a,b>] <jlink option>...}
 *
 * <ol>
 *   <li>Every jar in {@code <module jars>} must be an explicit module (one with a {@code module-info.class}):
 *       jlink links nothing else. An automatic module stops the build with a message naming the jar.</li>
 *   <li>A previous {@code <image>} is deleted, then jlink links the image from those jars and the JDK.</li>
 *   <li>{@code <overlay>} (the launcher {@code bin/strata}, {@code plugins/}) is copied over the image and an
 *       empty {@code conf/} is created.</li>
 *   <li>Each plugin named in {@code --plugins} is copied from {@code <plugins-from>/<name>/} to
 *       {@code plugins/<name>/}. A plugin jar whose module is also in the image stops the build (at run time core
 *       would refuse the plugin for it). An empty list builds an image without cloud backends.</li>
 * </ol>
 */
public final class LinkImage {

    private LinkImage() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: java LinkImage.java <module jars> <overlay> <image> <jlink option>...");
            System.exit(2);
        }
        Path moduleDirectory = Path.of(args[0]);
        Path overlay = Path.of(args[1]);
        Path image = Path.of(args[2]);
        Path pluginsFrom = null;
        List<String> pluginNames = List.of();
        List<String> jlinkOptions = new ArrayList<>();
        for (String option : List.of(args).subList(3, args.length)) {
            if (option.startsWith("--plugins-from=")) {
                pluginsFrom = Path.of(option.substring("--plugins-from=".length()));
            } else if (option.startsWith("--plugins=")) {
                pluginNames = List.of(option.substring("--plugins=".length()).split(",")).stream()
                        .map(String::strip).filter(name -> !name.isEmpty()).toList();
            } else {
                jlinkOptions.add(option);
            }
        }

        Map<String, Path> modules = requireExplicitModules(moduleDirectory);
        System.out.println("[strata-image] explicit modules for the image: " + String.join(", ", modules.keySet()));

        deleteRecursively(image);
        link(moduleDirectory, image, jlinkOptions);
        copyOverlay(overlay, image);
        Files.createDirectories(image.resolve("conf"));
        Files.createDirectories(image.resolve("plugins"));
        for (String plugin : pluginNames) {
            if (pluginsFrom == null) {
                fail("--plugins=" + plugin + " needs --plugins-from=<dir>");
            }
            copyPlugin(pluginsFrom.resolve(plugin), image.resolve("plugins").resolve(plugin), modules.keySet());
        }
        System.out.printf("[strata-image] %s: %.1f MB%n", image, sizeOf(image) / 1_000_000.0);
    }

    /** Returns module name to jar for every jar in the directory; exits with a message on any automatic module. */
    private static Map<String, Path> requireExplicitModules(Path moduleDirectory) throws IOException {
        List<Path> jars;
        try (Stream<Path> files = Files.list(moduleDirectory)) {
            jars = files.filter(file -> file.getFileName().toString().endsWith(".jar")).sorted().toList();
        }
        if (jars.isEmpty()) {
            fail("no jars in " + moduleDirectory + ": the module jars were not copied");
        }
        Map<String, Path> modules = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        for (Path jar : jars) {
            ModuleDescriptor descriptor;
            try {
                Set<ModuleReference> found = ModuleFinder.of(jar).findAll();
                descriptor = found.iterator().next().descriptor();
            } catch (FindException e) {
                problems.add(jar.getFileName() + ": not usable as a module (" + e.getMessage() + ")");
                continue;
            }
            if (descriptor.isAutomatic()) {
                problems.add(jar.getFileName() + ": automatic module '" + descriptor.name()
                        + "' (the jar has no module-info.class)");
                continue;
            }
            Path previous = modules.putIfAbsent(descriptor.name(), jar);
            if (previous != null) {
                problems.add(jar.getFileName() + ": module '" + descriptor.name() + "' is also in "
                        + previous.getFileName());
            }
        }
        if (!problems.isEmpty()) {
            fail("only explicit modules can go into the runtime image, but:\n  " + String.join("\n  ", problems)
                    + "\nGive such a jar a module descriptor at build time (moditect add-module-info) or ship it"
                    + " as a plugin under plugins/<name>/; see \"Non-modular jars\" in README.md.");
        }
        return modules;
    }

    private static void link(Path moduleDirectory, Path image, List<String> jlinkOptions) {
        ToolProvider jlink = ToolProvider.findFirst("jlink")
                .orElseThrow(() -> new IllegalStateException("this JDK has no jlink: " + System.getProperty("java.home")));
        List<String> arguments = new ArrayList<>();
        arguments.add("--module-path=" + moduleDirectory);
        arguments.add("--output=" + image);
        arguments.addAll(jlinkOptions);
        System.out.println("[strata-image] jlink " + String.join(" ", arguments));
        int exitCode = jlink.run(System.out, System.err, arguments.toArray(String[]::new));
        if (exitCode != 0) {
            fail("jlink exited with " + exitCode);
        }
    }

    /** Copies one plugin's jars, refusing a jar whose module the image already has. */
    private static void copyPlugin(Path source, Path target, Set<String> imageModules) throws IOException {
        List<Path> jars;
        try (Stream<Path> files = Files.list(source)) {
            jars = files.filter(file -> file.getFileName().toString().endsWith(".jar")).sorted().toList();
        } catch (java.nio.file.NoSuchFileException e) {
            fail("plugin directory " + source + " does not exist (is the backend in the build?)");
            return;
        }
        if (jars.isEmpty()) {
            fail("plugin directory " + source + " has no jars");
        }
        List<String> problems = new ArrayList<>();
        for (Path jar : jars) {
            String module = ModuleFinder.of(jar).findAll().iterator().next().descriptor().name();
            if (imageModules.contains(module)) {
                problems.add(jar.getFileName() + " holds module '" + module + "', which is already in the image");
            }
        }
        if (!problems.isEmpty()) {
            fail("plugin " + source.getFileName() + ":\n  " + String.join("\n  ", problems));
        }
        Files.createDirectories(target);
        for (Path jar : jars) {
            Files.copy(jar, target.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
        System.out.printf("[strata-image] plugins/%s: %d jars%n", target.getFileName(), jars.size());
    }

    /** Copies the overlay tree into the image; files under bin/ become executable. */
    private static void copyOverlay(Path overlay, Path image) throws IOException {
        try (Stream<Path> files = Files.walk(overlay)) {
            for (Path source : files.toList()) {
                Path relative = overlay.relativize(source);
                Path target = image.resolve(relative.toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                    continue;
                }
                Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                boolean executable = relative.getNameCount() == 2 && relative.getName(0).toString().equals("bin");
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    private static long sizeOf(Path directory) throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(Files::isRegularFile).mapToLong(file -> file.toFile().length()).sum();
        }
    }

    private static void fail(String message) {
        System.err.println("[strata-image] ERROR: " + message);
        System.exit(1);
    }
}

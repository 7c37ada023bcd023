package dev.strata.core.page;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.PageRecord;
import dev.strata.api.redo.RedoHandler;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Custom record kinds: a redo handler compiled here into its own module jar, loaded into a module layer and
 * found through {@link java.util.ServiceLoader}, the way a plugin's handler is.
 */
class RedoPluginTest {
    @TempDir Path directory;

    private Path buildHandlerJar() throws Exception {
        Path source = directory.resolve("src");
        Files.createDirectories(source.resolve("example/xor"));
        Files.writeString(source.resolve("module-info.java"), """
                module example.xor {
                    requires dev.strata.api;
                    provides dev.strata.api.redo.RedoHandler with example.xor.XorHandler;
                }
                """);
        Files.writeString(source.resolve("example/xor/XorHandler.java"), """
                package example.xor;
                public final class XorHandler implements dev.strata.api.redo.RedoHandler {
                    public String kind() { return "xor"; }
                    public byte[] apply(byte[] page, byte[] payload) {
                        byte[] out = page == null ? new byte[payload.length] : page.clone();
                        for (int i = 0; i < payload.length && i < out.length; i++) { out[i] ^= payload[i]; }
                        return out;
                    }
                }
                """);
        Path classes = directory.resolve("classes");
        Path javaHome = Path.of(System.getProperty("java.home"));
        run(List.of(javaHome.resolve("bin/javac").toString(), "--module-path", System.getProperty("jdk.module.path"),
                "-d", classes.toString(), source.resolve("module-info.java").toString(),
                source.resolve("example/xor/XorHandler.java").toString()));
        Path jar = directory.resolve("xor.jar");
        run(List.of(javaHome.resolve("bin/jar").toString(), "--create", "--file", jar.toString(), "-C", classes.toString(), "."));
        return jar;
    }

    private static void run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "timed out: " + command);
        assertEquals(0, process.exitValue(), command + " failed: " + output);
    }

    @Test
    void customKindIsAppliedByAHandlerFoundInAPluginLayer() throws Exception {
        Path jar = buildHandlerJar();
        Configuration configuration = ModuleLayer.boot().configuration()
                .resolveAndBind(ModuleFinder.of(jar), ModuleFinder.of(), Set.of("example.xor"));
        ModuleLayer layer = ModuleLayer.boot().defineModulesWithOneLoader(configuration, ClassLoader.getSystemClassLoader());

        Redo redo = Redo.load(List.of(layer));
        byte[] page = redo.apply(null, new PageRecord.Image(new byte[] {1, 2, 3}));
        byte[] after = redo.apply(page, new PageRecord.Custom("xor", new byte[] {1, 1, 1}, false));
        assertArrayEquals(new byte[] {0, 3, 2}, after);
        assertArrayEquals(new byte[] {1, 2, 3}, page, "the handler's input page is not modified");
    }

    @Test
    void unknownKindFailsNamingItAndDuplicateKindsAreRejected() {
        Redo builtInOnly = Redo.loadInstalled();
        IllegalStateException unknown = assertThrows(IllegalStateException.class,
                () -> builtInOnly.apply(new byte[1], new PageRecord.Custom("xor", new byte[1], false)));
        assertTrue(unknown.getMessage().contains("'xor'"), unknown.getMessage());

        RedoHandler first = new Named("dup");
        RedoHandler second = new Named("dup");
        IllegalStateException duplicate = assertThrows(IllegalStateException.class, () -> new Redo(List.of(first, second)));
        assertTrue(duplicate.getMessage().contains("'dup'"), duplicate.getMessage());
    }

    private record Named(String kind) implements RedoHandler {
        @Override
        public byte[] apply(byte[] page, byte[] payload) {
            return payload;
        }
    }

    @Test
    void builtInKindsFollowTheirContracts() {
        Redo redo = Redo.loadInstalled();
        assertArrayEquals(new byte[] {0, 0, 0}, redo.apply(new byte[] {9}, new PageRecord.Init(3)));
        assertArrayEquals(new byte[] {9, 0, 7, 7}, redo.apply(new byte[] {9}, new PageRecord.Overwrite(2, new byte[] {7, 7})));
        assertArrayEquals(new byte[] {9, 5}, redo.apply(new byte[] {9}, new PageRecord.Append(new byte[] {5})));
        assertArrayEquals(new byte[] {5}, redo.apply(null, new PageRecord.Append(new byte[] {5})));
        assertThrows(IllegalStateException.class,
                () -> redo.apply(new byte[PageRecord.MAX_VALUE_BYTES], new PageRecord.Append(new byte[1])));
    }
}

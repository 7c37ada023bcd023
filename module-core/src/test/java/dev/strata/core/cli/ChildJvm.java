package dev.strata.core.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts {@code strata} commands in a child JVM on this test's module path, so a test can kill -9 it. */
final class ChildJvm {
    private ChildJvm() {}

    static Process start(Path workingDirectory, List<String> arguments) throws IOException {
        return start(workingDirectory, arguments, ProcessBuilder.Redirect.INHERIT);
    }

    /** As {@link #start(Path, List)}, with standard error sent to {@code stderr} (PIPE to read it). */
    static Process start(Path workingDirectory, List<String> arguments, ProcessBuilder.Redirect stderr)
            throws IOException {
        String java = ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String modulePath = System.getProperty("jdk.module.path");
        if (modulePath == null || modulePath.isBlank()) {
            throw new IllegalStateException("tests must run on the module path (jdk.module.path is not set)");
        }
        List<String> command = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-Xmx256m", "-XX:TieredStopAtLevel=1",
                "--enable-native-access=dev.strata.core", "--module-path", modulePath,
                "--module", "dev.strata.core/dev.strata.core.cli.StrataMain"));
        command.addAll(arguments);
        return new ProcessBuilder(command).directory(workingDirectory.toFile())
                .redirectError(stderr).start();
    }
}

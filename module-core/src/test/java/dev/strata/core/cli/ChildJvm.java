package dev.strata.core.cli;

import dev.strata.api.Lsn;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

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

    /**
     * The lines a child prints on standard output, read by a thread of their own while it runs. A child killed
     * mid-line loses that line only: every full line counts. Lines starting {@code acked } are acknowledgements.
     */
    static final class Output {
        private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
        private final CountDownLatch firstAck = new CountDownLatch(1);
        private final Thread reader;

        Output(Process child) {
            reader = Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        lines.add(line);
                        if (line.startsWith("acked ")) {
                            firstAck.countDown();
                        }
                    }
                } catch (IOException e) {
                    // Killed mid-line: the last full line counts.
                }
            });
        }

        /** Waits for the first acknowledgement; false when none came within {@code timeout}. */
        boolean awaitFirstAck(Duration timeout) throws InterruptedException {
            return firstAck.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** The lines read so far. */
        List<String> lines() {
            synchronized (lines) {
                return List.copyOf(lines);
            }
        }

        /** Every full line, once the child has exited (waits up to 10 s for the reader to reach the end). */
        List<String> linesAfterExit() throws InterruptedException {
            reader.join(10_000);
            return lines();
        }

        /** The LSNs of {@code acked <lsn>} lines, in order. */
        static List<Lsn> ackedLsns(List<String> lines) {
            return lines.stream().filter(line -> line.startsWith("acked "))
                    .map(line -> Lsn.parse(line.substring(6).trim())).toList();
        }
    }
}

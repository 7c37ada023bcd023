import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the linked image the way a user would and fails the build if it does not start; run by the
 * distribution module in the integration-test phase.
 *
 * <p>Usage: {@code java SmokeTest.java <image>}
 *
 * <p>Checks that {@code bin/strata --version} and {@code bin/strata --help} exit with 0 and print "strata",
 * and that the image holds Strata's modules (the backends are found through ServiceLoader, so nothing
 * requires them and only {@code --add-modules} keeps them in the image).
 */
public final class SmokeTest {

    private static final long TIMEOUT_SECONDS = 60;

    private SmokeTest() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length != 1) {
            System.err.println("usage: java SmokeTest.java <image>");
            System.exit(2);
        }
        Path image = Path.of(args[0]);
        Path launcher = image.resolve("bin/strata");
        List<String> failures = new ArrayList<>();
        if (!Files.isExecutable(launcher)) {
            fail(List.of(launcher + " is missing or not executable"));
        }

        expect(failures, "strata", launcher.toString(), "--version");
        expect(failures, "strata", launcher.toString(), "--help");
        String modules = expect(failures, "java.base", image.resolve("bin/java").toString(), "--list-modules");
        for (String module : List.of("dev.strata.api", "dev.strata.core", "dev.strata.backend.localfs")) {
            if (!modules.contains(module + "@")) {
                failures.add("the image does not contain module " + module + "; java --list-modules printed:\n" + modules);
            }
        }
        for (String directory : List.of("plugins", "conf")) {
            if (!Files.isDirectory(image.resolve(directory))) {
                failures.add("the image has no " + directory + "/ directory");
            }
        }
        if (!failures.isEmpty()) {
            fail(failures);
        }
        System.out.println("[strata-smoke] " + image + ": bin/strata --version and --help work; modules present");
    }

    /** Runs a command, records a failure unless it exits with 0 and prints {@code expected}; returns its output. */
    private static String expect(List<String> failures, String expected, String... command)
            throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        // The commands print little, so reading to the end before waiting cannot block the child.
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            failures.add(String.join(" ", command) + ": still running after " + TIMEOUT_SECONDS + " s");
            return output;
        }
        int exitCode = process.exitValue();
        if (exitCode != 0 || !output.contains(expected)) {
            failures.add(String.join(" ", command) + ": exit code " + exitCode + ", expected 0 and output containing \""
                    + expected + "\"; output:\n" + output);
        } else {
            System.out.println("[strata-smoke] " + String.join(" ", command) + " -> " + firstLine(output));
        }
        return output;
    }

    private static String firstLine(String output) {
        int end = output.indexOf('\n');
        return end < 0 ? output : output.substring(0, end);
    }

    private static void fail(List<String> failures) {
        System.err.println("[strata-smoke] FAILED:\n  " + String.join("\n  ", failures));
        System.exit(1);
    }
}

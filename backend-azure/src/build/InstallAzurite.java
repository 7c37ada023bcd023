import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Installs Azurite from npm into a build directory for the Azure backend's tests; run by Maven in
 * generate-test-resources.
 *
 * <p>Usage: {@code java InstallAzurite.java <version> <directory>}. Does nothing when
 * {@code <directory>/node_modules/azurite/package.json} already names that version, so offline rebuilds work.
 * npm's cache is {@code <directory>/npm-cache}, so nothing is written outside the build directory.
 */
public final class InstallAzurite {
    private InstallAzurite() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length != 2) {
            System.err.println("usage: java InstallAzurite.java <version> <directory>");
            System.exit(2);
        }
        String version = args[0];
        Path directory = Path.of(args[1]).toAbsolutePath();
        Path installed = directory.resolve("node_modules/azurite/package.json");
        if (Files.isRegularFile(installed) && Files.readString(installed).contains("\"version\": \"" + version + "\"")) {
            System.out.println("[azurite] " + version + " already in " + directory);
            return;
        }
        Files.createDirectories(directory);
        List<String> command = List.of("npm", "install", "--prefix", directory.toString(), "--cache",
                directory.resolve("npm-cache").toString(), "--no-audit", "--no-fund", "--loglevel=error",
                "azurite@" + version);
        System.out.println("[azurite] " + String.join(" ", command));
        long started = System.nanoTime();
        Process process = new ProcessBuilder(command).inheritIO().start();
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            fail("npm install did not finish within 10 minutes");
        }
        if (process.exitValue() != 0) {
            fail("npm install exited with " + process.exitValue() + " (is npm on the PATH and the registry reachable?)");
        }
        System.out.printf("[azurite] installed %s in %.1f s%n", version, (System.nanoTime() - started) / 1e9);
    }

    private static void fail(String message) {
        System.err.println("[azurite] ERROR: " + message);
        System.exit(1);
    }
}

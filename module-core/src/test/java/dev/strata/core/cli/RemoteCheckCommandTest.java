package dev.strata.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code strata remote check} in-process against the built-in localfs backend. */
final class RemoteCheckCommandTest {
    @TempDir
    Path work;

    private record Result(int exitCode, String output) {}

    private static Result run(String... arguments) {
        StringWriter text = new StringWriter();
        PrintWriter writer = new PrintWriter(text, true);
        CommandLine commandLine = StrataMain.commandLine();
        commandLine.setOut(writer);
        commandLine.setErr(writer);
        int exitCode = commandLine.execute(arguments);
        return new Result(exitCode, text.toString());
    }

    @Test
    void aRoundTripAgainstLocalfsPassesEveryStepAndLeavesNothing() throws IOException {
        Path bucket = work.resolve("bucket");
        Path config = Files.writeString(work.resolve("strata.toml"), """
                [remote_storage]
                provider = "localfs"
                root = "%s"
                fsync = false
                retry_max_attempts = 2
                """.formatted(bucket));
        Result result = run("remote", "check", "--config", config.toString(), "--plugins", work.resolve("plugins").toString());
        assertEquals(0, result.exitCode(), result.output());
        for (String step : new String[] {"put", "head", "get", "get last 100 bytes", "put only if absent", "list", "copy",
                "batch delete"}) {
            assertTrue(result.output().lines().anyMatch(line -> line.startsWith("ok") && line.contains(" " + step + " ")),
                    step + " in:\n" + result.output());
        }
        assertTrue(result.output().contains("refused on an existing key"), result.output());
        assertTrue(result.output().contains("requests list 1, head 2, put 2, get 2, delete 0, delete_batch 1, copy 1; "
                + "errors head not_found 1, put already_exists 1"), "every call metered, the expected errors by class:\n"
                + result.output());
        assertTrue(result.output().contains("remote storage works"), result.output());
        try (Stream<Path> files = Files.walk(bucket)) {
            assertEquals(0, files.filter(Files::isRegularFile).count(), "the check deletes what it wrote");
        }
    }

    @Test
    void configurationErrorsNameTheKeyAndUnknownProvidersListTheAvailableOnes() throws IOException {
        Path badKey = Files.writeString(work.resolve("bad-key.toml"), """
                [remote_storage]
                provider = "localfs"
                root = "/tmp/x"
                retry_max_attempts = 0
                """);
        Result bad = run("remote", "check", "--config", badKey.toString(), "--plugins", work.resolve("plugins").toString());
        assertEquals(2, bad.exitCode(), bad.output());
        assertTrue(bad.output().contains("[remote_storage] retry_max_attempts = '0' is not between 1 and 100"), bad.output());

        Path unknown = Files.writeString(work.resolve("unknown.toml"), """
                [remote_storage]
                provider = "s3"
                bucket = "b"
                """);
        Result missing = run("remote", "check", "--config", unknown.toString(), "--plugins", work.resolve("plugins").toString());
        assertEquals(2, missing.exitCode(), missing.output());
        assertTrue(missing.output().contains("provider = 's3' is not available; available: localfs"), missing.output());
        assertFalse(missing.output().contains("remote storage works"));
    }

    @Test
    void aStoreThatFailsIsReportedStepByStep() throws IOException {
        Path notADirectory = Files.writeString(work.resolve("file"), "in the way");
        Path config = Files.writeString(work.resolve("strata.toml"), """
                [remote_storage]
                provider = "localfs"
                root = "%s"
                """.formatted(notADirectory));
        Result result = run("remote", "check", "--config", config.toString(), "--plugins", work.resolve("plugins").toString());
        assertEquals(1, result.exitCode(), result.output());
        assertTrue(result.output().contains(notADirectory.toString()), result.output());
    }
}

package dev.strata.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code strata inspect index FILE|-}: in-process for files, in a child JVM for standard input; standard output
 * and standard error are checked apart.
 */
final class InspectIndexCommandTest {
    private static final String DELTA =
            "000000000000000000000000000000000000-FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF__0000000001000000-0000000001800000";
    private static final String IMAGE =
            "000000067F000032BE0000400000000070B6-000000067F000032BE0000400000000080B6__00000000016B59D8";
    private static final String DELTA_2 =
            "000000067F000032BE0000400000000070B6-000000067F000032BE0000400000000080B6__00000000016B59D8-0000000001800000";
    private static final String LATER_DELTA =
            "000000000000000000000000000000000000-FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF__0000000001800000-0000000001900000";
    private static final String ANCESTOR = "3f1c2e9a0b7d45e6a8c1d2e3f4051627";

    @TempDir
    Path work;

    private record Result(int exitCode, String out, String err) {}

    private static Result run(String... arguments) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = StrataMain.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exitCode = commandLine.execute(arguments);
        return new Result(exitCode, out.toString(), err.toString());
    }

    private Path file(String name, String content) throws IOException {
        return Files.writeString(work.resolve(name), content);
    }

    /** Four layers: two without a generation, generations 3 and 1; sizes summing past 2^64. */
    private static String branchIndex() {
        return """
                {"version":15,
                 "layer_metadata":{
                   "%s":{"file_size":18446744073709551615,"generation":3},
                   "%s":{"file_size":9007199254740993},
                   "%s":{"file_size":18446744073709551615},
                   "%s":{"file_size":2,"generation":1}},
                 "disk_consistent_lsn":"0/1900000",
                 "metadata":{"disk_consistent_lsn":"0/1900000","ancestor_timeline":"%s","ancestor_lsn":"0/1000000",
                             "latest_gc_cutoff_lsn":"0/0","initdb_lsn":"0/1000000","pg_version":16},
                 "deleted_at":"2024-07-19T09:00:00.123","gc_blocking":{"reasons":["Manual"]}}
                """.formatted(DELTA, IMAGE, DELTA_2, LATER_DELTA, ANCESTOR);
    }

    private static final String BRANCH_SUMMARY = "{\"version\":15,\"layers\":4,\"total_file_size\":"
            + new BigInteger("18446744073709551615").multiply(BigInteger.TWO).add(BigInteger.valueOf(9007199254740993L + 2))
            + ",\"disk_consistent_lsn\":\"0/1900000\",\"generations\":[null,1,3],\"ancestor_timeline\":\"" + ANCESTOR
            + "\",\"deleted\":true}";

    @Test
    void aFileIsSummarisedOnOneLineWithAnExactTotal() throws IOException {
        Result result = run("inspect", "index", file("index_part.json-00000003", branchIndex()).toString());
        assertEquals(0, result.exitCode(), result.err());
        assertEquals(BRANCH_SUMMARY + System.lineSeparator(), result.out());
        assertTrue(result.out().contains("\"total_file_size\":36902495346673844225"), result.out());
        assertEquals("", result.err());
    }

    @Test
    void aRootTimelineWithoutLayers() throws IOException {
        Result result = run("inspect", "index", file("index_part.json", """
                {"version":9,"layer_metadata":{},"disk_consistent_lsn":"0/1000000",
                 "metadata":{"disk_consistent_lsn":"0/1000000","ancestor_lsn":"0/0","latest_gc_cutoff_lsn":"0/0",
                             "initdb_lsn":"0/1000000","pg_version":16}}
                """).toString());
        assertEquals(0, result.exitCode(), result.err());
        assertEquals("{\"version\":9,\"layers\":0,\"total_file_size\":0,\"disk_consistent_lsn\":\"0/1000000\","
                + "\"generations\":[],\"ancestor_timeline\":null,\"deleted\":false}", result.out().strip());
    }

    @Test
    void aLegacyIndexWithTheMetadataBlock() throws IOException {
        int[] head = {136, 151, 49, 208, 0, 70, 0, 4, 0, 0, 0, 0, 2, 83, 38, 72, 1, 0, 0, 0, 0, 2, 83, 38, 32,
                1, 87, 198, 240, 135, 97, 119, 45, 125, 38, 29, 155, 161, 140, 141, 255, 210,
                0, 0, 0, 0, 2, 83, 38, 72, 0, 0, 0, 0, 1, 73, 240, 192, 0, 0, 0, 0, 1, 73, 240, 192, 0, 0, 0, 15};
        StringJoiner block = new StringJoiner(",", "[", "]");
        for (int i = 0; i < 512; i++) {
            block.add(Integer.toString(i < head.length ? head[i] : 0));
        }
        Result result = run("inspect", "index", file("legacy.json", """
                {"version":1,"timeline_layers":["%1$s"],"layer_metadata":{"%1$s":{"file_size":25600000}},
                 "disk_consistent_lsn":"0/2532648","metadata_bytes":%2$s}
                """.formatted(DELTA, block)).toString());
        assertEquals(0, result.exitCode(), result.err());
        assertEquals("{\"version\":1,\"layers\":1,\"total_file_size\":25600000,\"disk_consistent_lsn\":\"0/2532648\","
                + "\"generations\":[null],\"ancestor_timeline\":\"57c6f08761772d7d261d9ba18c8dffd2\",\"deleted\":false}",
                result.out().strip());
    }

    @Test
    void anUnparseableDocumentExitsOneSayingWhere() throws IOException {
        Result truncated = run("inspect", "index", file("truncated.json", "{\"version\":15,\n\"layer_metadata\":{\n\"x\":").toString());
        assertEquals(1, truncated.exitCode());
        assertEquals("", truncated.out());
        assertTrue(truncated.err().contains("truncated.json") && truncated.err().contains("line 3, column"),
                truncated.err());

        Result badField = run("inspect", "index", file("field.json", """
                {"version":15,"layer_metadata":{"%s":{"file_size":"big"}},"disk_consistent_lsn":"0/1"}
                """.formatted(DELTA)).toString());
        assertEquals(1, badField.exitCode());
        assertEquals("", badField.out());
        assertTrue(badField.err().contains("layer_metadata." + DELTA + ".file_size") && badField.err().contains("\"big\""),
                badField.err());
    }

    @Test
    void aMissingFileExitsOneNamingIt() {
        Path missing = work.resolve("absent.json");
        Result result = run("inspect", "index", missing.toString());
        assertEquals(1, result.exitCode());
        assertTrue(result.err().contains(missing.toString()), result.err());
    }

    @Test
    void noArgumentIsAUsageError() {
        Result result = run("inspect", "index");
        assertEquals(2, result.exitCode());
        assertTrue(result.err().contains("FILE"), result.err());
    }

    @Test
    void standardInputWithADash() throws Exception {
        Result good = runWithStdin(branchIndex());
        assertEquals(0, good.exitCode(), good.err());
        assertEquals(BRANCH_SUMMARY, good.out().strip());

        Result bad = runWithStdin("{\"version\":15,\n  \"layer_metadata\": [}");
        assertEquals(1, bad.exitCode(), bad.out());
        assertEquals("", bad.out());
        assertTrue(bad.err().contains("standard input") && bad.err().contains("line 2, column"), bad.err());
    }

    /** {@code strata inspect index -} in a child JVM with {@code input} on its standard input. */
    private Result runWithStdin(String input) throws Exception {
        Process child = ChildJvm.start(work, List.of("inspect", "index", "-"), ProcessBuilder.Redirect.PIPE);
        try {
            try (OutputStream stdin = child.getOutputStream()) {
                stdin.write(input.getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(child.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child did not exit within 60 s");
            return new Result(child.exitValue(), out, err);
        } finally {
            child.destroyForcibly();
        }
    }
}

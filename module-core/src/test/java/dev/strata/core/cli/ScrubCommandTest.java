package dev.strata.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Generation;
import dev.strata.api.Key;
import dev.strata.api.LayerFileName;
import dev.strata.api.PageRecord;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.remote.CallContext;
import dev.strata.core.index.IndexPart;
import dev.strata.core.page.PageWrite;
import dev.strata.core.tenant.EngineOptions;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.testing.LocalBucket;
import dev.strata.core.timeline.Timeline;
import dev.strata.core.timeline.TimelineSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code strata scrub} prints one JSON object and exits 1 when the metadata has an error. */
class ScrubCommandTest {
    private static final TenantId TENANT = TenantId.parse("0123456789abcdef0123456789abcdef");
    private static final TimelineId MAIN = TimelineId.parse("11111111111111111111111111111111");

    @TempDir
    Path root;

    @Test
    void scanMetadataAndFindGarbagePrintJsonAndAMissingLayerExitsOne() throws Exception {
        Path bucketRoot = root.resolve("bucket");
        try (LocalBucket bucket = new LocalBucket(bucketRoot, 1)) {
            try (LocalEngine engine = LocalEngine.open(root.resolve("node"), EngineOptions.DEFAULT
                    .withTimelineSettings(TimelineSettings.DEFAULT.withCheckpointDistance(16 << 10))
                    .withRemote(bucket.resources()).withBackgroundCompaction(false))) {
                engine.createTenant(TENANT, Generation.of(1));
                Timeline main = engine.createTimeline(TENANT, MAIN);
                for (int i = 0; i < 40; i++) {
                    main.ingest(List.of(new PageWrite(Key.ofRelationPage(1663, 5, 16384, 0, i),
                            new PageRecord.Image(new byte[1024]))));
                }
            }
            Path config = Files.writeString(root.resolve("bucket.toml"), """
                    [remote_storage]
                    provider = "localfs"
                    root = "%s"
                    """.formatted(bucketRoot));
            List<String> common = List.of("--config", config.toString(), "--prefix", bucket.layout().prefix(),
                    "--plugins", root.resolve("no-plugins").toString());
            Run clean = run(common, "scrub", "scan-metadata");
            assertEquals(0, clean.code(), clean.output());
            assertTrue(clean.output().contains("\"timelines\":1") && clean.output().contains("\"errors\":{}"), clean.output());
            Run garbage = run(common, "scrub", "find-garbage", "--min-age", "0s");
            assertEquals(0, garbage.code(), garbage.output());
            // The node closed cleanly: its index covers everything, so the WAL it backed up is all below it; no
            // layer and no index is garbage.
            assertTrue(garbage.output().contains("\"deleted\":false"), garbage.output());
            com.fasterxml.jackson.databind.JsonNode items = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(garbage.output().strip()).get("items");
            for (com.fasterxml.jackson.databind.JsonNode item : items) {
                assertTrue(item.get("key").asText().contains("/wal/") && item.get("reason").asText().contains("WAL"),
                        garbage.output());
            }

            IndexPart index = IndexPart.parse(bucket.read(bucket.layout().indexKey(TENANT, MAIN, Generation.of(1))));
            var listed = index.layers().firstEntry();
            String victim = bucket.layout().layerKey(TENANT, MAIN, new LayerFileName(listed.getKey(), listed.getValue().generation()));
            bucket.faults().delete(victim, CallContext.NONE);
            Run broken = run(common, "scrub", "scan-metadata");
            assertEquals(1, broken.code(), broken.output());
            assertTrue(broken.output().contains("\"missing_layer\":1") && broken.output().contains(victim), broken.output());
        }
    }

    private record Run(int code, String output) {}

    private static Run run(List<String> common, String... command) {
        List<String> arguments = new ArrayList<>(List.of(command));
        arguments.addAll(common);
        StringWriter out = new StringWriter();
        CommandLine commandLine = StrataMain.commandLine();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(out));
        return new Run(commandLine.execute(arguments.toArray(String[]::new)), out.toString());
    }
}

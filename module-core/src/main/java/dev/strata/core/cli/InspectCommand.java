package dev.strata.core.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.api.DeltaLayerName;
import dev.strata.api.ImageLayerName;
import dev.strata.api.LayerFileName;
import dev.strata.core.layer.BlockCache;
import dev.strata.core.layer.LayerFile;
import dev.strata.core.layer.LayerSummary;
import dev.strata.core.layer.LayerVerification;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code strata inspect …}: read names and files without an engine. */
@Command(name = "inspect", description = "Inspect layer names and layer files.",
        subcommands = {InspectCommand.LayerNameCommand.class, InspectCommand.LayerCommand.class})
final class InspectCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Command(name = "layer-name", description = "Parse a layer name (any form) and print it as JSON.")
    static final class LayerNameCommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            LayerFileName parsed;
            try {
                parsed = LayerFileName.parse(name);
            } catch (IllegalArgumentException e) {
                spec.commandLine().getErr().println("strata: " + e.getMessage());
                return 1;
            }
            ObjectNode node = JSON.createObjectNode();
            switch (parsed.name()) {
                case DeltaLayerName delta -> {
                    node.put("kind", "delta");
                    node.put("key_start", delta.keyStart().toString());
                    node.put("key_end", delta.keyEnd().toString());
                    node.put("lsn_start", delta.lsnStart().toString());
                    node.put("lsn_end", delta.lsnEnd().toString());
                }
                case ImageLayerName image -> {
                    node.put("kind", "image");
                    node.put("key_start", image.keyStart().toString());
                    node.put("key_end", image.keyEnd().toString());
                    node.put("lsn", image.lsn().toString());
                }
            }
            if (parsed.generation().isNone()) {
                node.putNull("generation");
            } else {
                node.put("generation", parsed.generation().value());
            }
            spec.commandLine().getOut().println(JSON.writeValueAsString(node));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "layer", description = "Print a layer file's summary and check every checksum.")
    static final class LayerCommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE") Path file;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            try (LayerFile layer = LayerFile.open(file, new BlockCache(0))) {
                LayerSummary summary = layer.summary();
                LayerVerification verification = layer.verify();
                ObjectNode node = JSON.createObjectNode();
                node.put("file", file.toString());
                node.put("kind", summary.delta() ? "delta" : "image");
                node.put("format_version", summary.formatVersion());
                node.put("key_start", summary.keyStart().toString());
                node.put("key_end", summary.keyEnd().toString());
                node.put("lsn_start", summary.lsnStart().toString());
                node.put("lsn_end", summary.lsnEnd().toString());
                node.put("generation", layer.fileName().generation().isNone() ? null : layer.fileName().generation().value());
                node.put("entries", summary.entryCount());
                node.put("blocks", summary.blockCount());
                node.put("compressed", summary.compressed());
                node.put("file_size", layer.fileSize());
                node.put("checksums", "ok");
                node.put("verified_blocks", verification.blocks());
                spec.commandLine().getOut().println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
                spec.commandLine().getOut().flush();
                return 0;
            } catch (IOException e) {
                spec.commandLine().getErr().println("strata: layer " + file + " failed the check: " + e.getMessage());
                return 1;
            }
        }
    }
}

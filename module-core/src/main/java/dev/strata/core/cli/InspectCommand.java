package dev.strata.core.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.strata.api.DeltaLayerName;
import dev.strata.api.Generation;
import dev.strata.api.ImageLayerName;
import dev.strata.api.LayerFileName;
import dev.strata.core.index.IndexPart;
import dev.strata.core.index.InvalidIndexException;
import dev.strata.core.index.LayerMetadata;
import dev.strata.core.layer.BlockCache;
import dev.strata.core.layer.LayerFile;
import dev.strata.core.layer.LayerSummary;
import dev.strata.core.layer.LayerVerification;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code strata inspect …}: read names and files without an engine. */
@Command(name = "inspect", description = "Inspect layer names, layer files and index files.",
        subcommands = {InspectCommand.LayerNameCommand.class, InspectCommand.LayerCommand.class,
                InspectCommand.IndexCommand.class})
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

    /**
     * {@code strata inspect index FILE|-}: one line of JSON summarising an {@code index_part.json}. Sizes are
     * summed exactly (the total may exceed 2^63); generations are the distinct layer generations in ascending
     * order, {@code null} (no generation) first. A document that does not parse exits 1 with the line and column
     * or the field that is wrong on standard error.
     */
    @Command(name = "index", description = "Summarise an index_part.json as one line of JSON.")
    static final class IndexCommand implements Callable<Integer> {
        static final String STDIN = "-";

        @Parameters(index = "0", paramLabel = "FILE", description = "The index file, or - to read standard input.")
        String file;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            String source = file.equals(STDIN) ? "standard input" : file;
            byte[] bytes;
            try {
                bytes = file.equals(STDIN) ? System.in.readAllBytes() : Files.readAllBytes(Path.of(file));
            } catch (IOException e) {
                spec.commandLine().getErr().println("strata: cannot read index " + source + ": " + e);
                return 1;
            }
            IndexPart index;
            try {
                index = IndexPart.parse(bytes);
            } catch (InvalidIndexException e) {
                spec.commandLine().getErr().println("strata: index " + source + ": " + e.getMessage());
                return 1;
            }
            spec.commandLine().getOut().println(JSON.writeValueAsString(summary(index)));
            spec.commandLine().getOut().flush();
            return 0;
        }

        static ObjectNode summary(IndexPart index) {
            ObjectNode node = JSON.createObjectNode();
            node.put("version", index.version());
            node.put("layers", index.layers().size());
            node.put("total_file_size", index.totalFileSize());
            node.put("disk_consistent_lsn", index.diskConsistentLsn().toString());
            SortedSet<Generation> generations = new TreeSet<>();
            for (LayerMetadata layer : index.layers().values()) {
                generations.add(layer.generation());
            }
            ArrayNode list = node.putArray("generations");
            for (Generation generation : generations) {
                if (generation.isNone()) {
                    list.addNull();
                } else {
                    list.add(generation.value());
                }
            }
            if (index.metadata().ancestorTimeline() == null) {
                node.putNull("ancestor_timeline");
            } else {
                node.put("ancestor_timeline", index.metadata().ancestorTimeline().hex());
            }
            node.put("deleted", index.deletedAt() != null);
            return node;
        }
    }
}

package dev.strata.core.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.core.io.DurableFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * {@code <workdir>/local.json}: the tenant and timeline that {@code strata local init} created, used when a
 * command names none.
 */
record LocalDefaults(TenantId tenant, TimelineId timeline) {
    static final String FILE = "local.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    static LocalDefaults read(Path workdir) throws IOException {
        Path file = workdir.resolve(FILE);
        JsonNode node;
        try {
            node = JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new IOException("no " + file + ": run 'strata local init --workdir " + workdir
                    + "' first, or pass --tenant and --timeline");
        }
        try {
            return new LocalDefaults(TenantId.parse(node.path("tenant").asText()), TimelineId.parse(node.path("timeline").asText()));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    void write(Path workdir) throws IOException {
        ObjectNode node = JSON.createObjectNode();
        node.put("tenant", tenant.hex());
        node.put("timeline", timeline.hex());
        DurableFiles.writeAtomically(workdir.resolve(FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(node));
    }
}

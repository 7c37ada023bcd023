package dev.strata.core.tiered;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.api.Generation;
import dev.strata.api.InvalidInputException;
import dev.strata.api.LayerFileName;
import dev.strata.api.TimelineId;
import dev.strata.core.index.IndexPart;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A tenant's heatmap ({@code tenants/<tenant>/heatmap-v1.json}): which layers its attached node holds on local
 * disk, per timeline, hottest first, so that a Secondary location can keep a warm copy of them. The shape follows
 * the Neon pageserver's heatmap, with a version field:
 *
 * <pre>
 * {"version":1,"generation":3,"generated_at":"2026-11-26T01:00:00.123","upload_period_ms":60000,
 *  "timelines":[{"timeline_id":"&lt;32 hex&gt;",
 *                "layers":[{"name":"&lt;layer name&gt;","metadata":{"file_size":8421376,"generation":3},
 *                           "access_time":"2026-11-26T00:59:58.5"}]}]}
 * </pre>
 *
 * Unknown fields are ignored on read (a newer writer may add some); a version other than {@link #VERSION} is
 * refused, as is any document whose required fields are missing or malformed, with a message naming the field.
 *
 * @param generation   the generation of the attachment that wrote it
 * @param generatedAt  when it was built
 * @param uploadPeriod how often its writer uploads it
 * @param timelines    the timelines with resident layers
 */
public record Heatmap(Generation generation, Instant generatedAt, Duration uploadPeriod, List<TimelineHeatmap> timelines) {
    /** The only schema version this node reads and writes. */
    public static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    public Heatmap {
        Objects.requireNonNull(generation, "generation is null");
        Objects.requireNonNull(generatedAt, "generatedAt is null");
        Objects.requireNonNull(uploadPeriod, "uploadPeriod is null");
        timelines = List.copyOf(timelines);
    }

    /** The layers of one timeline, hottest (most recently read) first. */
    public record TimelineHeatmap(TimelineId timelineId, List<HeatmapLayer> layers) {
        public TimelineHeatmap {
            Objects.requireNonNull(timelineId, "timelineId is null");
            layers = layers.stream().sorted(Comparator.comparing(HeatmapLayer::accessTime).reversed()).toList();
        }

        /** Bytes of every listed layer. */
        public long totalBytes() {
            return layers.stream().mapToLong(HeatmapLayer::fileSize).sum();
        }
    }

    /** One resident layer: its name with the generation that wrote it, its exact size, and when it was last read. */
    public record HeatmapLayer(LayerFileName fileName, long fileSize, Instant accessTime) {
        public HeatmapLayer {
            Objects.requireNonNull(fileName, "fileName is null");
            Objects.requireNonNull(accessTime, "accessTime is null");
            if (fileSize <= 0) {
                throw new IllegalArgumentException("layer " + fileName.localFileName() + " has size " + fileSize);
            }
        }
    }

    /** A heatmap document that cannot be used: it names the field and value that are wrong. */
    public static final class InvalidHeatmapException extends IOException {
        public InvalidHeatmapException(String message) {
            super(message);
        }

        public InvalidHeatmapException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public byte[] toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", VERSION);
        if (!generation.isNone()) {
            root.put("generation", generation.value());
        }
        root.put("generated_at", IndexPart.formatTimestamp(generatedAt));
        root.put("upload_period_ms", uploadPeriod.toMillis());
        ArrayNode timelineArray = root.putArray("timelines");
        for (TimelineHeatmap timeline : timelines) {
            ObjectNode timelineNode = timelineArray.addObject();
            timelineNode.put("timeline_id", timeline.timelineId().hex());
            ArrayNode layerArray = timelineNode.putArray("layers");
            for (HeatmapLayer layer : timeline.layers()) {
                ObjectNode layerNode = layerArray.addObject();
                layerNode.put("name", layer.fileName().name().text());
                ObjectNode metadata = layerNode.putObject("metadata");
                metadata.put("file_size", layer.fileSize());
                if (!layer.fileName().generation().isNone()) {
                    metadata.put("generation", layer.fileName().generation().value());
                }
                layerNode.put("access_time", IndexPart.formatTimestamp(layer.accessTime()));
            }
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a heatmap", e);
        }
    }

    /**
     * Parses a heatmap document.
     *
     * @param source names the document in messages (its key)
     * @throws InvalidHeatmapException when it is not JSON, has another version, or a field is missing or malformed
     */
    public static Heatmap parse(String source, byte[] json) throws InvalidHeatmapException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new InvalidHeatmapException("heatmap " + source + " is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new InvalidHeatmapException("heatmap " + source + " is not a JSON object");
        }
        JsonNode version = root.get("version");
        if (version == null || !version.canConvertToExactIntegral()) {
            throw new InvalidHeatmapException("heatmap " + source + ": field 'version' is missing or not an integer: " + version);
        }
        if (version.asLong() != VERSION) {
            throw new InvalidHeatmapException("heatmap " + source + " has version " + version.asText()
                    + "; this node reads version " + VERSION + " only");
        }
        Generation generation = root.hasNonNull("generation") ? generation(source, "generation", root.get("generation"))
                : Generation.NONE;
        Instant generatedAt = timestamp(source, "generated_at", root.get("generated_at"));
        JsonNode period = root.get("upload_period_ms");
        Duration uploadPeriod = Duration.ZERO;
        if (period != null && !period.isNull()) {
            if (!period.canConvertToExactIntegral() || period.asLong() < 0) {
                throw new InvalidHeatmapException("heatmap " + source + ": field 'upload_period_ms' is not a non-negative integer: " + period);
            }
            uploadPeriod = Duration.ofMillis(period.asLong());
        }
        JsonNode timelineArray = root.get("timelines");
        if (timelineArray == null || !timelineArray.isArray()) {
            throw new InvalidHeatmapException("heatmap " + source + ": field 'timelines' is missing or not an array");
        }
        List<TimelineHeatmap> timelines = new ArrayList<>();
        for (JsonNode timelineNode : timelineArray) {
            JsonNode id = timelineNode.get("timeline_id");
            if (id == null || !id.isTextual()) {
                throw new InvalidHeatmapException("heatmap " + source + ": a timeline has no 'timeline_id' string");
            }
            TimelineId timelineId;
            try {
                timelineId = TimelineId.parse(id.asText());
            } catch (IllegalArgumentException e) {
                throw new InvalidHeatmapException("heatmap " + source + ": timeline_id '" + id.asText() + "': " + e.getMessage(), e);
            }
            JsonNode layerArray = timelineNode.get("layers");
            if (layerArray == null || !layerArray.isArray()) {
                throw new InvalidHeatmapException("heatmap " + source + ": timeline " + timelineId + " has no 'layers' array");
            }
            List<HeatmapLayer> layers = new ArrayList<>();
            for (JsonNode layerNode : layerArray) {
                layers.add(layer(source, timelineId, layerNode));
            }
            timelines.add(new TimelineHeatmap(timelineId, layers));
        }
        return new Heatmap(generation, generatedAt, uploadPeriod, timelines);
    }

    private static HeatmapLayer layer(String source, TimelineId timelineId, JsonNode node) throws InvalidHeatmapException {
        String where = "heatmap " + source + ", timeline " + timelineId;
        JsonNode name = node.get("name");
        if (name == null || !name.isTextual()) {
            throw new InvalidHeatmapException(where + ": a layer has no 'name' string");
        }
        LayerFileName parsed;
        try {
            parsed = LayerFileName.parse(name.asText());
        } catch (InvalidInputException e) {
            throw new InvalidHeatmapException(where + ": " + e.getMessage(), e);
        }
        JsonNode metadata = node.get("metadata");
        if (metadata == null || !metadata.isObject()) {
            throw new InvalidHeatmapException(where + ": layer " + name.asText() + " has no 'metadata' object");
        }
        JsonNode size = metadata.get("file_size");
        if (size == null || !size.canConvertToExactIntegral() || !size.canConvertToLong() || size.asLong() <= 0) {
            throw new InvalidHeatmapException(where + ": layer " + name.asText() + ": 'file_size' is not a positive integer: " + size);
        }
        Generation generation = metadata.hasNonNull("generation")
                ? generation(source, "metadata.generation of " + name.asText(), metadata.get("generation")) : parsed.generation();
        Instant accessTime = timestamp(source, "access_time of " + name.asText(), node.get("access_time"));
        return new HeatmapLayer(new LayerFileName(parsed.name(), generation), size.asLong(), accessTime);
    }

    private static Generation generation(String source, String field, JsonNode node) throws InvalidHeatmapException {
        if (!node.canConvertToExactIntegral() || node.asLong() < 0 || node.asLong() > 0xFFFF_FFFFL) {
            throw new InvalidHeatmapException("heatmap " + source + ": field '" + field + "' is not an unsigned 32-bit integer: " + node);
        }
        return Generation.of(node.asLong());
    }

    private static Instant timestamp(String source, String field, JsonNode node) throws InvalidHeatmapException {
        if (node == null || !node.isTextual()) {
            throw new InvalidHeatmapException("heatmap " + source + ": field '" + field + "' is missing or not a string");
        }
        try {
            return LocalDateTime.parse(node.asText(), DateTimeFormatter.ISO_LOCAL_DATE_TIME).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new InvalidHeatmapException("heatmap " + source + ": field '" + field + "' = '" + node.asText()
                    + "' is not a timestamp like 2024-07-19T09:00:00.123", e);
        }
    }

    /** Every layer of every timeline. */
    public int layerCount() {
        return timelines.stream().mapToInt(timeline -> timeline.layers().size()).sum();
    }

    /** Bytes of every layer of every timeline. */
    public long totalBytes() {
        return timelines.stream().mapToLong(TimelineHeatmap::totalBytes).sum();
    }
}

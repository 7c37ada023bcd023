package dev.strata.core.index;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.api.Generation;
import dev.strata.api.LayerName;
import dev.strata.api.Lsn;
import dev.strata.api.TimelineId;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A timeline's index ({@code index_part.json}): the list of its layers and its metadata, the source of truth
 * for what the timeline contains. The local copy in the timeline directory has the same form as the remote
 * {@code index_part.json-<gen>}, so the remote index can take over without a change of format.
 *
 * <p>Reading follows FORMATS.md: unknown fields are ignored but kept and written back, every integer is read
 * as an exact unsigned 64-bit value (never through a double), a legacy {@code metadata_bytes} array is kept
 * opaque and then the top-level {@code disk_consistent_lsn} stands.
 *
 * @param deletedAt null unless the timeline is being deleted
 * @param preserved fields this version does not interpret, written back unchanged
 */
public record IndexPart(int version, NavigableMap<LayerName, LayerMetadata> layers, Lsn diskConsistentLsn,
                        TimelineMetadata metadata, Instant deletedAt, Map<String, JsonNode> preserved) {
    /** The schema version Strata writes. */
    public static final int CURRENT_VERSION = 15;
    /** The oldest and newest schema versions Strata reads. */
    public static final int MIN_READ_VERSION = 1;
    public static final int MAX_READ_VERSION = 15;

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final BigInteger U64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    private static final DateTimeFormatter TIMESTAMP = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd'T'HH:mm:ss")
            .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
            .toFormatter();

    public IndexPart {
        Objects.requireNonNull(layers, "layers is null");
        Objects.requireNonNull(diskConsistentLsn, "diskConsistentLsn is null");
        Objects.requireNonNull(metadata, "metadata is null");
        Objects.requireNonNull(preserved, "preserved is null");
        layers = Collections.unmodifiableNavigableMap(new TreeMap<>(layers));
        preserved = Collections.unmodifiableMap(new LinkedHashMap<>(preserved));
    }

    /** The first index of a timeline: no layers, as of {@code startLsn}. */
    public static IndexPart initial(TimelineId ancestor, Lsn ancestorLsn, Lsn startLsn, Lsn initdbLsn) {
        TimelineMetadata metadata = new TimelineMetadata(startLsn, null, ancestor, ancestorLsn, Lsn.INVALID, initdbLsn, 16);
        return new IndexPart(CURRENT_VERSION, new TreeMap<>(), startLsn, metadata, null, Map.of());
    }

    public IndexPart withLayers(NavigableMap<LayerName, LayerMetadata> newLayers, Lsn newDiskConsistentLsn) {
        return new IndexPart(CURRENT_VERSION, newLayers, newDiskConsistentLsn,
                metadata.withDiskConsistentLsn(newDiskConsistentLsn), deletedAt, preserved);
    }

    public IndexPart withGcCutoff(Lsn cutoff) {
        return new IndexPart(CURRENT_VERSION, layers, diskConsistentLsn, metadata.withGcCutoff(cutoff), deletedAt, preserved);
    }

    public IndexPart withPreserved(String field, JsonNode value) {
        Map<String, JsonNode> copy = new LinkedHashMap<>(preserved);
        copy.put(field, value);
        return new IndexPart(version, layers, diskConsistentLsn, metadata, deletedAt, copy);
    }

    /**
     * Checks the rules every index must meet before it is written: at least one layer or an ancestor, and
     * matching disk-consistent LSNs.
     */
    public void validate() throws InvalidIndexException {
        if (layers.isEmpty() && metadata.ancestorTimeline() == null && !diskConsistentLsn.equals(metadata.initdbLsn())) {
            throw new InvalidIndexException("index lists no layer and names no ancestor, but disk_consistent_lsn "
                    + diskConsistentLsn + " is past the start " + metadata.initdbLsn());
        }
        if (!diskConsistentLsn.equals(metadata.diskConsistentLsn())) {
            throw new InvalidIndexException("disk_consistent_lsn " + diskConsistentLsn
                    + " differs from metadata.disk_consistent_lsn " + metadata.diskConsistentLsn());
        }
    }

    /**
     * Parses an index document.
     *
     * @throws InvalidIndexException naming the field and value that are wrong
     */
    public static IndexPart parse(byte[] json) throws InvalidIndexException {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidIndexException("index is not valid JSON at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage(), e);
        } catch (java.io.IOException e) {
            throw new InvalidIndexException("index cannot be read: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new InvalidIndexException("index is not a JSON object");
        }
        int version = (int) requireU64(root, "version", root.get("version"));
        if (version < MIN_READ_VERSION || version > MAX_READ_VERSION) {
            throw new InvalidIndexException("index version " + version + " is not between " + MIN_READ_VERSION
                    + " and " + MAX_READ_VERSION);
        }
        JsonNode layerNode = root.get("layer_metadata");
        if (layerNode == null || !layerNode.isObject()) {
            throw new InvalidIndexException("index field layer_metadata is missing or not an object");
        }
        NavigableMap<LayerName, LayerMetadata> layers = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = layerNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            LayerName name;
            try {
                name = LayerName.parse(entry.getKey());
            } catch (IllegalArgumentException e) {
                throw new InvalidIndexException("layer_metadata: " + e.getMessage(), e);
            }
            JsonNode value = entry.getValue();
            String where = "layer_metadata." + entry.getKey();
            long size = requireU64(value, where + ".file_size", value.get("file_size"));
            JsonNode generationNode = value.get("generation");
            Generation generation = Generation.NONE;
            if (generationNode != null && !generationNode.isNull()) {
                long raw = requireU64(value, where + ".generation", generationNode);
                if (raw > 0xFFFF_FFFFL) {
                    throw new InvalidIndexException(where + ".generation " + raw + " does not fit in 32 bits");
                }
                generation = Generation.of(raw);
            }
            layers.put(name, new LayerMetadata(size, generation));
        }
        Lsn diskConsistent = requireLsn(root, "disk_consistent_lsn");
        TimelineMetadata metadata;
        JsonNode metadataNode = root.get("metadata");
        if (metadataNode != null && metadataNode.isObject()) {
            metadata = new TimelineMetadata(
                    optionalLsn(metadataNode, "metadata.disk_consistent_lsn", diskConsistent),
                    optionalLsn(metadataNode, "metadata.prev_record_lsn", null),
                    optionalTimeline(metadataNode.get("ancestor_timeline")),
                    optionalLsn(metadataNode, "metadata.ancestor_lsn", Lsn.INVALID),
                    optionalLsn(metadataNode, "metadata.latest_gc_cutoff_lsn", Lsn.INVALID),
                    optionalLsn(metadataNode, "metadata.initdb_lsn", Lsn.INVALID),
                    metadataNode.hasNonNull("pg_version") ? metadataNode.get("pg_version").asInt() : 0);
        } else {
            // Legacy byte-array metadata is kept opaque (in `preserved`); the top-level LSN stands.
            metadata = new TimelineMetadata(diskConsistent, null, null, Lsn.INVALID, Lsn.INVALID, Lsn.INVALID, 0);
        }
        Instant deletedAt = null;
        JsonNode deleted = root.get("deleted_at");
        if (deleted != null && !deleted.isNull()) {
            deletedAt = parseTimestamp("deleted_at", deleted.asText());
        }
        Map<String, JsonNode> preserved = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            switch (entry.getKey()) {
                case "version", "layer_metadata", "disk_consistent_lsn", "metadata", "deleted_at" -> { }
                default -> preserved.put(entry.getKey(), entry.getValue());
            }
        }
        return new IndexPart(version, layers, diskConsistent, metadata, deletedAt, preserved);
    }

    /** The JSON form, with integers written exactly. */
    public byte[] toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode();
        root.put("version", CURRENT_VERSION);
        ObjectNode layerNode = root.putObject("layer_metadata");
        for (Map.Entry<LayerName, LayerMetadata> entry : layers.entrySet()) {
            ObjectNode value = layerNode.putObject(entry.getKey().text());
            value.put("file_size", unsigned(entry.getValue().fileSize()));
            if (!entry.getValue().generation().isNone()) {
                value.put("generation", entry.getValue().generation().value());
            }
        }
        root.put("disk_consistent_lsn", diskConsistentLsn.toString());
        if (!preserved.containsKey("metadata_bytes")) {
            ObjectNode m = root.putObject("metadata");
            m.put("disk_consistent_lsn", metadata.diskConsistentLsn().toString());
            if (metadata.prevRecordLsn() != null) {
                m.put("prev_record_lsn", metadata.prevRecordLsn().toString());
            }
            if (metadata.ancestorTimeline() != null) {
                m.put("ancestor_timeline", metadata.ancestorTimeline().hex());
            }
            m.put("ancestor_lsn", metadata.ancestorLsn().toString());
            m.put("latest_gc_cutoff_lsn", metadata.latestGcCutoffLsn().toString());
            m.put("initdb_lsn", metadata.initdbLsn().toString());
            m.put("pg_version", metadata.pgVersion());
        }
        if (deletedAt != null) {
            root.put("deleted_at", formatTimestamp(deletedAt));
        }
        for (Map.Entry<String, JsonNode> entry : preserved.entrySet()) {
            root.set(entry.getKey(), entry.getValue());
        }
        try {
            return MAPPER.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("index serialisation failed", e);
        }
    }

    /** Total of every listed layer's size. */
    public BigInteger totalFileSize() {
        BigInteger total = BigInteger.ZERO;
        for (LayerMetadata metadata : layers.values()) {
            total = total.add(unsigned(metadata.fileSize()));
        }
        return total;
    }

    public static String formatTimestamp(Instant instant) {
        return TIMESTAMP.format(LocalDateTime.ofInstant(instant, ZoneOffset.UTC));
    }

    static Instant parseTimestamp(String field, String text) throws InvalidIndexException {
        try {
            return LocalDateTime.parse(text, TIMESTAMP).toInstant(ZoneOffset.UTC);
        } catch (java.time.format.DateTimeParseException e) {
            throw new InvalidIndexException(field + ": '" + text + "' is not a timestamp like 2024-07-19T09:00:00.123", e);
        }
    }

    private static BigInteger unsigned(long value) {
        return new BigInteger(Long.toUnsignedString(value));
    }

    private static long requireU64(JsonNode parent, String field, JsonNode node) throws InvalidIndexException {
        if (node == null || node.isNull()) {
            throw new InvalidIndexException("index field " + field + " is missing");
        }
        if (!node.isIntegralNumber()) {
            throw new InvalidIndexException("index field " + field + " is not an unsigned integer: " + node);
        }
        BigInteger value = node.bigIntegerValue();
        if (value.signum() < 0 || value.compareTo(U64_MAX) > 0) {
            throw new InvalidIndexException("index field " + field + " = " + value + " is not an unsigned 64-bit integer");
        }
        return value.longValue();
    }

    private static Lsn requireLsn(JsonNode parent, String field) throws InvalidIndexException {
        JsonNode node = parent.get(field);
        if (node == null || !node.isTextual()) {
            throw new InvalidIndexException("index field " + field + " is missing or not an LSN string");
        }
        return parseLsn(field, node.asText());
    }

    private static Lsn optionalLsn(JsonNode parent, String path, Lsn fallback) throws InvalidIndexException {
        String field = path.substring(path.lastIndexOf('.') + 1);
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return fallback;
        }
        return parseLsn(path, node.asText());
    }

    private static Lsn parseLsn(String field, String text) throws InvalidIndexException {
        try {
            return Lsn.parse(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidIndexException("index field " + field + ": " + e.getMessage(), e);
        }
    }

    private static TimelineId optionalTimeline(JsonNode node) throws InvalidIndexException {
        if (node == null || node.isNull()) {
            return null;
        }
        try {
            return TimelineId.parse(node.asText());
        } catch (IllegalArgumentException e) {
            throw new InvalidIndexException("index field metadata.ancestor_timeline: " + e.getMessage(), e);
        }
    }
}

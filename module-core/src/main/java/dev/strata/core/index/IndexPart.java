package dev.strata.core.index;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
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
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A timeline's index ({@code index_part.json}): the list of its layers and its metadata, the source of truth
 * for what the timeline contains. The local copy in the timeline directory has the same form as the remote
 * {@code index_part.json-<gen>}, so the remote index can take over without a change of format.
 *
 * <p>Reading follows FORMATS.md and accepts every document the Neon pageserver writes in schema versions 1 to 15:
 * <ul>
 *   <li>Unknown fields are ignored but kept and written back ({@link #preserved()}); the typed ones among them
 *       ({@code archived_at}, {@code marked_invisible_at}, {@code l2_lsn}, {@code rel_size_migrated_at}) must
 *       hold a timestamp or an LSN.</li>
 *   <li>Every integer is read as an exact unsigned 64-bit value, never through a double.</li>
 *   <li>The timeline metadata is read from {@code metadata} or {@code metadata_bytes} (the pageserver writes the
 *       object form under the latter name); either may hold the object or the legacy 512-byte array, which is
 *       decoded. With the array, the top-level {@code disk_consistent_lsn} stands. Both names at once are an
 *       error; neither gives metadata with no ancestor.</li>
 *   <li>A layer's {@code shard} must be absent or {@code "0000"} (unsharded): Strata's layout has no shard
 *       directories, so a layer of another shard could not be found.</li>
 *   <li>A document with a duplicate field or anything after the top-level object is rejected.</li>
 * </ul>
 * Writing produces the current version with the metadata as an object under {@code metadata}.
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

    /** The text of an unsharded layer's {@code shard} (shard number 0 of count 0, two hex digits each). */
    static final String UNSHARDED = "0000";

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final BigInteger U64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    private static final DateTimeFormatter TIMESTAMP = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd'T'HH:mm:ss")
            .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
            .toFormatter(Locale.ROOT);
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss", Locale.ROOT);

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
     * This index with the deletion tombstone set ({@code deletedAt} non-null: the timeline is being deleted) or
     * cleared (null).
     */
    public IndexPart withDeletedAt(Instant newDeletedAt) {
        return new IndexPart(CURRENT_VERSION, layers, diskConsistentLsn, metadata, newDeletedAt, preserved);
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
     * @throws InvalidIndexException naming the field and value that are wrong, or the line and column where the
     *     text stops being JSON
     */
    public static IndexPart parse(byte[] json) throws InvalidIndexException {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new InvalidIndexException("index is not valid JSON" + where + ": " + e.getOriginalMessage(), e);
        } catch (java.io.IOException e) {
            throw new InvalidIndexException("index cannot be read: " + e.getMessage(), e);
        } catch (NumberFormatException e) {
            // Decimals are read exactly (BigDecimal), and Jackson throws this, unwrapped, for an exponent that no
            // BigDecimal holds (1e99999999999).
            throw new InvalidIndexException("index holds a number out of range: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new InvalidIndexException("index is not a JSON object"
                    + (root == null || root.isMissingNode() ? " (it is empty)" : ": it starts with " + abbreviate(root)));
        }
        int version = parseVersion(root.get("version"));
        NavigableMap<LayerName, LayerMetadata> layers = parseLayers(root.get("layer_metadata"));
        Lsn diskConsistent = requireLsn("disk_consistent_lsn", root.get("disk_consistent_lsn"));
        TimelineMetadata metadata = parseMetadata(root, diskConsistent);
        Instant deletedAt = optionalTimestamp("deleted_at", root.get("deleted_at"));
        Map<String, JsonNode> preserved = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : root.properties()) {
            switch (entry.getKey()) {
                case "version", "layer_metadata", "disk_consistent_lsn", "metadata", "metadata_bytes", "deleted_at" -> { }
                case "archived_at", "marked_invisible_at" -> {
                    optionalTimestamp(entry.getKey(), entry.getValue());
                    preserved.put(entry.getKey(), entry.getValue());
                }
                case "l2_lsn", "rel_size_migrated_at" -> {
                    if (!entry.getValue().isNull()) {
                        requireLsn(entry.getKey(), entry.getValue());
                    }
                    preserved.put(entry.getKey(), entry.getValue());
                }
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

    /**
     * The JSON form of a timestamp, as the pageserver writes it: UTC without a zone, and a fraction of 3, 6 or 9
     * digits only when it is not zero.
     */
    public static String formatTimestamp(Instant instant) {
        LocalDateTime time = LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
        int nanos = time.getNano();
        String seconds = SECONDS.format(time);
        if (nanos == 0) {
            return seconds;
        }
        if (nanos % 1_000_000 == 0) {
            return seconds + String.format(Locale.ROOT, ".%03d", nanos / 1_000_000);
        }
        if (nanos % 1_000 == 0) {
            return seconds + String.format(Locale.ROOT, ".%06d", nanos / 1_000);
        }
        return seconds + String.format(Locale.ROOT, ".%09d", nanos);
    }

    static Instant parseTimestamp(String field, String text) throws InvalidIndexException {
        try {
            return LocalDateTime.parse(text, TIMESTAMP).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new InvalidIndexException("index field " + field + ": '" + text
                    + "' is not a timestamp like 2024-07-19T09:00:00.123", e);
        }
    }

    private static int parseVersion(JsonNode node) throws InvalidIndexException {
        BigInteger version = requireUnsigned("version", node);
        if (version.compareTo(BigInteger.valueOf(MIN_READ_VERSION)) < 0
                || version.compareTo(BigInteger.valueOf(MAX_READ_VERSION)) > 0) {
            throw new InvalidIndexException("index field version = " + version + " is not between " + MIN_READ_VERSION
                    + " and " + MAX_READ_VERSION);
        }
        return version.intValueExact();
    }

    private static NavigableMap<LayerName, LayerMetadata> parseLayers(JsonNode node) throws InvalidIndexException {
        if (node == null || !node.isObject()) {
            throw new InvalidIndexException("index field layer_metadata is "
                    + (node == null ? "missing" : "not an object: " + abbreviate(node)));
        }
        NavigableMap<LayerName, LayerMetadata> layers = new TreeMap<>();
        Map<LayerName, String> texts = new TreeMap<>();
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            String where = "layer_metadata." + entry.getKey();
            LayerName name;
            try {
                name = LayerName.parse(entry.getKey());
            } catch (IllegalArgumentException e) {
                throw new InvalidIndexException("index field layer_metadata: " + e.getMessage(), e);
            }
            JsonNode value = entry.getValue();
            if (!value.isObject()) {
                throw new InvalidIndexException("index field " + where + " is not an object: " + abbreviate(value));
            }
            long size = requireUnsigned(where + ".file_size", value.get("file_size")).longValue();
            Generation generation = Generation.NONE;
            JsonNode generationNode = value.get("generation");
            if (generationNode != null && !generationNode.isNull()) {
                BigInteger raw = requireUnsigned(where + ".generation", generationNode);
                if (raw.bitLength() > 32) {
                    throw new InvalidIndexException("index field " + where + ".generation = " + raw
                            + " does not fit in 32 bits");
                }
                generation = Generation.of(raw.longValue());
            }
            JsonNode shard = value.get("shard");
            if (shard != null && !shard.isNull() && !(shard.isTextual() && shard.asText().equals(UNSHARDED))) {
                throw new InvalidIndexException("index field " + where + ".shard = " + abbreviate(shard)
                        + " names a shard of a split tenant; only unsharded layers (\"" + UNSHARDED + "\") are supported");
            }
            String earlier = texts.put(name, entry.getKey());
            if (earlier != null) {
                throw new InvalidIndexException("index field layer_metadata lists the layer " + name.text()
                        + " twice: as '" + earlier + "' and as '" + entry.getKey() + "'");
            }
            layers.put(name, new LayerMetadata(size, generation));
        }
        return layers;
    }

    private static TimelineMetadata parseMetadata(JsonNode root, Lsn diskConsistent) throws InvalidIndexException {
        JsonNode object = root.get("metadata");
        JsonNode bytes = root.get("metadata_bytes");
        if (object != null && bytes != null) {
            throw new InvalidIndexException("index has both metadata and metadata_bytes; they name the same field");
        }
        String field = object != null ? "metadata" : "metadata_bytes";
        JsonNode node = object != null ? object : bytes;
        if (node == null || node.isNull()) {
            return new TimelineMetadata(diskConsistent, null, null, Lsn.INVALID, Lsn.INVALID, Lsn.INVALID, 0);
        }
        if (node.isArray()) {
            return LegacyMetadataBytes.decode(field, node, diskConsistent);
        }
        if (!node.isObject()) {
            throw new InvalidIndexException("index field " + field + " is neither an object nor a byte array: "
                    + abbreviate(node));
        }
        JsonNode prevRecord = node.get("prev_record_lsn");
        JsonNode ancestor = node.get("ancestor_timeline");
        BigInteger pgVersion = requireUnsigned(field + ".pg_version", node.get("pg_version"));
        if (pgVersion.bitLength() > 31) {
            throw new InvalidIndexException("index field " + field + ".pg_version = " + pgVersion + " is out of range");
        }
        return new TimelineMetadata(
                requireLsn(field + ".disk_consistent_lsn", node.get("disk_consistent_lsn")),
                prevRecord == null || prevRecord.isNull() ? null : requireLsn(field + ".prev_record_lsn", prevRecord),
                ancestor == null || ancestor.isNull() ? null : requireTimeline(field + ".ancestor_timeline", ancestor),
                requireLsn(field + ".ancestor_lsn", node.get("ancestor_lsn")),
                requireLsn(field + ".latest_gc_cutoff_lsn", node.get("latest_gc_cutoff_lsn")),
                requireLsn(field + ".initdb_lsn", node.get("initdb_lsn")),
                pgVersion.intValue());
    }

    private static BigInteger unsigned(long value) {
        return new BigInteger(Long.toUnsignedString(value));
    }

    private static BigInteger requireUnsigned(String field, JsonNode node) throws InvalidIndexException {
        if (node == null || node.isNull()) {
            throw new InvalidIndexException("index field " + field + " is missing");
        }
        if (!node.isIntegralNumber()) {
            throw new InvalidIndexException("index field " + field + " is not an unsigned integer: " + abbreviate(node));
        }
        BigInteger value = node.bigIntegerValue();
        if (value.signum() < 0 || value.compareTo(U64_MAX) > 0) {
            throw new InvalidIndexException("index field " + field + " = " + value + " is not an unsigned 64-bit integer");
        }
        return value;
    }

    private static Lsn requireLsn(String field, JsonNode node) throws InvalidIndexException {
        if (node == null || node.isNull()) {
            throw new InvalidIndexException("index field " + field + " is missing");
        }
        if (!node.isTextual()) {
            throw new InvalidIndexException("index field " + field + " is not an LSN string like \"0/16960E8\": "
                    + abbreviate(node));
        }
        try {
            return Lsn.parse(node.asText());
        } catch (IllegalArgumentException e) {
            throw new InvalidIndexException("index field " + field + ": " + e.getMessage(), e);
        }
    }

    private static TimelineId requireTimeline(String field, JsonNode node) throws InvalidIndexException {
        if (!node.isTextual()) {
            throw new InvalidIndexException("index field " + field + " is not a timeline id string: " + abbreviate(node));
        }
        try {
            return TimelineId.parse(node.asText());
        } catch (IllegalArgumentException e) {
            throw new InvalidIndexException("index field " + field + ": " + e.getMessage(), e);
        }
    }

    private static Instant optionalTimestamp(String field, JsonNode node) throws InvalidIndexException {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new InvalidIndexException("index field " + field + " is not a timestamp string: " + abbreviate(node));
        }
        return parseTimestamp(field, node.asText());
    }

    /** A value for an error message: its JSON text, cut short when long. */
    private static String abbreviate(JsonNode node) {
        String text = node.toString();
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }
}

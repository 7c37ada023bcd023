package dev.strata.core.walbackup;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.core.io.DurableFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Which backed-up WAL objects of a timeline may exist in remote storage (FORMATS.md, "WAL backup state"), kept in
 * the timeline directory as {@value #FILE_NAME}:
 *
 * <pre>
 * {"version":1,"entries":[{"object":"0000000001000000.wal_00000003_0000000001002A10_0000000001002A10_node1.partial",
 *                          "status":"uploaded"}]}
 * </pre>
 *
 * An entry is written {@code in_progress} before its upload starts, so every object that may exist is tracked;
 * {@code uploaded} once the upload succeeded under the timeline's generation; {@code deleting} once it is no
 * longer needed, until the deletion step accepted it. Unknown fields are ignored on read and any version from 1
 * on is read, so an older binary reads what a newer one wrote (INVARIANTS 18). Written crash-safe: temp file,
 * fsync, rename, fsync the directory (INVARIANTS 4).
 *
 * @param entries one per object, sorted by object name, no two for the same object
 */
public record WalBackupState(List<Entry> entries) {
    /** The state file's name in the timeline directory. */
    public static final String FILE_NAME = "wal_backup.json";
    /** The schema version written. */
    public static final int VERSION = 1;

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** The state of no objects. */
    public static final WalBackupState EMPTY = new WalBackupState(List.of());

    public WalBackupState {
        requireNonNull(entries, "entries is null");
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing(entry -> entry.object().objectName()));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).object().equals(sorted.get(i - 1).object())) {
                throw new IllegalArgumentException("WAL backup state lists object " + sorted.get(i).object().objectName()
                        + " twice");
            }
        }
        entries = List.copyOf(sorted);
    }

    /** Where an object stands. */
    public enum Status {
        /** The upload may have started: the object may exist. */
        IN_PROGRESS,
        /** The object exists and is ours. */
        UPLOADED,
        /** The object is no longer needed and is being deleted. */
        DELETING;

        String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Status parse(String text) {
            for (Status status : values()) {
                if (status.wireName().equals(text)) {
                    return status;
                }
            }
            throw new IllegalArgumentException("unknown status \"" + text + "\" (expected in_progress, uploaded or deleting)");
        }
    }

    /** One tracked object. */
    public record Entry(WalObjectName object, Status status) {
        public Entry {
            requireNonNull(object, "object is null");
            requireNonNull(status, "status is null");
        }
    }

    /** This state with {@code object} at {@code status}, added or replacing its entry. */
    public WalBackupState with(WalObjectName object, Status status) {
        List<Entry> next = new ArrayList<>(without(List.of(object)).entries);
        next.add(new Entry(object, status));
        return new WalBackupState(next);
    }

    /** This state without the entries of {@code objects}. */
    public WalBackupState without(List<? extends WalObjectName> objects) {
        return new WalBackupState(entries.stream().filter(entry -> !objects.contains(entry.object())).toList());
    }

    /** The objects at {@code status}. */
    public List<WalObjectName> objects(Status status) {
        return entries.stream().filter(entry -> entry.status() == status).map(Entry::object).toList();
    }

    /** Whether {@code object} is tracked at {@code status}. */
    public boolean has(WalObjectName object, Status status) {
        return entries.contains(new Entry(object, status));
    }

    /** Whether {@code object} is tracked at all. */
    public boolean tracks(WalObjectName object) {
        return entries.stream().anyMatch(entry -> entry.object().equals(object));
    }

    /** The JSON document. */
    public byte[] toJson() {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("version", VERSION);
        ArrayNode array = root.putArray("entries");
        for (Entry entry : entries) {
            array.addObject().put("object", entry.object().objectName()).put("status", entry.status().wireName());
        }
        try {
            return MAPPER.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the WAL backup state", e);
        }
    }

    /**
     * Parses a state document; unknown fields are ignored.
     *
     * @throws IOException naming {@code source} and the field that is wrong
     */
    public static WalBackupState parse(byte[] json, Path source) throws IOException {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IOException("WAL backup state " + source + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException("WAL backup state " + source + " is not a JSON object");
        }
        JsonNode version = root.get("version");
        if (version == null || !version.canConvertToInt() || version.intValue() < 1) {
            throw new IOException("WAL backup state " + source + " has version " + version + ", expected an integer >= 1");
        }
        JsonNode array = root.get("entries");
        if (array == null || !array.isArray()) {
            throw new IOException("WAL backup state " + source + " has no \"entries\" array");
        }
        List<Entry> entries = new ArrayList<>();
        for (JsonNode node : array) {
            JsonNode object = node.get("object");
            JsonNode status = node.get("status");
            if (object == null || !object.isTextual() || status == null || !status.isTextual()) {
                throw new IOException("WAL backup state " + source + ": entry " + node + " needs text fields object and status");
            }
            WalObjectName name = WalObjectName.parse(object.textValue()).orElseThrow(() -> new IOException(
                    "WAL backup state " + source + ": \"" + object.textValue() + "\" is not a WAL object name"));
            try {
                entries.add(new Entry(name, Status.parse(status.textValue())));
            } catch (IllegalArgumentException e) {
                throw new IOException("WAL backup state " + source + ", object " + object.textValue() + ": " + e.getMessage(), e);
            }
        }
        try {
            return new WalBackupState(entries);
        } catch (IllegalArgumentException e) {
            throw new IOException("WAL backup state " + source + ": " + e.getMessage(), e);
        }
    }

    /** Reads the state in {@code timelineDirectory}; {@link #EMPTY} when there is no state file. */
    public static WalBackupState read(Path timelineDirectory) throws IOException {
        Path file = timelineDirectory.resolve(FILE_NAME);
        byte[] json;
        try {
            json = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return EMPTY;
        }
        return parse(json, file);
    }

    /** Writes this state to {@code timelineDirectory} crash-safely. */
    public void write(Path timelineDirectory) throws IOException {
        DurableFiles.writeAtomically(timelineDirectory.resolve(FILE_NAME), toJson());
    }
}

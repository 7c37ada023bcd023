package dev.strata.core.deletion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.api.Generation;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One persisted list of pending deletions ({@code deletion/<sequence:016x>-01.list}, FORMATS "Deletion queue on
 * disk"): for each tenant one generation and, per timeline, object names relative to the timeline's prefix.
 *
 * <p>Reading ignores unknown fields (INVARIANTS 18) and reads the sequence as an exact unsigned 64-bit number
 * (INVARIANTS 19).
 *
 * @param sequence  the list's number, from 1, never reused on a node
 * @param tenants   what to delete, by tenant
 * @param validated whether the control plane confirmed every tenant's generation (only the valid ones remain)
 */
record DeletionList(long sequence, Map<TenantId, TenantDeletions> tenants, boolean validated) {
    static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One tenant's part of a list.
     *
     * @param objects per timeline, object names relative to {@code RemoteLayout.timelinePrefix}
     */
    record TenantDeletions(Generation generation, Map<TimelineId, List<String>> objects) {
        TenantDeletions {
            Objects.requireNonNull(generation, "generation is null");
            objects = copy(objects);
        }

        int size() {
            return objects.values().stream().mapToInt(List::size).sum();
        }
    }

    DeletionList {
        if (sequence == 0) {
            throw new IllegalArgumentException("deletion list sequence must be at least 1");
        }
        Objects.requireNonNull(tenants, "tenants is null");
        tenants = Map.copyOf(new TreeMap<>(tenants));
    }

    /** Number of objects in the list. */
    int size() {
        return tenants.values().stream().mapToInt(TenantDeletions::size).sum();
    }

    /** The file name of the list with {@code sequence}. */
    static String fileName(long sequence) {
        return String.format("%016x-01.list", sequence);
    }

    /** The sequence named by {@code fileName}, or -1 when it is not a list file name. */
    static long sequenceOf(String fileName) {
        if (!fileName.matches("[0-9a-f]{16}-01\\.list")) {
            return -1;
        }
        return Long.parseUnsignedLong(fileName.substring(0, 16), 16);
    }

    /** This list with only the tenants {@code keep} accepts, marked validated. */
    DeletionList validatedKeeping(java.util.function.Predicate<Map.Entry<TenantId, TenantDeletions>> keep) {
        Map<TenantId, TenantDeletions> kept = new TreeMap<>();
        for (Map.Entry<TenantId, TenantDeletions> entry : tenants.entrySet()) {
            if (keep.test(entry)) {
                kept.put(entry.getKey(), entry.getValue());
            }
        }
        return new DeletionList(sequence, kept, true);
    }

    byte[] toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", VERSION);
        root.put("sequence", new BigInteger(Long.toUnsignedString(sequence)));
        ObjectNode tenantsNode = root.putObject("tenants");
        for (Map.Entry<TenantId, TenantDeletions> tenant : tenants.entrySet()) {
            ObjectNode tenantNode = tenantsNode.putObject(tenant.getKey().hex());
            ObjectNode timelines = tenantNode.putObject("timelines");
            for (Map.Entry<TimelineId, List<String>> timeline : tenant.getValue().objects().entrySet()) {
                ArrayNode names = timelines.putArray(timeline.getKey().hex());
                timeline.getValue().forEach(names::add);
            }
            tenantNode.put("generation", tenant.getValue().generation().value());
        }
        root.put("size", size());
        if (validated) {
            root.put("validated", true);
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException("serialising deletion list " + sequence + " failed", e);
        }
    }

    /**
     * Parses a list file's bytes.
     *
     * @param source the file, for messages
     * @throws IOException naming the file and the field that is wrong
     */
    static DeletionList parse(String source, byte[] json) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IOException("deletion list " + source + " is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException("deletion list " + source + " is not a JSON object");
        }
        long version = unsigned(source, root, "version");
        if (version != VERSION) {
            throw new IOException("deletion list " + source + " has version " + version + ", this node reads " + VERSION);
        }
        long sequence = unsigned(source, root, "sequence");
        JsonNode tenantsNode = root.get("tenants");
        if (tenantsNode == null || !tenantsNode.isObject()) {
            throw new IOException("deletion list " + source + ": 'tenants' is missing or not an object");
        }
        Map<TenantId, TenantDeletions> tenants = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = tenantsNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> tenant = it.next();
            TenantId tenantId;
            try {
                tenantId = TenantId.parse(tenant.getKey());
            } catch (IllegalArgumentException e) {
                throw new IOException("deletion list " + source + ": tenant '" + tenant.getKey() + "' is not a tenant id", e);
            }
            long generation = unsigned(source, tenant.getValue(), "generation");
            if (generation > 0xFFFF_FFFFL) {
                throw new IOException("deletion list " + source + ": generation " + Long.toUnsignedString(generation)
                        + " of tenant " + tenantId + " is not a 32-bit number");
            }
            JsonNode timelinesNode = tenant.getValue().get("timelines");
            if (timelinesNode == null || !timelinesNode.isObject()) {
                throw new IOException("deletion list " + source + ": 'timelines' of tenant " + tenantId + " is missing");
            }
            Map<TimelineId, List<String>> objects = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> timelines = timelinesNode.fields(); timelines.hasNext(); ) {
                Map.Entry<String, JsonNode> timeline = timelines.next();
                TimelineId timelineId;
                try {
                    timelineId = TimelineId.parse(timeline.getKey());
                } catch (IllegalArgumentException e) {
                    throw new IOException("deletion list " + source + ": timeline '" + timeline.getKey()
                            + "' is not a timeline id", e);
                }
                if (!timeline.getValue().isArray()) {
                    throw new IOException("deletion list " + source + ": objects of timeline " + timelineId + " are not a list");
                }
                List<String> names = new ArrayList<>();
                for (JsonNode name : timeline.getValue()) {
                    if (!name.isTextual() || name.asText().isEmpty()) {
                        throw new IOException("deletion list " + source + ": object " + name + " of timeline "
                                + timelineId + " is not a name");
                    }
                    names.add(name.asText());
                }
                objects.put(timelineId, names);
            }
            tenants.put(tenantId, new TenantDeletions(Generation.of(generation), objects));
        }
        JsonNode validated = root.get("validated");
        if (validated != null && !validated.isBoolean()) {
            throw new IOException("deletion list " + source + ": 'validated' = " + validated + " is not true or false");
        }
        if (sequence == 0) {
            throw new IOException("deletion list " + source + " has sequence 0; sequences start at 1");
        }
        return new DeletionList(sequence, tenants, validated != null && validated.asBoolean());
    }

    /** An exact unsigned 64-bit field (INVARIANTS 19); returned as the bits of a long. */
    static long unsigned(String source, JsonNode node, String field) throws IOException {
        JsonNode value = node.get(field);
        if (value == null || !value.isIntegralNumber()) {
            throw new IOException(source + ": '" + field + "' is missing or not an integer: " + value);
        }
        BigInteger number = value.bigIntegerValue();
        if (number.signum() < 0 || number.bitLength() > 64) {
            throw new IOException(source + ": '" + field + "' = " + number + " is not an unsigned 64-bit integer");
        }
        return number.longValue();
    }

    private static Map<TimelineId, List<String>> copy(Map<TimelineId, List<String>> objects) {
        Objects.requireNonNull(objects, "objects is null");
        Map<TimelineId, List<String>> copy = new TreeMap<>();
        objects.forEach((timeline, names) -> copy.put(timeline, List.copyOf(names)));
        return java.util.Collections.unmodifiableMap(copy);
    }
}

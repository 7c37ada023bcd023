package dev.strata.core.scrub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Objects;

/**
 * What {@code find-garbage} found: objects no index needs, old enough to delete.
 *
 * @param youngKept objects that would be garbage but are younger than the minimum age
 * @param timelines timelines scanned
 */
public record GarbageReport(List<Item> items, int youngKept, int timelines) {
    /** One object to delete and why. */
    public record Item(String key, long size, String reason) {
        public Item {
            Objects.requireNonNull(key, "key is null");
            Objects.requireNonNull(reason, "reason is null");
        }
    }

    public GarbageReport {
        items = List.copyOf(items);
    }

    public long bytes() {
        return items.stream().mapToLong(Item::size).sum();
    }

    /** The report as one JSON object; {@code deleted} says whether the items were deleted or only found. */
    public String toJson(boolean deleted) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("timelines", timelines);
        root.put("objects", items.size());
        root.put("bytes", bytes());
        root.put("younger_than_min_age", youngKept);
        root.put("deleted", deleted);
        ArrayNode list = root.putArray("items");
        for (Item item : items) {
            list.addObject().put("key", item.key()).put("size", item.size()).put("reason", item.reason());
        }
        return root.toString();
    }
}

package dev.strata.core.scrub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code scan-metadata} found: counts of timelines, of newest indexes by schema version, and of errors and
 * warnings by category, with each finding naming the key it is about.
 */
public record MetadataReport(int timelines, Map<Integer, Integer> indexesByVersion, Map<String, Integer> errors,
                             Map<String, Integer> warnings, List<Finding> findings) {
    /** One problem: {@code severity} is "error" or "warning". */
    public record Finding(String severity, String category, String key, String detail) {}

    public MetadataReport {
        indexesByVersion = Map.copyOf(indexesByVersion);
        errors = Map.copyOf(errors);
        warnings = Map.copyOf(warnings);
        findings = List.copyOf(findings);
    }

    public int errorCount() {
        return errors.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** The summary as one JSON object. */
    public String toJson() {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("timelines", timelines);
        ObjectNode versions = root.putObject("indexes_by_version");
        new TreeMap<>(indexesByVersion).forEach((version, count) -> versions.put(Integer.toString(version), count));
        ObjectNode errorCounts = root.putObject("errors");
        new TreeMap<>(errors).forEach(errorCounts::put);
        ObjectNode warningCounts = root.putObject("warnings");
        new TreeMap<>(warnings).forEach(warningCounts::put);
        ArrayNode list = root.putArray("findings");
        for (Finding finding : findings) {
            list.addObject().put("severity", finding.severity()).put("category", finding.category())
                    .put("key", finding.key()).put("detail", finding.detail());
        }
        return root.toString();
    }

    static final class Builder {
        private int timelines;
        private final Map<Integer, Integer> versions = new TreeMap<>();
        private final Map<String, Integer> errors = new TreeMap<>();
        private final Map<String, Integer> warnings = new TreeMap<>();
        private final List<Finding> findings = new ArrayList<>();

        void timeline() {
            timelines++;
        }

        void indexVersion(int version) {
            versions.merge(version, 1, Integer::sum);
        }

        void error(String category, String key, String detail) {
            errors.merge(category, 1, Integer::sum);
            findings.add(new Finding("error", category, key, detail));
        }

        void warning(String category, String key, String detail) {
            warnings.merge(category, 1, Integer::sum);
            findings.add(new Finding("warning", category, key, detail));
        }

        MetadataReport build() {
            return new MetadataReport(timelines, versions, errors, warnings, findings);
        }
    }
}

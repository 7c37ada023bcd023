package dev.strata.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes report.md and results.json (the schema benchmarks/README.md describes) for one run. */
final class Report {
    private Report() {
    }

    static void writeJson(Path file, List<Row> rows, Map<String, Object> machine) throws IOException {
        List<Map<String, Object>> workloads = new ArrayList<>();
        for (Row row : rows) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", row.name());
            entry.put("strata", row.strata());
            entry.put("baseline", row.baseline());
            entry.put("ratio", row.ratio());
            entry.put("unit", row.unit());
            entry.put("target", row.target());
            entry.put("met", row.met());
            workloads.add(entry);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("workloads", workloads);
        root.put("machine", machine);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), root);
    }

    /** Two decimals, or three significant digits below 0.1 (a wire round trip against an in-process call). */
    private static String ratio(Double ratio) {
        if (ratio == null) {
            return "-";
        }
        return String.format(ratio < 0.1 ? "%.3g×" : "%.2f×", ratio);
    }

    static void writeMarkdown(Path file, String title, List<Row> rows, Map<String, Object> machine,
                              List<String> notes) throws IOException {
        StringBuilder out = new StringBuilder();
        out.append("# ").append(title).append("\n\n");
        out.append("Every ratio is Strata against a baseline measured in this run on this machine; a ratio above 1 is ")
                .append("better for Strata (for latencies and layers per read the ratio is baseline / Strata).\n\n");
        out.append("| workload | Strata | baseline | ratio | unit | target | met? | note |\n");
        out.append("|---|---:|---:|---:|---|---|---|---|\n");
        for (Row row : rows) {
            out.append("| ").append(row.name())
                    .append(" | ").append(Workloads.format(row.strata()))
                    .append(" | ").append(Workloads.format(row.baseline()))
                    .append(" | ").append(ratio(row.ratio()))
                    .append(" | ").append(row.unit())
                    .append(" | ").append(row.target())
                    .append(" | ").append(row.met() == null ? "n/a" : row.met() ? "yes" : "**no**")
                    .append(" | ").append(row.note().replace("|", "/"))
                    .append(" |\n");
        }
        out.append("\n## Machine\n\n");
        for (Map.Entry<String, Object> entry : machine.entrySet()) {
            out.append("- ").append(entry.getKey()).append(": ").append(entry.getValue()).append('\n');
        }
        if (!notes.isEmpty()) {
            out.append("\n## Notes\n\n");
            for (String note : notes) {
                out.append("- ").append(note).append('\n');
            }
        }
        out.append("\nChart: `chart.png` (ratios against the same-run baselines) and `latency.png` (p50/p99).\n");
        Files.writeString(file, out);
    }
}

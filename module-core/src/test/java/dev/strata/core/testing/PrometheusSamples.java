package dev.strata.core.testing;

import java.util.Map;
import java.util.TreeMap;

/** Reading the Prometheus text format in tests. */
public final class PrometheusSamples {
    private PrometheusSamples() {}

    /** Sample lines of the Prometheus text format: "name{labels} value" to value; comments are skipped. */
    public static Map<String, Double> parse(String text) {
        Map<String, Double> samples = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return samples;
    }
}

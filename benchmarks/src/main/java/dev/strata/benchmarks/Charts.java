package dev.strata.benchmarks;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.data.category.DefaultCategoryDataset;

/** Draws the run's charts with JFreeChart (headless): ratios per workload row, and read latencies. */
final class Charts {
    private Charts() {
    }

    private static final Map<String, Color> SERIES = Map.of("target met", new Color(0x2E7D32),
            "target missed", new Color(0xC62828), "no target", new Color(0x757575));

    static void ratios(Path file, String title, List<Row> rows) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        Set<String> labels = new HashSet<>();
        for (Row row : rows) {
            if (row.ratio() == null) {
                continue;
            }
            String label = row.name() + " (" + row.unit().replace(" vs ", "/") + ")";
            for (int n = 2; !labels.add(label); n++) { // rows of one label would draw over each other
                label = row.name() + " (" + row.unit().replace(" vs ", "/") + ") #" + n;
            }
            String series = row.met() == null ? "no target" : row.met() ? "target met" : "target missed";
            data.addValue(row.ratio(), series, label);
        }
        JFreeChart chart = ChartFactory.createBarChart(title, null, "Strata / same-run baseline (higher is better)",
                data, PlotOrientation.HORIZONTAL, true, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.addRangeMarker(new ValueMarker(1.0, Color.DARK_GRAY, new BasicStroke(1.5f)));
        // Series are numbered in the order they first occur, so their colours are set by name.
        for (int series = 0; series < data.getRowCount(); series++) {
            plot.getRenderer().setSeriesPaint(series, SERIES.get((String) data.getRowKey(series)));
        }
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        ((BarRenderer) plot.getRenderer()).setItemMargin(-1.0); // one bar per row
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 1100, 140 + 34 * data.getColumnCount());
    }

    /** {@code latencies}: per workload, {Strata p50, Strata p99, RocksDB p50, RocksDB p99} in µs. */
    static void latencies(Path file, String title, Map<String, double[]> latencies) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Map.Entry<String, double[]> entry : latencies.entrySet()) {
            double[] v = entry.getValue();
            data.addValue(v[0], "Strata p50", entry.getKey());
            data.addValue(v[1], "Strata p99", entry.getKey());
            data.addValue(v[2], "RocksDB p50", entry.getKey());
            data.addValue(v[3], "RocksDB p99", entry.getKey());
        }
        JFreeChart chart = ChartFactory.createBarChart(title, null, "latency, µs (lower is better)", data,
                PlotOrientation.VERTICAL, true, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.getDomainAxis().setCategoryLabelPositions(CategoryLabelPositions.STANDARD);
        plot.getRenderer().setSeriesPaint(0, new Color(0x64B5F6));
        plot.getRenderer().setSeriesPaint(1, new Color(0x1565C0));
        plot.getRenderer().setSeriesPaint(2, new Color(0xFFB74D));
        plot.getRenderer().setSeriesPaint(3, new Color(0xE65100));
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 900, 500);
    }
}

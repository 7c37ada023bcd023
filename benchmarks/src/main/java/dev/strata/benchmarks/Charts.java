package dev.strata.benchmarks;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
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
        // Ratios run from thousandths (a request over the wire against an in-process call) to about a hundred
        // (heap against its limit): on a linear axis most bars would be invisible.
        LogAxis axis = new LogAxis(plot.getRangeAxis().getLabel());
        axis.setBase(10);
        axis.setTickUnit(new NumberTickUnit(1, new DecimalFormat("0.###"), 0));
        axis.setSmallestValue(1e-4);
        plot.setRangeAxis(axis);
        plot.getDomainAxis().setMaximumCategoryLabelWidthRatio(0.45f);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        BarRenderer renderer = (BarRenderer) plot.getRenderer();
        renderer.setItemMargin(-1.0); // one bar per row
        renderer.setBase(1e-4); // bars start at the axis' lower end, not at zero (which a log axis cannot show)
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 1300, 140 + 34 * data.getColumnCount());
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

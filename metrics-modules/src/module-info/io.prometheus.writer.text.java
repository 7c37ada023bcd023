// The name is the jar's Automatic-Module-Name (prometheus-metrics-exposition-textformats).
module io.prometheus.writer.text {
    requires transitive io.prometheus.metrics.config;
    requires transitive io.prometheus.metrics.model;
    exports io.prometheus.metrics.expositionformats;
}

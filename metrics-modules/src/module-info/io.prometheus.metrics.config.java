module io.prometheus.metrics.config {
    exports io.prometheus.metrics.config;
}

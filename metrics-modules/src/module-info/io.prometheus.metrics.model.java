module io.prometheus.metrics.model {
    requires transitive io.prometheus.metrics.config;
    exports io.prometheus.metrics.model.registry;
    exports io.prometheus.metrics.model.snapshots;
}

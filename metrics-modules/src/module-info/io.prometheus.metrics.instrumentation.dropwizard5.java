// Shared label mapping of the Dropwizard bridges. Its own DropwizardExports needs metrics5, which Strata does
// not ship; only the labels package is used (by the metrics-core 4 bridge).
module io.prometheus.metrics.instrumentation.dropwizard5 {
    requires java.logging;
    requires static io.dropwizard.metrics5;
    requires transitive io.prometheus.metrics.model;
    exports io.prometheus.metrics.instrumentation.dropwizard5;
    exports io.prometheus.metrics.instrumentation.dropwizard5.labels;
}

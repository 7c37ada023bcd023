module io.prometheus.metrics.instrumentation.dropwizard {
    requires java.logging;
    requires transitive com.codahale.metrics;
    requires transitive io.prometheus.metrics.instrumentation.dropwizard5;
    requires transitive io.prometheus.metrics.model;
    exports io.prometheus.metrics.instrumentation.dropwizard;
}

// Dropwizard metrics-core. slf4j is used only by reporters Strata does not start (ScheduledReporter, Slf4jReporter).
module com.codahale.metrics {
    requires static org.slf4j;
    exports com.codahale.metrics;
}

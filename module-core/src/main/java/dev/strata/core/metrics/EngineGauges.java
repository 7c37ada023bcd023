package dev.strata.core.metrics;

/** What the engine reports to gauges; read at every scrape, from the scraping thread. */
public interface EngineGauges {
    int tenants();

    int timelines();

    /** Layer counts summed over every timeline. */
    LayerTotals layers();

    /** Upload queues summed over every timeline. */
    UploadTotals uploads();

    /** The LSNs of every timeline. */
    java.util.List<TimelineLsns> timelineLsns();

    /**
     * Tenants in {@code state}, one of {@link NodeMetrics#TENANT_STATES}: attaching (at start-up or through
     * location_config), active, stopping (detaching) or broken (its attach failed).
     */
    int tenantsIn(String state);
}

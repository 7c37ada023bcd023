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
}

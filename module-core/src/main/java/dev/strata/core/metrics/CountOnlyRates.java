package dev.strata.core.metrics;

import com.codahale.metrics.MovingAverages;

/**
 * Moving averages that keep nothing, for meters marked on every page read: a {@link com.codahale.metrics.Meter}
 * then costs one striped add per mark instead of a clock read and four adds. The node exports meters as counters
 * ({@code _total}) and never reads their 1-, 5- and 15-minute rates, which report 0 here; rates come from the
 * counters in Prometheus.
 */
final class CountOnlyRates implements MovingAverages {
    static final CountOnlyRates INSTANCE = new CountOnlyRates();

    private CountOnlyRates() {}

    @Override
    public void tickIfNecessary() {
        // nothing to decay
    }

    @Override
    public void update(long n) {
        // counted by the meter itself
    }

    @Override
    public double getM1Rate() {
        return 0;
    }

    @Override
    public double getM5Rate() {
        return 0;
    }

    @Override
    public double getM15Rate() {
        return 0;
    }
}

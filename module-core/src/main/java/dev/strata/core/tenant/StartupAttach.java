package dev.strata.core.tenant;

import java.time.Duration;
import java.util.Objects;

/**
 * How a node attaches the tenants on its disk when it starts.
 *
 * @param background   false: opening the engine returns once every tenant is attached (the first failure fails
 *                     the start); true: it returns at once and tenants attach behind it, a tenant that fails
 *                     is marked broken and the others go on
 * @param concurrency  tenants attached at once
 * @param requestWait  how long a request for a tenant still waiting to attach waits (after moving that tenant to
 *                     the front of the queue) before it is answered 503
 */
public record StartupAttach(boolean background, int concurrency, Duration requestWait) {
    /** In the foreground, 8 at a time. */
    public static final StartupAttach DEFAULT = new StartupAttach(false, 8, Duration.ofSeconds(30));

    public StartupAttach {
        Objects.requireNonNull(requestWait, "requestWait is null");
        if (concurrency < 1) {
            throw new IllegalArgumentException("startup attach concurrency must be at least 1, got " + concurrency);
        }
        if (requestWait.isNegative()) {
            throw new IllegalArgumentException("startup attach request wait must not be negative, got " + requestWait);
        }
    }

    /** Attaching in the background with the same bounds. */
    public StartupAttach inBackground() {
        return new StartupAttach(true, concurrency, requestWait);
    }
}

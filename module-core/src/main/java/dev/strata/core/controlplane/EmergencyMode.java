package dev.strata.core.controlplane;

import dev.strata.api.Durations;
import java.time.Duration;
import java.util.Objects;

/**
 * What a node does when the control plane does not answer its re-attach at start-up ({@code emergency_mode}
 * of {@code [control_plane]}): wait for it ({@code off}), start without asking ({@code on}), or wait at most a
 * while ({@code after:<duration>}). In emergency the node attaches every tenant at the generation and mode of its
 * local {@code config-v1} and holds every deletion and visible-LSN advance until validation works again.
 */
public sealed interface EmergencyMode {
    /** Wait for the control plane as long as it takes. */
    record Off() implements EmergencyMode { }

    /** Do not ask at start-up: attach from local configs at once. */
    record On() implements EmergencyMode { }

    /** Ask for at most {@code delay}, then start in emergency mode. */
    record After(Duration delay) implements EmergencyMode {
        public After {
            Objects.requireNonNull(delay, "delay is null");
            if (delay.isNegative() || delay.isZero()) {
                throw new IllegalArgumentException("emergency_mode after: delay must be positive, got " + delay);
            }
        }
    }

    EmergencyMode OFF = new Off();

    /**
     * Parses {@code off}, {@code on} or {@code after:<duration>} ({@code after:30s}, {@code after:5m}).
     *
     * @throws IllegalArgumentException naming the text
     */
    static EmergencyMode parse(String text) {
        String value = Objects.requireNonNull(text, "text is null").strip();
        if (value.equals("off")) {
            return OFF;
        }
        if (value.equals("on")) {
            return new On();
        }
        if (value.startsWith("after:")) {
            return new After(Durations.parse(value.substring("after:".length()).strip()));
        }
        throw new IllegalArgumentException("emergency_mode = '" + text + "': expected off, on or after:<duration>");
    }
}

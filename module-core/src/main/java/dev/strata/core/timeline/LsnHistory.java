package dev.strata.core.timeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.strata.api.Lsn;
import dev.strata.core.index.IndexPart;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Samples of (time, disk-consistent LSN) taken at each flush, kept in the index so that GC can turn the
 * PITR window (a duration) into an LSN after a restart. At most {@link #MAX_SAMPLES} are kept; when full,
 * every other one of the older half is dropped, so old history thins out but still covers the window.
 */
record LsnHistory(List<Sample> samples) {
    static final String FIELD = "strata_lsn_history";
    static final int MAX_SAMPLES = 64;

    record Sample(Instant time, Lsn lsn) {}

    LsnHistory {
        samples = List.copyOf(samples);
    }

    static LsnHistory from(IndexPart index) {
        JsonNode node = index.preserved().get(FIELD);
        List<Sample> samples = new ArrayList<>();
        if (node != null && node.isArray()) {
            for (JsonNode pair : node) {
                try {
                    samples.add(new Sample(LocalDateTime.parse(pair.get(0).asText()).toInstant(ZoneOffset.UTC),
                            Lsn.parse(pair.get(1).asText())));
                } catch (RuntimeException e) {
                    // A sample that does not parse only makes PITR more conservative; skip it.
                }
            }
        }
        return new LsnHistory(samples);
    }

    LsnHistory with(Instant time, Lsn lsn) {
        List<Sample> next = new ArrayList<>(samples);
        next.add(new Sample(time, lsn));
        if (next.size() > MAX_SAMPLES) {
            List<Sample> thinned = new ArrayList<>();
            int half = next.size() / 2;
            for (int i = 0; i < next.size(); i++) {
                if (i >= half || i % 2 == 0) {
                    thinned.add(next.get(i));
                }
            }
            next = thinned;
        }
        return new LsnHistory(next);
    }

    /** The newest sampled LSN written at or before {@code time}, or {@link Lsn#INVALID} if none. */
    Lsn lsnAtOrBefore(Instant time) {
        Lsn best = Lsn.INVALID;
        for (Sample sample : samples) {
            if (!sample.time().isAfter(time)) {
                best = Lsn.max(best, sample.lsn());
            }
        }
        return best;
    }

    JsonNode toJson() {
        ArrayNode array = JsonNodeFactory.instance.arrayNode();
        for (Sample sample : samples) {
            array.addArray().add(IndexPart.formatTimestamp(sample.time())).add(sample.lsn().toString());
        }
        return array;
    }
}

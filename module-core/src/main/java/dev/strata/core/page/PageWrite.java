package dev.strata.core.page;

import dev.strata.api.Key;
import dev.strata.api.PageRecord;
import java.util.Objects;

/** One write of an ingest batch, before the engine has given it an LSN. */
public record PageWrite(Key key, PageRecord record) {
    public PageWrite {
        Objects.requireNonNull(key, "key is null");
        Objects.requireNonNull(record, "record is null");
    }

    /** Bytes of record payload in a batch: what throughput figures and metrics count. */
    public static long payloadBytes(java.util.List<PageWrite> batch) {
        long bytes = 0;
        for (PageWrite write : batch) {
            bytes += write.record().payloadSize();
        }
        return bytes;
    }
}

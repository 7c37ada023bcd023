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
}

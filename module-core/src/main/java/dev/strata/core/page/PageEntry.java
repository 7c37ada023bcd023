package dev.strata.core.page;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import java.util.Comparator;
import java.util.Objects;

/** A stored value: the record written for {@code key} at {@code lsn}. */
public record PageEntry(Key key, Lsn lsn, PageRecord record) {
    /** Key ascending, then LSN ascending: the order of layer files and scans. */
    public static final Comparator<PageEntry> KEY_LSN_ORDER =
            Comparator.comparing(PageEntry::key).thenComparing(PageEntry::lsn);

    public PageEntry {
        Objects.requireNonNull(key, "key is null");
        Objects.requireNonNull(lsn, "lsn is null");
        Objects.requireNonNull(record, "record is null");
    }
}

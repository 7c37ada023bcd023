package dev.strata.core.wal;

import static java.util.Objects.requireNonNull;

import dev.strata.api.Lsn;
import java.util.List;

/**
 * The LSNs that {@link Wal#append} gave one batch.
 *
 * @param recordLsns the LSN of each record of the batch, in batch order: the end offset of the record in the log,
 *                   strictly increasing
 * @param endLsn     the end of the frame, equal to the last record's LSN; the next frame starts here
 */
public record WalAppend(List<Lsn> recordLsns, Lsn endLsn) {
    public WalAppend {
        recordLsns = List.copyOf(requireNonNull(recordLsns, "recordLsns is null"));
        requireNonNull(endLsn, "endLsn is null");
        if (recordLsns.isEmpty()) {
            throw new IllegalArgumentException("a WAL append has at least one record LSN");
        }
        if (!recordLsns.getLast().equals(endLsn)) {
            throw new IllegalArgumentException("endLsn " + endLsn + " differs from the last record LSN "
                    + recordLsns.getLast());
        }
    }
}

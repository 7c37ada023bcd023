package dev.strata.core.walbackup;

import static java.util.Objects.requireNonNull;

import dev.strata.api.Generation;
import dev.strata.api.Lsn;
import dev.strata.core.wal.Wal;
import java.util.Locale;
import java.util.Optional;

/**
 * The name of a backed-up WAL object under a timeline's {@code wal/} prefix (FORMATS.md, "Remote layout"):
 *
 * <pre>
 * &lt;segment&gt;                                                              a full (closed) segment
 * &lt;segment&gt;_&lt;gen:08x&gt;_&lt;flush LSN:016X&gt;_&lt;commit LSN:016X&gt;_node&lt;id&gt;.partial    the open segment's prefix
 * </pre>
 *
 * where {@code <segment>} is the local segment file name {@code <start LSN:016X>.wal}. A partial holds the
 * segment's bytes (header and frames) up to its flush LSN.
 */
public sealed interface WalObjectName {
    /** The suffix of partial segment objects. */
    String PARTIAL_SUFFIX = ".partial";

    /** Where the segment starts in the log. */
    Lsn segmentStart();

    /** The object's name under the timeline's {@code wal/} prefix. */
    String objectName();

    /** A closed segment, uploaded whole. */
    record Full(Lsn segmentStart) implements WalObjectName {
        public Full {
            requireNonNull(segmentStart, "segmentStart is null");
        }

        @Override
        public String objectName() {
            return Wal.segmentFileName(segmentStart);
        }
    }

    /**
     * The open segment up to {@code flushLsn}, uploaded by the attachment of {@code generation} on node
     * {@code nodeId}.
     *
     * @param commitLsn the last acknowledged commit LSN the object holds (not above {@code flushLsn})
     */
    record Partial(Lsn segmentStart, Generation generation, Lsn flushLsn, Lsn commitLsn, long nodeId)
            implements WalObjectName {
        public Partial {
            requireNonNull(segmentStart, "segmentStart is null");
            requireNonNull(generation, "generation is null");
            requireNonNull(flushLsn, "flushLsn is null");
            requireNonNull(commitLsn, "commitLsn is null");
            if (generation.isNone()) {
                throw new IllegalArgumentException("a partial WAL segment needs a generation");
            }
            if (flushLsn.isBefore(segmentStart) || commitLsn.isAfter(flushLsn)) {
                throw new IllegalArgumentException("partial WAL segment at " + segmentStart + ": flush LSN " + flushLsn
                        + " and commit LSN " + commitLsn + " must satisfy start <= commit <= flush");
            }
            if (nodeId < 0) {
                throw new IllegalArgumentException("node id must not be negative, got " + nodeId);
            }
        }

        @Override
        public String objectName() {
            return Wal.segmentFileName(segmentStart) + String.format(Locale.ROOT, "_%08x_%s_%s_node%d",
                    generation.value(), flushLsn.toFileName(), commitLsn.toFileName(), nodeId) + PARTIAL_SUFFIX;
        }
    }

    /** Parses an object name (without the prefix); empty for any name that is not a WAL object of this layout. */
    static Optional<WalObjectName> parse(String name) {
        requireNonNull(name, "name is null");
        int underscore = name.indexOf('_');
        Lsn start = Wal.parseSegmentFileName(underscore < 0 ? name : name.substring(0, underscore));
        if (start == null) {
            return Optional.empty();
        }
        if (underscore < 0) {
            return Optional.of(new Full(start));
        }
        if (!name.endsWith(PARTIAL_SUFFIX)) {
            return Optional.empty();
        }
        String[] parts = name.substring(underscore + 1, name.length() - PARTIAL_SUFFIX.length()).split("_", -1);
        if (parts.length != 4 || parts[0].length() != 8 || parts[1].length() != 16 || parts[2].length() != 16
                || !parts[3].startsWith("node") || parts[3].length() == 4) {
            return Optional.empty();
        }
        try {
            Generation generation = Generation.parseSuffix(parts[0]);
            Lsn flush = Lsn.parseFileName(parts[1]);
            Lsn commit = Lsn.parseFileName(parts[2]);
            long node = Long.parseLong(parts[3].substring(4));
            return Optional.of(new Partial(start, generation, flush, commit, node));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}

package dev.strata.core.walbackup;

import static java.util.Objects.requireNonNull;

import dev.strata.api.Generation;
import dev.strata.api.Lsn;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.remote.ByteRange;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.ObjectContent;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.core.io.DurableFiles;
import dev.strata.core.tiered.RemoteResources;
import dev.strata.core.wal.Wal;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Recovers a timeline's WAL from its backup in remote storage into an empty local WAL directory, so that
 * {@link Wal#open} verifies (every frame's CRC32C), cuts a torn tail of the last segment and replays it.
 *
 * <p>Which objects: starting with the newest segment that begins at or below {@code from} (the index's
 * disk-consistent LSN), every full segment that continues the log without a gap, then the newest usable partial
 * of the segment after the last one: of the partials of that segment, the highest generation not newer than the
 * attaching one, then the highest flush LSN. Partials of newer generations are never used. A partial becomes the segment file named by its
 * segment's start, holding its bytes (up to its flush LSN). When the chain ends with a full segment, an empty
 * segment is created where it ends, so the restored segments stay closed and a later upload of them finds the
 * same bytes in the bucket.
 *
 * <p><b>Gaps.</b> The chain never skips a segment: when no object continues it but later objects exist (a
 * segment was lost from the bucket), the restore stops at the gap, logs an error naming the missing segment and
 * how many bytes of backed-up WAL (from the gap to the end of the latest object) are not recovered, and reports
 * it in {@link Restored#gap()}.
 */
public final class WalRestore {
    private static final System.Logger LOG = System.getLogger(WalRestore.class.getName());

    /** Which partial recovery prefers: the highest generation, then the highest flush LSN. */
    static final Comparator<WalObjectName.Partial> PREFERENCE = Comparator
            .comparing(WalObjectName.Partial::generation)
            .thenComparing(WalObjectName.Partial::flushLsn)
            .thenComparing(WalObjectName.Partial::segmentStart);

    private WalRestore() {}

    /**
     * What was restored.
     *
     * @param fullSegments the full segments written into the directory, oldest first
     * @param partial      the partial used for the last segment, if any
     * @param end          where the restored objects end (before {@link Wal#open} checks them), or {@code from}
     *                     when nothing was restored
     */
    public record Restored(List<WalObjectName.Full> fullSegments, Optional<WalObjectName.Partial> partial, Lsn end,
                           Optional<Gap> gap) {
        public Restored {
            fullSegments = List.copyOf(fullSegments);
            requireNonNull(partial, "partial is null");
            requireNonNull(end, "end is null");
            requireNonNull(gap, "gap is null");
        }

        public boolean isEmpty() {
            return fullSegments.isEmpty() && partial.isEmpty();
        }
    }

    /**
     * A hole in the backed-up WAL that stopped a restore.
     *
     * @param missingSegment the start of the segment no object holds
     * @param backedUpEnd    where the latest object after the gap ends: the WAL from {@code missingSegment} to
     *                       here was backed up once but is not recovered
     */
    public record Gap(Lsn missingSegment, Lsn backedUpEnd) {
        public Gap {
            requireNonNull(missingSegment, "missingSegment is null");
            requireNonNull(backedUpEnd, "backedUpEnd is null");
            if (backedUpEnd.isBefore(missingSegment)) {
                throw new IllegalArgumentException("a gap at " + missingSegment + " cannot end before it, at " + backedUpEnd);
            }
        }

        /** The name of the missing segment object. */
        public String missingObject() {
            return Wal.segmentFileName(missingSegment);
        }

        /** How many bytes (LSNs) of backed-up WAL lie past the gap and are not recovered. */
        public long bytesNotRecovered() {
            return backedUpEnd.value() - missingSegment.value();
        }
    }

    /**
     * Writes the backed-up WAL of a timeline from {@code from} on into {@code walDirectory}, which must exist and
     * be empty. Each file is written as a temp file, forced and renamed into place; the directory is forced at
     * the end. On failure, what was written is removed again.
     *
     * @param generation the attaching generation: partials of newer generations are ignored
     * @throws IOException when the directory is not empty, or listing or a download fails
     */
    public static Restored restore(RemoteResources remote, TenantId tenantId, TimelineId timelineId, Generation generation,
                                   Lsn from, Path walDirectory) throws IOException {
        requireNonNull(remote, "remote is null");
        requireNonNull(tenantId, "tenantId is null");
        requireNonNull(timelineId, "timelineId is null");
        requireNonNull(generation, "generation is null");
        requireNonNull(from, "from is null");
        requireNonNull(walDirectory, "walDirectory is null");
        try (Stream<Path> entries = Files.list(walDirectory)) {
            if (entries.findAny().isPresent()) {
                throw new IOException("cannot restore the WAL of timeline " + timelineId + " into " + walDirectory
                        + ": the directory is not empty");
            }
        }
        String prefix = remote.layout().walPrefix(tenantId, timelineId);
        TreeMap<Lsn, ObjectMetadata> fulls = new TreeMap<>();
        Map<WalObjectName.Partial, ObjectMetadata> partials = new HashMap<>();
        for (ObjectMetadata object : remote.storage().listAll(prefix, CallContext.NONE)) {
            Optional<WalObjectName> name = WalObjectName.parse(object.key().substring(prefix.length()));
            if (name.isEmpty()) {
                continue;
            }
            switch (name.get()) {
                case WalObjectName.Full full -> fulls.put(full.segmentStart(), object);
                case WalObjectName.Partial partial -> {
                    if (partial.generation().compareTo(generation) <= 0) {
                        partials.put(partial, object);
                    }
                }
            }
        }
        TreeSet<Lsn> starts = new TreeSet<>(fulls.keySet());
        partials.keySet().forEach(partial -> starts.add(partial.segmentStart()));
        Lsn start = starts.floor(from);
        if (start == null) {
            if (!starts.isEmpty()) {
                // The segment holding `from` is gone, later ones exist.
                Gap gap = new Gap(from, Lsn.max(from, latestEnd(fulls, partials)));
                logGap(tenantId, timelineId, generation, gap, "the segment that holds " + from);
                return new Restored(List.of(), Optional.empty(), from, Optional.of(gap));
            }
            LOG.log(Level.INFO, "tenant {0} timeline {1}: no backed-up WAL at or before {2}", tenantId, timelineId, from);
            return new Restored(List.of(), Optional.empty(), from, Optional.empty());
        }
        List<WalObjectName.Full> restoredFull = new ArrayList<>();
        WalObjectName.Partial usedPartial = null;
        Gap gap = null;
        Lsn cursor = start;
        Lsn end = from;
        boolean success = false;
        try {
            while (true) {
                ObjectMetadata full = fulls.get(cursor);
                if (full != null) {
                    Lsn fullEnd;
                    try {
                        fullEnd = Wal.segmentEnd(cursor, full.size());
                    } catch (IllegalArgumentException e) {
                        // Too short to be a segment: as if it were missing.
                        gap = gapAfter(cursor, fulls, partials);
                        break;
                    }
                    download(remote, full.key(), walDirectory.resolve(Wal.segmentFileName(cursor)));
                    restoredFull.add(new WalObjectName.Full(cursor));
                    end = fullEnd;
                    if (!fullEnd.isAfter(cursor)) {
                        break;
                    }
                    cursor = fullEnd;
                    continue;
                }
                Lsn segment = cursor;
                Optional<WalObjectName.Partial> best = partials.keySet().stream()
                        .filter(partial -> partial.segmentStart().equals(segment)).max(PREFERENCE);
                if (best.isPresent()) {
                    usedPartial = best.get();
                    download(remote, partials.get(usedPartial).key(), walDirectory.resolve(Wal.segmentFileName(cursor)));
                    end = usedPartial.flushLsn();
                } else {
                    gap = gapAfter(cursor, fulls, partials);
                }
                break;
            }
            if (usedPartial == null && !restoredFull.isEmpty()) {
                Wal.createEmptySegment(walDirectory, end);
            }
            DurableFiles.fsyncDirectory(walDirectory);
            success = true;
        } finally {
            if (!success) {
                DurableFiles.deleteRecursively(walDirectory);
                Files.createDirectories(walDirectory);
            }
        }
        LOG.log(Level.INFO, "tenant {0} timeline {1} generation {2}: restored {3} full WAL segments and {4} from"
                + " remote storage, up to {5}", tenantId, timelineId, generation, restoredFull.size(),
                usedPartial == null ? "no partial" : "partial " + usedPartial.objectName(), end);
        if (gap != null) {
            logGap(tenantId, timelineId, generation, gap, "segment " + gap.missingObject());
        }
        return new Restored(restoredFull, Optional.ofNullable(usedPartial), end, Optional.ofNullable(gap));
    }

    /** The gap at {@code cursor} when any usable object lies after it; null when the backup simply ends there. */
    private static Gap gapAfter(Lsn cursor, TreeMap<Lsn, ObjectMetadata> fulls,
                                Map<WalObjectName.Partial, ObjectMetadata> partials) {
        boolean later = fulls.higherKey(cursor) != null
                || partials.keySet().stream().anyMatch(partial -> partial.segmentStart().isAfter(cursor));
        return later ? new Gap(cursor, Lsn.max(cursor, latestEnd(fulls, partials))) : null;
    }

    /** Where the latest backed-up object ends: a full segment by its size, a partial by its flush LSN. */
    private static Lsn latestEnd(TreeMap<Lsn, ObjectMetadata> fulls, Map<WalObjectName.Partial, ObjectMetadata> partials) {
        Lsn latest = Lsn.INVALID;
        for (Map.Entry<Lsn, ObjectMetadata> full : fulls.entrySet()) {
            try {
                latest = Lsn.max(latest, Wal.segmentEnd(full.getKey(), full.getValue().size()));
            } catch (IllegalArgumentException e) {
                latest = Lsn.max(latest, full.getKey());
            }
        }
        for (WalObjectName.Partial partial : partials.keySet()) {
            latest = Lsn.max(latest, partial.flushLsn());
        }
        return latest;
    }

    private static void logGap(TenantId tenantId, TimelineId timelineId, Generation generation, Gap gap, String missing) {
        LOG.log(Level.ERROR, "tenant {0} timeline {1} generation {2}: the backed-up WAL has a gap: {3} is missing from"
                + " remote storage; restore stops at {4}, and the {5,number,#} bytes of backed-up WAL from {4} to {6} are not"
                + " recovered", tenantId, timelineId, generation, missing, gap.missingSegment(), gap.bytesNotRecovered(),
                gap.backedUpEnd());
    }

    private static void download(RemoteResources remote, String key, Path target) throws IOException {
        Path temp = target.resolveSibling(target.getFileName() + DurableFiles.TEMP_SUFFIX);
        boolean success = false;
        try {
            remote.nodeConcurrency().acquireUninterruptibly();
            try (ObjectContent content = remote.storage().get(key, ByteRange.WHOLE, Optional.empty(), CallContext.NONE);
                 FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                InputStream in = content.stream();
                OutputStream out = Channels.newOutputStream(channel);
                in.transferTo(out);
                channel.force(true);
            } finally {
                remote.nodeConcurrency().release();
            }
            DurableFiles.renameNoReplace(temp, target);
            success = true;
        } finally {
            if (!success) {
                Files.deleteIfExists(temp);
            }
        }
    }
}

package dev.strata.core.timeline;

import dev.strata.api.Generation;
import dev.strata.api.LayerFileName;
import dev.strata.api.LayerName;
import dev.strata.api.Lsn;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.core.index.IndexPart;
import dev.strata.core.index.LayerMetadata;
import dev.strata.core.io.DurableFiles;
import dev.strata.core.tiered.LoadedIndex;
import dev.strata.core.tiered.RemoteResources;
import dev.strata.core.tiered.RemoteTimelineClient;
import dev.strata.core.tenant.TenantConfig;
import dev.strata.core.wal.CorruptWalException;
import dev.strata.core.wal.Wal;
import dev.strata.core.walbackup.WalBackup;
import dev.strata.core.walbackup.WalBackupScheduler;
import dev.strata.core.walbackup.WalBackupState;
import dev.strata.core.walbackup.WalObjectName;
import dev.strata.core.walbackup.WalRestore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Turns a timeline directory (and, with remote storage, the remote index) into a loaded {@link Timeline}:
 * sweeps what a crash left, reconciles layer files against the index, opens the WAL and replays it.
 */
final class TimelineLoader {
    /**
     * The file, in the timeline directory, naming the generation ({@code %08x}) the local WAL was last written
     * under; see {@link #continuesLocalWal}.
     */
    static final String WAL_GENERATION_FILE = "wal_generation";
    private static final System.Logger LOG = System.getLogger(TimelineLoader.class.getName());
    private static final String TEMP_DOWNLOAD_SUFFIX = RemoteTimelineClient.TEMP_DOWNLOAD_SUFFIX;
    private static final String EPHEMERAL_PREFIX = "ephemeral-";

    private TimelineLoader() {}

    /** Loads from the local index; every listed layer must be on disk with its listed size. */
    static Timeline loadLocal(TenantId tenantId, TimelineId timelineId, Path directory, Generation generation,
                              TimelineSettings settings, TimelineResources resources, Timeline ancestor) throws IOException {
        IndexPart index = Timeline.readIndex(directory);
        checkAncestor(timelineId, index, ancestor);
        Map<LayerFileName, Path> present = sweep(directory, timelineId, index);
        for (Map.Entry<LayerName, LayerMetadata> entry : index.layers().entrySet()) {
            LayerFileName fileName = new LayerFileName(entry.getKey(), entry.getValue().generation());
            Path path = present.get(fileName);
            if (path == null) {
                throw new IOException("layer " + fileName.localFileName() + " listed in "
                        + directory.resolve(Timeline.INDEX_FILE) + " is missing");
            }
            long size = Files.size(path);
            if (size != entry.getValue().fileSize()) {
                throw new IOException("layer " + path + " has " + size + " bytes, the index says " + entry.getValue().fileSize());
            }
        }
        Wal wal = Wal.open(directory.resolve(Timeline.WAL_DIRECTORY), index.diskConsistentLsn(), settings.wal(),
                resources.io(), resources.failpoints());
        Timeline timeline = Timeline.assemble(tenantId, timelineId, directory, generation, settings, resources, ancestor,
                index, List.of(), wal);
        return finish(timeline, index, present, null);
    }

    /** Loads with the remote index as the truth; see {@link Timeline#attach}. */
    static Timeline attach(TenantId tenantId, TimelineId timelineId, Path directory, Generation generation,
                           TimelineSettings settings, TimelineResources resources, Timeline ancestor, LoadedIndex loaded,
                           RemoteResources remote) throws IOException {
        IndexPart remoteIndex = loaded.index();
        checkAncestor(timelineId, remoteIndex, ancestor);
        Lsn diskConsistent = remoteIndex.diskConsistentLsn();
        NavigableMap<LayerName, LayerMetadata> kept = new TreeMap<>();
        List<LayerFileName> future = new ArrayList<>();
        for (Map.Entry<LayerName, LayerMetadata> entry : remoteIndex.layers().entrySet()) {
            // Delta ends are exclusive and an image's end is its LSN plus one: past dcl + 1 means it holds
            // records the index does not vouch for.
            if (entry.getKey().lsnEnd().value() > diskConsistent.value() + 1) {
                future.add(new LayerFileName(entry.getKey(), entry.getValue().generation()));
            } else {
                kept.put(entry.getKey(), entry.getValue());
            }
        }
        IndexPart index = future.isEmpty() ? remoteIndex : remoteIndex.withLayers(kept, diskConsistent);
        Files.createDirectories(directory);
        Map<LayerFileName, Path> present = sweep(directory, timelineId, index);
        for (Map.Entry<LayerFileName, Path> entry : List.copyOf(present.entrySet())) {
            long listed = index.layers().get(entry.getKey().name()).fileSize();
            long size = Files.size(entry.getValue());
            if (size != listed) {
                LOG.log(System.Logger.Level.WARNING, "tenant {0} timeline {1}: layer {2} has {3} bytes, the remote index says {4};"
                        + " deleting it, it will be downloaded again", tenantId, timelineId, entry.getValue(), size, listed);
                Files.delete(entry.getValue());
                present.remove(entry.getKey());
            }
        }
        Path walDirectory = directory.resolve(Timeline.WAL_DIRECTORY);
        boolean ownIndex = loaded.generation().equals(generation);
        boolean localWalTrusted = hasFiles(walDirectory)
                && (ownIndex || continuesLocalWal(tenantId, timelineId, directory, loaded.generation(), generation, remote));
        if (!localWalTrusted && Files.exists(walDirectory)) {
            // Another attachment may have written past this WAL's records since: they would be replayed on top
            // of its layers. What this node wrote under its older generation was uploaded before it handed over.
            LOG.log(System.Logger.Level.INFO, "tenant {0} timeline {1}: index is from generation {2}, not ours ({3}),"
                    + " and the local WAL is not its continuation; not using the local WAL", tenantId, timelineId,
                    loaded.generation(), generation);
            DurableFiles.deleteRecursively(walDirectory);
        }
        Files.createDirectories(walDirectory);
        boolean restored = false;
        if (!localWalTrusted && resources.walBackup() != null) {
            restored = !WalRestore.restore(remote, tenantId, timelineId, generation, diskConsistent, walDirectory).isEmpty();
        }
        Wal wal;
        try {
            wal = Wal.open(walDirectory, diskConsistent, settings.wal(), resources.io(), resources.failpoints());
        } catch (CorruptWalException e) {
            if (!restored) {
                throw e;
            }
            // A damaged backup must not keep the timeline from attaching: what the layers hold is still served.
            LOG.log(System.Logger.Level.ERROR, "tenant {0} timeline {1}: the WAL restored from remote storage is"
                    + " corrupt ({2}); starting a new WAL at {3}", tenantId, timelineId, e.getMessage(), diskConsistent);
            DurableFiles.deleteRecursively(walDirectory);
            Files.createDirectories(walDirectory);
            wal = Wal.open(walDirectory, diskConsistent, settings.wal(), resources.io(), resources.failpoints());
        }
        if (wal.endLsn().isBefore(diskConsistent)) {
            LOG.log(System.Logger.Level.WARNING, "tenant {0} timeline {1}: local WAL ends at {2}, before the remote index''s {3};"
                    + " starting a new WAL", tenantId, timelineId, wal.endLsn(), diskConsistent);
            wal.close();
            DurableFiles.deleteRecursively(walDirectory);
            Files.createDirectories(walDirectory);
            wal = Wal.open(walDirectory, diskConsistent, settings.wal(), resources.io(), resources.failpoints());
        }
        DurableFiles.writeAtomically(directory.resolve(Timeline.INDEX_FILE), index.toJson());
        // Before the claim below and before any write: from here on the WAL holds this generation's records.
        writeWalGeneration(directory, generation);
        Timeline timeline = Timeline.assemble(tenantId, timelineId, directory, generation, settings, resources, ancestor,
                index, List.of(), wal);
        RemoteTimelineClient client = new RemoteTimelineClient(tenantId, timelineId, generation, directory, remote,
                resources.failpoints(), remoteIndex, timeline::remoteIndexUploaded);
        boolean claim = !ownIndex || !future.isEmpty();
        return finish(timeline, index, present, () -> {
            timeline.connectRemote(client);
            startWalBackup(timeline, remote);
            if (claim) {
                // Uploading under our generation first means a restart finds our own index and trusts our WAL.
                client.scheduleIndexUpload(index);
                client.scheduleDeletion(future);
                client.waitCompletion(remote.barrierTimeout());
            }
        });
    }

    /**
     * Connects a just-created timeline to remote storage and uploads its first index; without that upload the
     * timeline does not exist, so a failure removes the local directory again.
     */
    static void publishNew(Timeline timeline, RemoteResources remote) throws IOException {
        RemoteTimelineClient client = new RemoteTimelineClient(timeline.tenantId(), timeline.timelineId(),
                timeline.generation(), timeline.directory(), remote, timeline.resources().failpoints(), timeline.index(),
                timeline::remoteIndexUploaded);
        timeline.connectRemote(client);
        boolean success = false;
        try {
            writeWalGeneration(timeline.directory(), timeline.generation());
            client.scheduleIndexUpload(timeline.index());
            client.waitCompletion(remote.barrierTimeout());
            startWalBackup(timeline, remote);
            success = true;
        } catch (IOException e) {
            throw new EngineException.Unavailable("timeline " + timeline.timelineId() + " was not created: its first index"
                    + " could not be uploaded: " + e.getMessage());
        } finally {
            if (!success) {
                timeline.close(false);
                timeline.detachFromAncestor();
                DurableFiles.deleteDirectoryDurably(timeline.directory());
            }
        }
    }

    /** Connects, installs the layers, replays the WAL and publishes the timeline; closes it on failure. */
    private static Timeline finish(Timeline timeline, IndexPart index, Map<LayerFileName, Path> present,
                                   RemoteStep connect) throws IOException {
        boolean success = false;
        try {
            List<PersistentLayer> layers = new ArrayList<>();
            for (Map.Entry<LayerName, LayerMetadata> entry : index.layers().entrySet()) {
                LayerFileName fileName = new LayerFileName(entry.getKey(), entry.getValue().generation());
                Path path = present.get(fileName);
                layers.add(path == null ? timeline.evictedLayer(fileName, entry.getValue().fileSize())
                        : timeline.residentLayer(fileName, entry.getValue().fileSize(), path));
            }
            timeline.installLayers(layers);
            if (connect != null) {
                connect.run();
            }
            timeline.replayWal();
            timeline.registerWithAncestor();
            success = true;
            return timeline;
        } finally {
            if (!success) {
                timeline.close(false);
            }
        }
    }

    /**
     * Starts backing up the timeline's WAL when the node does (the remote client is connected): reconciles the
     * backup state with the bucket and registers with the node's scheduler.
     */
    private static void startWalBackup(Timeline timeline, RemoteResources remote) throws IOException {
        WalBackupScheduler scheduler = timeline.resources().walBackup();
        if (scheduler == null) {
            return;
        }
        RemoteTimelineClient client = timeline.remote();
        Path tenantDirectory = timeline.directory().getParent().getParent();
        WalBackup backup = WalBackup.open(timeline.tenantId(), timeline.timelineId(), timeline.generation(),
                timeline.directory(), timeline.wal(), remote, timeline.resources().failpoints(), scheduler.options(),
                client::visibleRemoteConsistentLsn, () -> currentGeneration(tenantDirectory));
        timeline.connectWalBackup(backup);
        scheduler.register(backup);
    }

    /** The tenant's generation as its stored configuration says now. */
    private static Generation currentGeneration(Path tenantDirectory) {
        try {
            return TenantConfig.read(tenantDirectory).generation();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Whether the local WAL continues the bucket's index although that index is from another generation than the
     * attaching one: true when this node's WAL was last written under a generation no older than the index's
     * ({@link #WAL_GENERATION_FILE}), so no other attachment uploaded an index after it, and no other generation
     * between that one and ours left a partial WAL segment (its attachment may have acknowledged writes). That is
     * the restart of a node whose control plane hands out a new generation at every start: its acknowledged
     * writes past the last upload are only in this WAL, and discarding it would lose them.
     */
    private static boolean continuesLocalWal(TenantId tenantId, TimelineId timelineId, Path directory,
                                             Generation indexGeneration, Generation generation, RemoteResources remote)
            throws IOException {
        Optional<Generation> written = readWalGeneration(directory);
        if (written.isEmpty() || indexGeneration.compareTo(written.get()) > 0 || written.get().compareTo(generation) >= 0) {
            return false;
        }
        String prefix = remote.layout().walPrefix(tenantId, timelineId);
        for (ObjectMetadata object : remote.storage().listAll(prefix, CallContext.NONE)) {
            if (WalObjectName.parse(object.key().substring(prefix.length())).orElse(null) instanceof WalObjectName.Partial partial
                    && partial.generation().compareTo(written.get()) > 0 && partial.generation().compareTo(generation) < 0) {
                LOG.log(System.Logger.Level.WARNING, "tenant {0} timeline {1}: generation {2} wrote WAL ({3}) after this"
                        + " node''s WAL of generation {4}; using the backed-up WAL instead", tenantId, timelineId,
                        partial.generation(), partial.objectName(), written.get());
                return false;
            }
        }
        return true;
    }

    /** The generation the timeline's local WAL was last written under, if recorded. */
    private static Optional<Generation> readWalGeneration(Path directory) throws IOException {
        Path file = directory.resolve(WAL_GENERATION_FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        String text = Files.readString(file).strip();
        try {
            return Optional.of(Generation.parseSuffix(text));
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.WARNING, "{0} holds {1}, not a generation; treating the local WAL as foreign", file, text);
            return Optional.empty();
        }
    }

    private static void writeWalGeneration(Path directory, Generation generation) throws IOException {
        if (generation.isNone()) {
            return;
        }
        String text = String.format(java.util.Locale.ROOT, "%08x", generation.value());
        Path file = directory.resolve(WAL_GENERATION_FILE);
        if (Files.exists(file) && Files.readString(file).strip().equals(text)) {
            return;
        }
        DurableFiles.writeAtomically(file, text.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    private static boolean hasFiles(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.findAny().isPresent();
        }
    }

    @FunctionalInterface
    private interface RemoteStep {
        void run() throws IOException;
    }

    private static void checkAncestor(TimelineId timelineId, IndexPart index, Timeline ancestor) throws IOException {
        TimelineId expected = index.metadata().ancestorTimeline();
        if (!Objects.equals(expected, ancestor == null ? null : ancestor.timelineId())) {
            throw new IOException("timeline " + timelineId + " names ancestor " + expected + " but was loaded with "
                    + (ancestor == null ? "none" : ancestor.timelineId()));
        }
    }

    /**
     * Removes temp, download and spill files a crash left and layer files {@code index} does not list (written
     * but never made part of the timeline); refuses any file the node did not write (INVARIANTS 5).
     *
     * @return the listed layer files present, by name and generation
     */
    private static Map<LayerFileName, Path> sweep(Path directory, TimelineId timelineId, IndexPart index) throws IOException {
        Map<LayerFileName, Path> present = new TreeMap<>(java.util.Comparator.comparing(LayerFileName::name));
        try (Stream<Path> entries = Files.list(directory)) {
            for (Path path : entries.toList()) {
                String name = path.getFileName().toString();
                if (name.equals(Timeline.INDEX_FILE) || name.equals(Timeline.WAL_DIRECTORY)
                        || name.equals(WalBackupState.FILE_NAME) || name.equals(WAL_GENERATION_FILE)) {
                    continue;
                }
                if (name.endsWith(DurableFiles.TEMP_SUFFIX) || name.endsWith(TEMP_DOWNLOAD_SUFFIX)
                        || name.startsWith(EPHEMERAL_PREFIX)) {
                    DurableFiles.deleteRecursively(path);
                    continue;
                }
                LayerFileName fileName;
                try {
                    fileName = LayerFileName.parse(name);
                } catch (IllegalArgumentException e) {
                    throw new IOException("unknown file " + path + " in timeline directory; refusing to load timeline "
                            + timelineId + " (" + e.getMessage() + ")");
                }
                LayerMetadata listed = index.layers().get(fileName.name());
                if (listed == null || !listed.generation().equals(fileName.generation())) {
                    Files.delete(path);
                    continue;
                }
                present.put(fileName, path);
            }
        }
        DurableFiles.fsyncDirectory(directory);
        return present;
    }
}

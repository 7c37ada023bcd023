package dev.strata.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.strata.api.Durations;
import dev.strata.core.layer.LayerWriteOptions;
import dev.strata.core.remote.RemoteStorageConfig;
import dev.strata.core.tenant.SecondaryOptions;
import dev.strata.core.tiered.EvictionPolicy;
import dev.strata.core.timeline.InMemoryBudget;
import dev.strata.core.timeline.TimelineSettings;
import dev.strata.core.wal.Durability;
import dev.strata.core.wal.WalOptions;
import dev.strata.core.walbackup.WalBackupOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The node configuration, read from {@code <workdir>/strata.toml}. Every key is optional and has the
 * default of {@link #DEFAULT}; {@link #defaultFile()} writes them all with their meaning. Reading rejects
 * unknown keys (a typo must not silently fall back to a default) and names the key and value that are wrong.
 *
 * @param nodeId this node's numeric id
 * @param listenHost address of the HTTP API
 * @param listenPort port of the HTTP API; 0 picks a free one
 * @param maxRequestBytes largest request body accepted
 * @param blockCacheBytes capacity of the node-wide block cache
 * @param backgroundThreads threads for flush, compaction and GC
 * @param tenantDefaults settings every timeline starts with
 * @param authPublicKeyFile public keys that verify bearer tokens (JWK set or PEM); null turns auth off,
 *                          which is allowed only on a loopback address
 * @param remoteStorage the {@code [remote_storage]} section, or null for a node that keeps everything locally
 * @param eviction when layer files that remote storage holds leave the local disk ({@code [eviction]})
 * @param walBackup how the WAL is backed up to remote storage ({@code [wal_backup]}); its node id is
 *                  {@code nodeId}
 * @param controlPlane the {@code [control_plane]} and {@code [deletion]} sections, or null for a node that is the
 *                     only writer of its bucket (deletions at once, no re-attach)
 * @param secondary heatmap uploads and Secondary warm copies ({@code [secondary]})
 * @param inMemoryLayerBytes node-wide budget of in-memory layers; 0 for half of what the heap holds beside the
 *                           block cache
 */
public record NodeConfig(long nodeId, String listenHost, int listenPort, long maxRequestBytes, long blockCacheBytes,
                         int backgroundThreads, TimelineSettings tenantDefaults, Path authPublicKeyFile,
                         RemoteStorageConfig remoteStorage, EvictionPolicy eviction, WalBackupOptions walBackup,
                         ControlPlaneConfig controlPlane, SecondaryOptions secondary, long inMemoryLayerBytes) {
    public static final String FILE = "strata.toml";
    public static final NodeConfig DEFAULT = new NodeConfig(1, "127.0.0.1", 9898, 64L << 20, 256L << 20, 2,
            TimelineSettings.DEFAULT, null, null, EvictionPolicy.DEFAULT, WalBackupOptions.DEFAULT.withNodeId(1), null,
            SecondaryOptions.DEFAULT, 0);

    private static final TomlMapper TOML = new TomlMapper();
    private static final Set<String> TOP_LEVEL = Set.of("node_id", "listen_http", "max_request_bytes", "block_cache_bytes",
            "background_threads", "in_memory_layer_bytes", "tenant_defaults", "auth", RemoteStorageConfig.SECTION, "eviction",
            "wal_backup", ControlPlaneConfig.SECTION, ControlPlaneConfig.DELETION_SECTION, "secondary");
    private static final Set<String> SECONDARY_KEYS = Set.of("heatmap_upload_period", "download_period",
            "max_concurrent_downloads");
    private static final Set<String> WAL_BACKUP_KEYS = Set.of("enabled", "partial_interval", "max_concurrent_uploads");
    private static final Set<String> EVICTION_KEYS = Set.of("period", "idle_threshold", "max_usage_percent",
            "min_free_bytes", "min_residence");
    private static final Set<String> AUTH_KEYS = Set.of("public_key_file");
    private static final Set<String> TENANT_KEYS = Set.of("checkpoint_distance", "checkpoint_timeout", "max_frozen_layers",
            "compaction_threshold", "compaction_target_size", "image_creation_threshold", "gc_horizon", "pitr_interval",
            "wal_segment_size", "wal_spare_segments", "durability", "compress", "gc_period");

    /** The {@code wal_spare_segments} value, checked against the range {@link WalOptions} accepts. */
    private static int spareSegments(long value) {
        if (value < 0 || value > WalOptions.MAX_SPARE_SEGMENTS) {
            throw new IllegalArgumentException("tenant_defaults.wal_spare_segments must be 0 to "
                    + WalOptions.MAX_SPARE_SEGMENTS + ", got " + value);
        }
        return (int) value;
    }

    public NodeConfig {
        Objects.requireNonNull(listenHost, "listenHost is null");
        Objects.requireNonNull(tenantDefaults, "tenantDefaults is null");
        Objects.requireNonNull(eviction, "eviction is null");
        Objects.requireNonNull(walBackup, "walBackup is null");
        Objects.requireNonNull(secondary, "secondary is null");
        if (nodeId < 0) {
            throw new IllegalArgumentException("node_id must not be negative, got " + nodeId);
        }
        walBackup = walBackup.withNodeId(nodeId);
        if (listenPort < 0 || listenPort > 65535) {
            throw new IllegalArgumentException("listen_http port must be 0 to 65535, got " + listenPort);
        }
        if (maxRequestBytes < 1024) {
            throw new IllegalArgumentException("max_request_bytes must be at least 1024, got " + maxRequestBytes);
        }
        if (blockCacheBytes < 0) {
            throw new IllegalArgumentException("block_cache_bytes must not be negative, got " + blockCacheBytes);
        }
        if (backgroundThreads < 1) {
            throw new IllegalArgumentException("background_threads must be at least 1, got " + backgroundThreads);
        }
        if (inMemoryLayerBytes != 0 && inMemoryLayerBytes < InMemoryBudget.MIN_LIMIT_BYTES) {
            throw new IllegalArgumentException("in_memory_layer_bytes must be 0 (the default) or at least "
                    + InMemoryBudget.MIN_LIMIT_BYTES + ", got " + inMemoryLayerBytes);
        }
        if (authPublicKeyFile == null && !isLoopback(listenHost)) {
            throw new IllegalArgumentException("listen_http " + listenHost + ":" + listenPort
                    + " is not a loopback address, so auth.public_key_file must be set (auth is off only on 127.0.0.1)");
        }
    }

    /** A configuration with the default {@code [secondary]} section. */
    public NodeConfig(long nodeId, String listenHost, int listenPort, long maxRequestBytes, long blockCacheBytes,
                      int backgroundThreads, TimelineSettings tenantDefaults, Path authPublicKeyFile,
                      RemoteStorageConfig remoteStorage, EvictionPolicy eviction, WalBackupOptions walBackup,
                      ControlPlaneConfig controlPlane) {
        this(nodeId, listenHost, listenPort, maxRequestBytes, blockCacheBytes, backgroundThreads, tenantDefaults,
                authPublicKeyFile, remoteStorage, eviction, walBackup, controlPlane, SecondaryOptions.DEFAULT, 0);
    }

    private static boolean isLoopback(String host) {
        return host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1") || host.startsWith("127.");
    }

    public String listenAddress() {
        return listenHost + ":" + listenPort;
    }

    public NodeConfig withListen(String host, int port) {
        return new NodeConfig(nodeId, host, port, maxRequestBytes, blockCacheBytes, backgroundThreads, tenantDefaults,
                authPublicKeyFile, remoteStorage, eviction, walBackup, controlPlane, secondary, inMemoryLayerBytes);
    }

    /**
     * Reads {@code <workdir>/strata.toml}; a missing file means every default. A relative
     * {@code auth.public_key_file}, and a relative {@code root} of the localfs backend, are resolved against the
     * work directory.
     */
    public static NodeConfig load(Path workdir) throws ConfigException {
        Path file = workdir.resolve(FILE);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return DEFAULT;
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + ": " + e.getMessage(), e);
        }
        NodeConfig config = parse(file.toString(), bytes);
        Path keyFile = config.authPublicKeyFile();
        if (keyFile != null && !keyFile.isAbsolute()) {
            keyFile = workdir.resolve(keyFile);
        }
        RemoteStorageConfig remote = config.remoteStorage();
        if (remote != null && remote.provider().equals("localfs") && remote.settings().containsKey("root")
                && !Path.of(remote.settings().get("root")).isAbsolute()) {
            remote = remote.with("root", workdir.resolve(remote.settings().get("root")).toString());
        }
        return new NodeConfig(config.nodeId(), config.listenHost(), config.listenPort(), config.maxRequestBytes(),
                config.blockCacheBytes(), config.backgroundThreads(), config.tenantDefaults(), keyFile, remote,
                config.eviction(), config.walBackup(), config.controlPlane(), config.secondary(), config.inMemoryLayerBytes());
    }

    /** Parses TOML; {@code source} names the file in messages. */
    public static NodeConfig parse(String source, byte[] toml) throws ConfigException {
        JsonNode root;
        try {
            root = TOML.readTree(toml);
        } catch (IOException e) {
            throw new ConfigException(source + " is not valid TOML: " + e.getMessage(), e);
        }
        if (root == null) {
            return DEFAULT;
        }
        Reader reader = new Reader(source);
        reader.rejectUnknown(root, TOP_LEVEL, "");
        JsonNode tenant = root.path("tenant_defaults");
        if (!tenant.isMissingNode()) {
            if (!tenant.isObject()) {
                throw new ConfigException(source + ": 'tenant_defaults' must be a table");
            }
            reader.rejectUnknown(tenant, TENANT_KEYS, "tenant_defaults.");
        }
        JsonNode auth = root.path("auth");
        if (!auth.isMissingNode()) {
            if (!auth.isObject()) {
                throw new ConfigException(source + ": 'auth' must be a table");
            }
            reader.rejectUnknown(auth, AUTH_KEYS, "auth.");
        }
        String keyFile = reader.text(auth, "public_key_file", null);
        RemoteStorageConfig remote = null;
        JsonNode remoteSection = root.path(RemoteStorageConfig.SECTION);
        if (!remoteSection.isMissingNode()) {
            try {
                remote = RemoteStorageConfig.fromSection(source, remoteSection);
            } catch (dev.strata.api.remote.ConfigException e) {
                throw new ConfigException(e.getMessage(), e);
            }
        }
        ControlPlaneConfig controlPlane = null;
        JsonNode controlPlaneSection = root.path(ControlPlaneConfig.SECTION);
        if (!controlPlaneSection.isMissingNode()) {
            controlPlane = ControlPlaneConfig.fromSections(source, controlPlaneSection, root.path(ControlPlaneConfig.DELETION_SECTION));
        } else if (!root.path(ControlPlaneConfig.DELETION_SECTION).isMissingNode()) {
            throw new ConfigException(source + ": [deletion] needs a [control_plane] section (without one, deletions"
                    + " happen at once)");
        }
        JsonNode evictionSection = root.path("eviction");
        if (!evictionSection.isMissingNode()) {
            if (!evictionSection.isObject()) {
                throw new ConfigException(source + ": 'eviction' must be a table");
            }
            reader.rejectUnknown(evictionSection, EVICTION_KEYS, "eviction.");
        }
        JsonNode walBackupSection = root.path("wal_backup");
        if (!walBackupSection.isMissingNode()) {
            if (!walBackupSection.isObject()) {
                throw new ConfigException(source + ": 'wal_backup' must be a table");
            }
            reader.rejectUnknown(walBackupSection, WAL_BACKUP_KEYS, "wal_backup.");
        }
        JsonNode secondarySection = root.path("secondary");
        if (!secondarySection.isMissingNode()) {
            if (!secondarySection.isObject()) {
                throw new ConfigException(source + ": 'secondary' must be a table");
            }
            reader.rejectUnknown(secondarySection, SECONDARY_KEYS, "secondary.");
        }
        TimelineSettings d = DEFAULT.tenantDefaults();
        String listen = reader.text(root, "listen_http", DEFAULT.listenAddress());
        int colon = listen.lastIndexOf(':');
        if (colon <= 0) {
            throw new ConfigException(source + ": key 'listen_http' = '" + listen + "' is not HOST:PORT");
        }
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ConfigException(source + ": key 'listen_http' = '" + listen + "' has no numeric port");
        }
        String durability = reader.text(tenant, "durability", "fsync").toLowerCase(Locale.ROOT);
        Durability mode = switch (durability) {
            case "fsync" -> Durability.FSYNC;
            case "periodic" -> Durability.PERIODIC;
            default -> throw new ConfigException(source + ": key 'tenant_defaults.durability' = '" + durability
                    + "': expected fsync or periodic");
        };
        try {
            TimelineSettings settings = new TimelineSettings(
                    reader.number(tenant, "checkpoint_distance", d.checkpointDistance()),
                    reader.duration(tenant, "checkpoint_timeout", d.checkpointTimeout()),
                    (int) reader.number(tenant, "max_frozen_layers", d.maxFrozenLayers()),
                    (int) reader.number(tenant, "compaction_threshold", d.compactionThreshold()),
                    reader.number(tenant, "compaction_target_size", d.compactionTargetSize()),
                    (int) reader.number(tenant, "image_creation_threshold", d.imageCreationThreshold()),
                    reader.number(tenant, "gc_horizon", d.gcHorizon()),
                    reader.duration(tenant, "pitr_interval", d.pitrInterval()),
                    new WalOptions(reader.number(tenant, "wal_segment_size", d.wal().segmentBytes()), mode,
                            d.wal().periodicInterval(),
                            spareSegments(reader.number(tenant, "wal_spare_segments", d.wal().spareSegments()))),
                    new LayerWriteOptions(d.layerWrite().targetBlockBytes(), reader.bool(tenant, "compress", false)),
                    reader.duration(tenant, "gc_period", d.gcPeriod()), d.evictionIdleThreshold());
            return new NodeConfig(reader.number(root, "node_id", DEFAULT.nodeId()), listen.substring(0, colon), port,
                    reader.number(root, "max_request_bytes", DEFAULT.maxRequestBytes()),
                    reader.number(root, "block_cache_bytes", DEFAULT.blockCacheBytes()),
                    (int) reader.number(root, "background_threads", DEFAULT.backgroundThreads()), settings,
                    keyFile == null ? null : Path.of(keyFile), remote, eviction(reader, evictionSection),
                    walBackup(reader, walBackupSection), controlPlane, secondary(reader, secondarySection),
                    reader.number(root, "in_memory_layer_bytes", DEFAULT.inMemoryLayerBytes()));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source + ": " + e.getMessage(), e);
        }
    }

    private static WalBackupOptions walBackup(Reader reader, JsonNode section) throws ConfigException {
        WalBackupOptions d = DEFAULT.walBackup();
        return new WalBackupOptions(reader.bool(section, "enabled", d.enabled()), d.nodeId(),
                reader.duration(section, "partial_interval", d.partialInterval()),
                (int) reader.number(section, "max_concurrent_uploads", d.maxConcurrentUploads()));
    }

    private static SecondaryOptions secondary(Reader reader, JsonNode section) throws ConfigException {
        SecondaryOptions d = SecondaryOptions.DEFAULT;
        return new SecondaryOptions(reader.duration(section, "heatmap_upload_period", d.heatmapUploadPeriod()),
                reader.duration(section, "download_period", d.downloadPeriod()),
                (int) reader.number(section, "max_concurrent_downloads", d.maxConcurrentDownloads()));
    }

    private static EvictionPolicy eviction(Reader reader, JsonNode section) throws ConfigException {
        EvictionPolicy d = EvictionPolicy.DEFAULT;
        return new EvictionPolicy(reader.duration(section, "period", d.period()),
                reader.duration(section, "idle_threshold", d.idleThreshold()),
                (int) reader.number(section, "max_usage_percent", d.maxUsagePercent()),
                reader.number(section, "min_free_bytes", d.minFreeBytes()),
                reader.duration(section, "min_residence", d.minResidence()));
    }

    /** Typed access to TOML values with messages that name the key. */
    private record Reader(String source) {
        void rejectUnknown(JsonNode table, Set<String> known, String prefix) throws ConfigException {
            for (Iterator<String> names = table.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!known.contains(name)) {
                    throw new ConfigException(source + ": unknown key '" + prefix + name + "'; known keys: "
                            + known.stream().sorted().toList());
                }
            }
        }

        long number(JsonNode table, String key, long fallback) throws ConfigException {
            JsonNode value = table.get(key);
            if (value == null) {
                return fallback;
            }
            if (!value.canConvertToExactIntegral() || !value.canConvertToLong()) {
                throw new ConfigException(source + ": key '" + key + "' = " + value + " is not an integer");
            }
            return value.asLong();
        }

        String text(JsonNode table, String key, String fallback) throws ConfigException {
            JsonNode value = table.get(key);
            if (value == null) {
                return fallback;
            }
            if (!value.isTextual()) {
                throw new ConfigException(source + ": key '" + key + "' = " + value + " is not a string");
            }
            return value.asText();
        }

        boolean bool(JsonNode table, String key, boolean fallback) throws ConfigException {
            JsonNode value = table.get(key);
            if (value == null) {
                return fallback;
            }
            if (!value.isBoolean()) {
                throw new ConfigException(source + ": key '" + key + "' = " + value + " is not true or false");
            }
            return value.asBoolean();
        }

        Duration duration(JsonNode table, String key, Duration fallback) throws ConfigException {
            String text = text(table, key, null);
            if (text == null) {
                return fallback;
            }
            try {
                return Durations.parse(text);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(source + ": key '" + key + "': " + e.getMessage());
            }
        }
    }

    /** The default configuration file, every key commented with its meaning. */
    public static String defaultFile() {
        TimelineSettings d = DEFAULT.tenantDefaults();
        return """
                # Strata node configuration. Every key is optional; the values below are the defaults.

                # Numeric id of this node.
                node_id = %d
                # Address of the HTTP API (HOST:PORT; port 0 picks a free one).
                listen_http = "%s"
                # Largest request body accepted, in bytes.
                max_request_bytes = %d
                # Capacity of the node-wide cache of layer blocks, in bytes.
                block_cache_bytes = %d
                # Threads for flush, compaction and GC.
                background_threads = %d
                # Bytes that the in-memory layers of all timelines may hold together before the largest are frozen
                # and flushed early, and writers wait for flushes; 0 means half of the heap beside the block cache.
                in_memory_layer_bytes = %d

                [tenant_defaults]
                # Bytes of records kept in memory before they are frozen and flushed to a layer file.
                checkpoint_distance = %d
                # Age after which in-memory records are flushed even if few (250ms, 30s, 10m, 2h, 7d).
                checkpoint_timeout = "%s"
                # Frozen in-memory layers waiting for flush before writers are held back.
                max_frozen_layers = %d
                # Number of L0 layers that starts a compaction.
                compaction_threshold = %d
                # Target size of each layer that compaction writes, in bytes.
                compaction_target_size = %d
                # Deltas over a key range since its last image that start writing a new image layer.
                image_creation_threshold = %d
                # LSN distance behind the last record that garbage collection always keeps readable.
                gc_horizon = %d
                # Time window that garbage collection always keeps readable.
                pitr_interval = "%s"
                # How often garbage collection runs on each timeline.
                gc_period = "%s"
                # Size of a WAL segment file, in bytes.
                wal_segment_size = %d
                # Trimmed WAL segment files a busy timeline keeps to write its next segments into (forces are
                # cheaper in a file's existing blocks); removed when the timeline closes.
                wal_spare_segments = %d
                # When a batch is acknowledged: fsync (after its fsync, group-committed) or periodic.
                durability = "fsync"
                # Compress layer blocks with Deflate.
                compress = false

                [remote_storage]
                # Where the authoritative copy of every timeline lives: layers and indexes are uploaded here, and
                # a node with an empty disk attaches tenants from it. "localfs" is a directory (a relative root is
                # inside the work directory: put it on another disk or use "s3" or "azure" for real durability);
                # the s3 and azure backends are plugins in plugins/. Remove this section to keep everything local.
                provider = "localfs"
                root = "remote"

                # [control_plane]
                # Who decides which node holds which tenant at which generation. Without this section the node
                # is the only writer of its bucket and deletes replaced objects at once. "local" keeps generations
                # in a file in the work directory (bumped on every start); "http" asks a control plane service.
                # provider = "http"
                # url = "http://127.0.0.1:1234/upcall/v1"
                # token_file = "control-plane-token"
                # When the control plane does not answer at start: "off" waits, "on" starts from local tenant
                # configs at once, "after:5m" waits that long first. Deletions are held until it answers.
                # emergency_mode = "off"

                # [deletion]
                # How validated deletions are carried out: "immediate" deletes, "trash" moves objects under
                # trash_prefix and purges them after trash_retention, "lifecycle-tag" (S3 plugin) tags them for a
                # bucket lifecycle rule.
                # executor = "immediate"
                # Pending objects that are persisted as a list at once, and the longest wait before they are.
                # max_keys_per_list = 512
                # idle_interval = "1s"
                # (tenant, generation) pairs per validation request to the control plane (1 to 128).
                # validation_batch_size = 128
                # Objects per executor call, at most (the executor may take fewer: S3 1000, Azure 256).
                # executor_batch_size = 1000
                # Longest pause between retries after a failure, and how often the executor's housekeeping runs.
                # max_retry_delay = "10s"
                # maintain_interval = "1h"

                [eviction]
                # How often local layer files that remote storage holds are considered for eviction.
                period = "%s"
                # A layer not read for this long leaves the local disk ("0s" turns this off).
                idle_threshold = "%s"
                # Above this usage of the work directory's file system, least recently read layers go first.
                max_usage_percent = %d
                # Below this many free bytes, likewise (0 turns this off).
                min_free_bytes = %d
                # A layer read or downloaded within this time is never evicted.
                min_residence = "%s"

                [wal_backup]
                # Back up each timeline's WAL to remote storage, so a node whose disk is lost loses at most
                # what was written since the last backup: closed segments whole, the open one as a partial.
                enabled = %s
                # Least time between two partial uploads of one timeline (made only when new WAL is durable).
                partial_interval = "%s"
                # WAL backup uploads in flight on the node at once, across all timelines.
                max_concurrent_uploads = %d

                [secondary]
                # How often an attached tenant uploads its heatmap (the layers it holds locally, hottest first) to
                # tenants/<tenant>/heatmap-v1.json; also on a graceful detach and shutdown.
                heatmap_upload_period = "%s"
                # How often a Secondary tenant fetches the heatmap and downloads the layers it lists (a warm copy).
                download_period = "%s"
                # Layer downloads of Secondary tenants in flight on the node at once.
                max_concurrent_downloads = %d

                [auth]
                # Public keys (a JWK set, or PEM public keys) that verify bearer tokens (RS256 or EdDSA).
                # Without it the API needs no token, which is allowed only when listen_http is a loopback address.
                # public_key_file = "auth_public_keys.pem"
                """.formatted(DEFAULT.nodeId(), DEFAULT.listenAddress(), DEFAULT.maxRequestBytes(), DEFAULT.blockCacheBytes(),
                DEFAULT.backgroundThreads(), DEFAULT.inMemoryLayerBytes(), d.checkpointDistance(), Durations.format(d.checkpointTimeout()),
                d.maxFrozenLayers(), d.compactionThreshold(), d.compactionTargetSize(), d.imageCreationThreshold(),
                d.gcHorizon(), Durations.format(d.pitrInterval()), Durations.format(d.gcPeriod()), d.wal().segmentBytes(), d.wal().spareSegments(),
                Durations.format(DEFAULT.eviction().period()), Durations.format(DEFAULT.eviction().idleThreshold()),
                DEFAULT.eviction().maxUsagePercent(), DEFAULT.eviction().minFreeBytes(),
                Durations.format(DEFAULT.eviction().minResidence()), DEFAULT.walBackup().enabled(),
                Durations.format(DEFAULT.walBackup().partialInterval()), DEFAULT.walBackup().maxConcurrentUploads(),
                Durations.format(DEFAULT.secondary().heatmapUploadPeriod()),
                Durations.format(DEFAULT.secondary().downloadPeriod()), DEFAULT.secondary().maxConcurrentDownloads());
    }
}

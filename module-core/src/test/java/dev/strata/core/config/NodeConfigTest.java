package dev.strata.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.core.controlplane.EmergencyMode;
import dev.strata.core.deletion.DeletionQueueSettings;
import dev.strata.core.remote.RemoteStorageConfig;
import dev.strata.core.timeline.TimelineSettings;
import dev.strata.core.wal.Durability;
import dev.strata.core.walbackup.WalBackupOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NodeConfigTest {
    @TempDir Path workdir;

    private static NodeConfig parse(String toml) throws ConfigException {
        return NodeConfig.parse("strata.toml", toml.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void pinsEveryDefault() throws Exception {
        NodeConfig d = NodeConfig.DEFAULT;
        assertEquals(1, d.nodeId());
        assertEquals("127.0.0.1:9898", d.listenAddress());
        assertEquals(64L << 20, d.maxRequestBytes());
        assertEquals(256L << 20, d.blockCacheBytes());
        assertEquals(2, d.backgroundThreads());
        TimelineSettings t = d.tenantDefaults();
        assertEquals(256L << 20, t.checkpointDistance());
        assertEquals(Duration.ofMinutes(10), t.checkpointTimeout());
        assertEquals(2, t.maxFrozenLayers());
        assertEquals(10, t.compactionThreshold());
        assertEquals(128L << 20, t.compactionTargetSize());
        assertEquals(3, t.imageCreationThreshold());
        assertEquals(64L << 20, t.gcHorizon());
        assertEquals(Duration.ofDays(7), t.pitrInterval());
        assertEquals(16L << 20, t.wal().segmentBytes());
        assertEquals(Durability.FSYNC, t.wal().durability());
        assertEquals(false, t.layerWrite().compress());
        assertEquals(null, d.authPublicKeyFile());
    }

    @Test
    void theWrittenDefaultFileAndAMissingFileBothMeanTheDefaults() throws Exception {
        // The written file adds one thing to the defaults: a bucket in the work directory (localfs).
        NodeConfig written = parse(NodeConfig.defaultFile());
        assertEquals(new RemoteStorageConfig("localfs", java.util.Map.of("root", "remote")), written.remoteStorage());
        assertEquals(NodeConfig.DEFAULT, new NodeConfig(written.nodeId(), written.listenHost(), written.listenPort(),
                written.maxRequestBytes(), written.blockCacheBytes(), written.backgroundThreads(), written.tenantDefaults(),
                written.authPublicKeyFile(), null, written.eviction(), written.walBackup(), written.controlPlane()));
        assertEquals(NodeConfig.DEFAULT, NodeConfig.load(workdir));
        assertEquals(NodeConfig.DEFAULT, parse(""));
    }

    @Test
    void walBackupKeysAreReadAndCarryTheNodeId() throws Exception {
        assertEquals(new WalBackupOptions(true, 1, Duration.ofSeconds(1), 4), NodeConfig.DEFAULT.walBackup());
        NodeConfig config = parse("""
                node_id = 7
                [wal_backup]
                partial_interval = "250ms"
                max_concurrent_uploads = 2
                """);
        assertEquals(new WalBackupOptions(true, 7, Duration.ofMillis(250), 2), config.walBackup());
        assertEquals(false, parse("[wal_backup]\nenabled = false\n").walBackup().enabled());
        org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> parse("[wal_backup]\ninterval = \"1s\"\n"));
        org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> parse("[wal_backup]\nmax_concurrent_uploads = 0\n"));
    }

    @Test
    void secondaryKeysAreReadWithDocumentedDefaultsAndBadValuesNameTheKey() throws Exception {
        assertEquals(new dev.strata.core.tenant.SecondaryOptions(Duration.ofSeconds(60), Duration.ofSeconds(60), 4),
                NodeConfig.DEFAULT.secondary());
        NodeConfig config = parse("""
                [secondary]
                heatmap_upload_period = "10s"
                download_period = "2m"
                max_concurrent_downloads = 8
                """);
        assertEquals(new dev.strata.core.tenant.SecondaryOptions(Duration.ofSeconds(10), Duration.ofMinutes(2), 8),
                config.secondary());
        ConfigException zero = assertThrows(ConfigException.class, () -> parse("[secondary]\nheatmap_upload_period = \"0s\"\n"));
        assertTrue(zero.getMessage().contains("secondary.heatmap_upload_period") && zero.getMessage().contains("= 0s"),
                zero.getMessage());
        ConfigException downloads = assertThrows(ConfigException.class, () -> parse("[secondary]\nmax_concurrent_downloads = 0\n"));
        assertTrue(downloads.getMessage().contains("secondary.max_concurrent_downloads") && downloads.getMessage().contains("= 0"),
                downloads.getMessage());
        ConfigException unknown = assertThrows(ConfigException.class, () -> parse("[secondary]\nwarm = true\n"));
        assertTrue(unknown.getMessage().contains("secondary.warm"), unknown.getMessage());
        ConfigException period = assertThrows(ConfigException.class, () -> parse("[secondary]\ndownload_period = \"soon\"\n"));
        assertTrue(period.getMessage().contains("download_period"), period.getMessage());
    }

    @Test
    void aRelativeLocalfsRootIsInsideTheWorkDirectoryAndEvictionKeysAreRead() throws Exception {
        java.nio.file.Files.writeString(workdir.resolve(NodeConfig.FILE), """
                [remote_storage]
                provider = "localfs"
                root = "bucket"
                [eviction]
                idle_threshold = "2h"
                max_usage_percent = 70
                """);
        NodeConfig config = NodeConfig.load(workdir);
        assertEquals(workdir.resolve("bucket").toString(), config.remoteStorage().settings().get("root"));
        assertEquals(java.time.Duration.ofHours(2), config.eviction().idleThreshold());
        assertEquals(70, config.eviction().maxUsagePercent());
        ConfigException unknown = assertThrows(ConfigException.class, () -> parse("[eviction]\nidle = \"1h\"\n"));
        assertTrue(unknown.getMessage().contains("eviction.idle"), unknown.getMessage());
    }

    @Test
    void readsEveryKey() throws Exception {
        NodeConfig config = parse("""
                node_id = 9
                listen_http = "0.0.0.0:7000"
                background_threads = 4
                in_memory_layer_bytes = 134217728
                [auth]
                public_key_file = "/etc/strata/keys.pem"
                [tenant_defaults]
                checkpoint_distance = 1048576
                checkpoint_timeout = "30s"
                pitr_interval = "2h"
                durability = "periodic"
                compress = true
                wal_spare_segments = 4
                """);
        assertEquals(9, config.nodeId());
        assertEquals("0.0.0.0", config.listenHost());
        assertEquals(7000, config.listenPort());
        assertEquals(4, config.backgroundThreads());
        assertEquals(128L << 20, config.inMemoryLayerBytes());
        assertEquals(0, NodeConfig.DEFAULT.inMemoryLayerBytes(), "0: half the heap beside the block cache");
        assertEquals(Path.of("/etc/strata/keys.pem"), config.authPublicKeyFile());
        assertEquals(1 << 20, config.tenantDefaults().checkpointDistance());
        assertEquals(Duration.ofSeconds(30), config.tenantDefaults().checkpointTimeout());
        assertEquals(Duration.ofHours(2), config.tenantDefaults().pitrInterval());
        assertEquals(Durability.PERIODIC, config.tenantDefaults().wal().durability());
        assertEquals(4, config.tenantDefaults().wal().spareSegments());
        assertTrue(config.tenantDefaults().layerWrite().compress());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "nod_id = 3|nod_id",
        "listen_http = \"nowhere\"|nowhere",
        "listen_http = \"h:x\"|h:x",
        "node_id = \"one\"|node_id",
        "background_threads = 0|background_threads",
        "in_memory_layer_bytes = 4096|in_memory_layer_bytes must be 0 (the default) or at least 1048576, got 4096",
        "in_memory_layer_bytes = -1|in_memory_layer_bytes",
        "[tenant_defaults]~checkpoint_timeout = \"soon\"|soon",
        "[tenant_defaults]~durability = \"maybe\"|maybe",
        "[tenant_defaults]~compaction_threshold = 1|compaction_threshold",
        "[tenant_defaults]~wal_spare_segments = -1|tenant_defaults.wal_spare_segments must be 0 to 1024, got -1",
        "[tenant_defaults]~wal_spare_segments = 4294967296|wal_spare_segments must be 0 to 1024, got 4294967296",
        "[tenant_defaults]~compres = true|tenant_defaults.compres",
        "node_id = 1 = 2|not valid TOML",
        "listen_http = \"0.0.0.0:9898\"|auth.public_key_file",
        "[auth]~type = \"jwt\"|auth.type",
    })
    void errorsNameTheKeyAndValue(String toml, String expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(toml.replace("~", "\n")));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().contains("strata.toml"), e.getMessage());
    }

    @Test
    void theControlPlaneSectionsAreReadWithTheirDefaultsAndCheckedKeys() throws Exception {
        assertEquals(null, parse("").controlPlane(), "without the section the node is its bucket's only writer");
        ControlPlaneConfig http = parse("""
                [control_plane]
                provider = "http"
                url = "http://127.0.0.1:1234/upcall/v1"
                token_file = "token"
                emergency_mode = "after:5m"
                """).controlPlane();
        assertEquals("http", http.provider());
        assertEquals(new EmergencyMode.After(Duration.ofMinutes(5)), http.emergencyMode());
        assertEquals(java.util.Map.of("url", "http://127.0.0.1:1234/upcall/v1", "token_file", "token"), http.settings());
        assertEquals("immediate", http.executor(), "deletions are executed at once by default");
        ControlPlaneConfig local = parse("""
                [control_plane]
                provider = "local"
                [deletion]
                executor = "trash"
                trash_retention = "P14D"
                """).controlPlane();
        assertEquals(EmergencyMode.OFF, local.emergencyMode());
        assertEquals("trash", local.executor());
        assertEquals(java.util.Map.of("trash_retention", "P14D"), local.executorSettings());
        assertEquals(new EmergencyMode.On(), parse("[control_plane]\nprovider = \"local\"\nemergency_mode = \"on\"\n")
                .controlPlane().emergencyMode());

        assertTrue(assertThrows(ConfigException.class, () -> parse("[control_plane]\nurl = \"http://x\"\n"))
                .getMessage().contains("provider is required"));
        assertTrue(assertThrows(ConfigException.class,
                () -> parse("[control_plane]\nprovider = \"http\"\nemergency_mode = \"sometimes\"\n"))
                .getMessage().contains("emergency_mode = 'sometimes'"));
        assertTrue(assertThrows(ConfigException.class, () -> parse("[deletion]\nexecutor = \"trash\"\n"))
                .getMessage().contains("[deletion] needs a [control_plane]"));
    }

    @Test
    void theDeletionQueueKeysHavePinnedDefaultsAndAreTakenOutOfTheExecutorsKeys() throws Exception {
        assertEquals(new DeletionQueueSettings(512, Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofHours(1),
                128, 1000), DeletionQueueSettings.DEFAULT);
        assertEquals(DeletionQueueSettings.DEFAULT, parse("[control_plane]\nprovider = \"local\"\n").controlPlane().queue());
        ControlPlaneConfig tuned = parse("""
                [control_plane]
                provider = "local"
                [deletion]
                executor = "trash"
                trash_retention = "P14D"
                max_keys_per_list = 2000
                idle_interval = "250ms"
                validation_batch_size = 32
                executor_batch_size = 100
                max_retry_delay = "1m"
                maintain_interval = "10m"
                """).controlPlane();
        assertEquals(new DeletionQueueSettings(2000, Duration.ofMillis(250), Duration.ofMinutes(1), Duration.ofMinutes(10),
                32, 100), tuned.queue());
        assertEquals(java.util.Map.of("trash_retention", "P14D"), tuned.executorSettings(), "the executor sees only its keys");
    }

    @Test
    void badDeletionQueueKeysAreRefusedNamingKeyAndValue() {
        for (String[] bad : new String[][] {
                {"max_keys_per_list = 0", "[deletion] max_keys_per_list = 0 must be at least 1"},
                {"max_keys_per_list = \"many\"", "[deletion] max_keys_per_list = 'many' is not a whole number"},
                {"idle_interval = \"soon\"", "[deletion] idle_interval = 'soon' is not a duration"},
                {"validation_batch_size = 129", "[deletion] validation_batch_size = 129 must be between 1 and 128"},
                {"validation_batch_size = 0", "[deletion] validation_batch_size = 0 must be between 1 and 128"},
                {"executor_batch_size = 0", "[deletion] executor_batch_size = 0 must be at least 1"},
                {"max_retry_delay = \"PT-1S\"", "[deletion] max_retry_delay = 'PT-1S' is a negative duration"}}) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> parse("[control_plane]\nprovider = \"local\"\n[deletion]\n" + bad[0] + "\n"));
            assertTrue(e.getMessage().contains(bad[1]), bad[0] + ": " + e.getMessage());
            assertTrue(e.getMessage().contains("strata.toml"), e.getMessage());
        }
    }
}

package dev.strata.backend.localfs;

import dev.strata.api.remote.ConfigKey;
import dev.strata.api.remote.ListRequest;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.api.remote.RemoteStorageProvider;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The {@code localfs} provider: remote storage in a local directory (the embedded default, also useful with a
 * shared mount). At creation it makes the root directory and removes temp files older than
 * {@code temp_file_max_age} that a crashed writer left behind (younger ones may belong to another live writer
 * sharing the directory).
 */
public final class LocalFsStorageProvider implements RemoteStorageProvider {
    /** The provider name used in configuration. */
    public static final String NAME = "localfs";

    static final ConfigKey<Path> ROOT = ConfigKey.path("root", null,
            "Directory that holds the objects; created if missing.");
    static final ConfigKey<Boolean> FSYNC = ConfigKey.bool("fsync", true,
            "Force every object and its directory to disk before a put returns. Turn off only for tests.");
    static final ConfigKey<Integer> MAX_KEYS_PER_DELETE = ConfigKey.integer("max_keys_per_delete", 1000,
            "How many keys one batch-delete step handles between cancellation checks.")
            .validatedBy(value -> value >= 1 && value <= ListRequest.MAX_KEYS, "between 1 and 1000");
    static final ConfigKey<Duration> TEMP_FILE_MAX_AGE = ConfigKey.duration("temp_file_max_age", Duration.ofHours(1),
            "Temp files older than this are removed when the storage is opened.");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int apiMajorVersion() {
        return RemoteStorageProvider.API_MAJOR_VERSION;
    }

    @Override
    public List<ConfigKey<?>> configKeys() {
        return List.of(ROOT, FSYNC, MAX_KEYS_PER_DELETE, TEMP_FILE_MAX_AGE);
    }

    @Override
    public RemoteStorage create(ProviderConfig config) throws RemoteStorageException {
        Path root = config.get(ROOT).toAbsolutePath().normalize();
        try {
            Files.createDirectories(root);
            sweepTempFiles(root, Instant.now().minus(config.get(TEMP_FILE_MAX_AGE)));
        } catch (IOException e) {
            throw LocalFsStorage.classify("open", null, e);
        }
        return new LocalFsStorage(root, config.get(FSYNC), config.get(MAX_KEYS_PER_DELETE), Clock.systemUTC());
    }

    private static void sweepTempFiles(Path root, Instant olderThan) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                if (KeyPaths.isTempFile(file) && attributes.lastModifiedTime().toInstant().isBefore(olderThan)) {
                    Files.deleteIfExists(file);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
    }

    @Override
    public String toString() {
        return "RemoteStorageProvider[" + NAME + "]";
    }
}

package dev.strata.backend.localfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.remote.ByteRange;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.ConfigException;
import dev.strata.api.remote.ConfigKey;
import dev.strata.api.remote.ListRequest;
import dev.strata.api.remote.ObjectContent;
import dev.strata.api.remote.PutOptions;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.api.remote.RemoteStorageProvider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the contract does not cover: the on-disk layout, configuration, temp files, fsync and damaged files. */
final class LocalFsStorageTest {
    private static final CallContext NONE = CallContext.NONE;

    @TempDir
    Path root;

    private RemoteStorage open(Map<String, String> settings) throws RemoteStorageException {
        LocalFsStorageProvider provider = new LocalFsStorageProvider();
        Map<String, String> section = new HashMap<>(settings);
        section.putIfAbsent("root", root.toString());
        return provider.create(ProviderConfig.parse("remote_storage", section, provider.configKeys()));
    }

    private static void put(RemoteStorage storage, String key, String text) throws RemoteStorageException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        storage.put(key, new ByteArrayInputStream(bytes), bytes.length, PutOptions.DEFAULT, NONE);
    }

    private List<Path> filesUnderRoot() throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }

    @Test
    void theModuleProvidesTheProviderAndItsDefaultsArePinned() {
        assertTrue(LocalFsStorageProvider.class.getModule().getDescriptor().provides().stream().anyMatch(provides ->
                provides.service().equals(RemoteStorageProvider.class.getName())
                        && provides.providers().equals(List.of(LocalFsStorageProvider.class.getName()))));
        LocalFsStorageProvider provider = new LocalFsStorageProvider();
        assertEquals("localfs", provider.name());
        assertEquals(RemoteStorageProvider.API_MAJOR_VERSION, provider.apiMajorVersion());
        ProviderConfig config = ProviderConfig.parse("remote_storage", Map.of("root", "/data/bucket"), provider.configKeys());
        assertEquals(Path.of("/data/bucket"), config.get(LocalFsStorageProvider.ROOT));
        assertEquals(true, config.get(LocalFsStorageProvider.FSYNC));
        assertEquals(1000, config.get(LocalFsStorageProvider.MAX_KEYS_PER_DELETE));
        assertEquals(Duration.ofHours(1), config.get(LocalFsStorageProvider.TEMP_FILE_MAX_AGE));
        for (ConfigKey<?> key : provider.configKeys()) {
            assertFalse(key.documentation().isBlank(), key.name());
        }
    }

    @Test
    void configurationErrorsNameTheKey() {
        LocalFsStorageProvider provider = new LocalFsStorageProvider();
        ConfigException missing = assertThrows(ConfigException.class,
                () -> ProviderConfig.parse("remote_storage", Map.of(), provider.configKeys()));
        assertTrue(missing.getMessage().contains("[remote_storage] root is required"), missing.getMessage());
        ConfigException unknown = assertThrows(ConfigException.class, () -> ProviderConfig.parse("remote_storage",
                Map.of("root", "/x", "rot", "/y"), provider.configKeys()));
        assertTrue(unknown.getMessage().contains("unknown key 'rot'"), unknown.getMessage());
        assertTrue(unknown.getMessage().contains("root, fsync, max_keys_per_delete, temp_file_max_age"), unknown.getMessage());
        ConfigException range = assertThrows(ConfigException.class, () -> ProviderConfig.parse("remote_storage",
                Map.of("root", "/x", "max_keys_per_delete", "0"), provider.configKeys()));
        assertTrue(range.getMessage().contains("max_keys_per_delete = '0' is not between 1 and 1000"), range.getMessage());
    }

    @Test
    void keysMapToEscapedFilesSoAKeyAndItsChildrenCoexist() throws IOException {
        try (RemoteStorage storage = open(Map.of())) {
            put(storage, "a", "parent");
            put(storage, "a/b", "child");
            put(storage, "50%/x", "percent");
            assertTrue(Files.isRegularFile(root.resolve("a%")));
            assertTrue(Files.isRegularFile(root.resolve("a").resolve("b%")));
            assertTrue(Files.isRegularFile(root.resolve("50%25").resolve("x%")));
            assertEquals(List.of("50%/x", "a", "a/b"), storage.list(ListRequest.all(""), NONE).objects().stream()
                    .map(object -> object.key()).toList());
        }
    }

    @Test
    void deletingTheLastObjectRemovesEmptyDirectoriesButNotTheRoot() throws IOException {
        try (RemoteStorage storage = open(Map.of())) {
            put(storage, "x/y/z", "deep");
            put(storage, "x/other", "sibling");
            storage.delete("x/y/z", NONE);
            assertFalse(Files.exists(root.resolve("x").resolve("y")));
            assertTrue(Files.exists(root.resolve("x")));
            storage.delete("x/other", NONE);
            assertFalse(Files.exists(root.resolve("x")));
            assertTrue(Files.isDirectory(root));
        }
    }

    @Test
    void failedPutsLeaveNoTempFilesWithFsyncOn() throws IOException {
        try (RemoteStorage storage = open(Map.of("fsync", "true"))) {
            put(storage, "dir/kept", "durable");
            InputStream failing = new InputStream() {
                private int left = 100_000;

                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0];
                }

                @Override
                public int read(byte[] buffer, int offset, int length) throws IOException {
                    if (left == 0) {
                        throw new IOException("injected read failure");
                    }
                    int count = Math.min(length, left);
                    java.util.Arrays.fill(buffer, offset, offset + count, (byte) 7);
                    left -= count;
                    return count;
                }
            };
            RemoteStorageException.Permanent failure = assertThrows(RemoteStorageException.Permanent.class,
                    () -> storage.put("dir/broken", failing, 200_000, PutOptions.DEFAULT, NONE));
            assertTrue(failure.getMessage().contains("injected read failure"), failure.getMessage());
            assertEquals(List.of(root.resolve("dir").resolve("kept%")), filesUnderRoot());
            try (ObjectContent content = storage.get("dir/kept", ByteRange.WHOLE, Optional.empty(), NONE)) {
                assertEquals("durable", new String(content.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void openingSweepsOnlyOldTempFiles() throws IOException {
        Path old = Files.writeString(Files.createDirectories(root.resolve("a")).resolve("%tmp-0001"), "crashed");
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(Duration.ofHours(2))));
        Path fresh = Files.writeString(root.resolve("a").resolve("%tmp-0002"), "another writer's");
        try (RemoteStorage storage = open(Map.of())) {
            assertFalse(Files.exists(old));
            assertTrue(Files.exists(fresh));
            assertEquals(List.of(), storage.list(ListRequest.all(""), NONE).objects(), "temp files are never listed");
        }
    }

    @Test
    void aDamagedObjectFileIsAPermanentError() throws IOException {
        try (RemoteStorage storage = open(Map.of())) {
            put(storage, "damaged", "soon broken");
            Path file = root.resolve("damaged%");
            byte[] bytes = Files.readAllBytes(file);
            Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 3));
            RemoteStorageException.Permanent head = assertThrows(RemoteStorageException.Permanent.class,
                    () -> storage.head("damaged", NONE));
            assertTrue(head.getMessage().contains("'damaged'"), head.getMessage());
            Files.write(file, new byte[] {1, 2, 3});
            assertThrows(RemoteStorageException.Permanent.class,
                    () -> storage.get("damaged", ByteRange.WHOLE, Optional.empty(), NONE));
        }
    }

    @Test
    void anOpenReadKeepsItsVersionWhileTheObjectIsReplaced() throws IOException {
        try (RemoteStorage storage = open(Map.of())) {
            put(storage, "versioned", "first version");
            try (ObjectContent first = storage.get("versioned", ByteRange.WHOLE, Optional.empty(), NONE)) {
                put(storage, "versioned", "second version, longer");
                assertArrayEquals("first version".getBytes(StandardCharsets.UTF_8), first.readAllBytes());
            }
            try (ObjectContent second = storage.get("versioned", ByteRange.WHOLE, Optional.empty(), NONE)) {
                assertEquals("second version, longer", new String(second.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void callsAfterCloseFail() throws RemoteStorageException {
        RemoteStorage storage = open(Map.of());
        storage.close();
        assertThrows(IllegalStateException.class, () -> storage.head("any", NONE));
    }
}

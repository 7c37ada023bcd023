package dev.strata.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configuration file: every default pinned, every key read, unknown keys and bad values named. */
class ControllerConfigTest {
    @TempDir Path directory;

    @Test
    void anEmptyFileGivesEveryDefault() throws Exception {
        ControllerConfig config = ControllerConfig.load(Files.writeString(directory.resolve("c.toml"), ""));
        assertEquals("127.0.0.1", config.host());
        assertEquals(9200, config.port());
        assertNull(config.database().url());
        assertEquals(directory.resolve("controller-db"), config.database().embedded(), "embedded, beside the file");
        assertEquals(8, config.database().poolSize());
        assertNull(config.tokenFile());
        assertNull(config.nodeTokenFile());
        assertEquals(Duration.ofMinutes(5), config.catchUpTimeout());
    }

    @Test
    void everyKeyIsRead() throws Exception {
        Path file = Files.writeString(directory.resolve("c.toml"), """
                listen = "0.0.0.0:7000"
                token_file = "controller.token"
                node_token_file = "/etc/strata/node.jwt"
                catch_up_timeout = "PT30S"

                [database]
                url = "jdbc:postgresql://db.internal:5432/strata"
                user = "strata"
                password_file = "db.password"
                pool_size = 3
                """);
        ControllerConfig config = ControllerConfig.load(file);
        assertEquals("0.0.0.0", config.host());
        assertEquals(7000, config.port());
        assertEquals("jdbc:postgresql://db.internal:5432/strata", config.database().url());
        assertNull(config.database().embedded(), "a url replaces the embedded default");
        assertEquals("strata", config.database().user());
        assertEquals(directory.resolve("db.password"), config.database().passwordFile());
        assertEquals(3, config.database().poolSize());
        assertEquals(directory.resolve("controller.token"), config.tokenFile());
        assertEquals(Path.of("/etc/strata/node.jwt"), config.nodeTokenFile());
        assertEquals(Duration.ofSeconds(30), config.catchUpTimeout());
        assertFalse(config.toString().contains("password="), "no secrets in toString: " + config);
    }

    @Test
    void mistakesNameTheKey() throws Exception {
        assertMessage("listn = \"x\"", "listn");
        assertMessage("[database]\npool = 3", "database.pool");
        assertMessage("listen = \"7000\"", "listen");
        assertMessage("catch_up_timeout = \"5 minutes\"", "catch_up_timeout");
        assertMessage("[database]\npool_size = 0", "pool_size");
        assertMessage("[database]\npool_size = \"many\"", "pool_size");
    }

    private void assertMessage(String toml, String key) throws Exception {
        Path file = Files.writeString(directory.resolve("bad.toml"), toml);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ControllerConfig.load(file));
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }
}

package dev.strata.controller.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL (zonky's embedded binaries) whose working, data and socket directories all live under one
 * directory of the test, so nothing lands in the system temp directory. Each {@link #newDatabase()} is an
 * empty database of its own. Always {@link #close()} it.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
    private final EmbeddedPostgres postgres;
    private final AtomicInteger databases = new AtomicInteger();

    public EmbeddedPostgresServer(Path directory) throws IOException {
        Path work = Files.createDirectories(directory.resolve("work"));
        Path socket = Files.createDirectories(directory.resolve("socket"));
        this.postgres = EmbeddedPostgres.builder()
                .setOverrideWorkingDirectory(work.toFile())
                .setDataDirectory(directory.resolve("data"))
                .setCleanDataDirectory(true)
                .setRegisterShutdownHook(true)
                .setServerConfig("unix_socket_directories", socket.toString())
                .setServerConfig("listen_addresses", "127.0.0.1")
                .start();
    }

    /** The JDBC URL of a new, empty database (user {@code postgres}, no password). */
    public String newDatabase() throws SQLException {
        String name = "controller_" + databases.incrementAndGet();
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        }
        return postgres.getJdbcUrl("postgres", name);
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}

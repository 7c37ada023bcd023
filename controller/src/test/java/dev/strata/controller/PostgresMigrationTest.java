package dev.strata.controller;

import dev.strata.controller.testing.EmbeddedPostgresServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** Migrations with a real PostgreSQL: one server for the class, a new database per test. */
class PostgresMigrationTest extends MigrationContract {
    @TempDir static Path postgresDirectory;
    private static EmbeddedPostgresServer postgres;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = new EmbeddedPostgresServer(postgresDirectory);
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Override
    ControllerConfig.DatabaseConfig database() throws Exception {
        return ControllerConfig.DatabaseConfig.url(postgres.newDatabase(), "postgres");
    }
}

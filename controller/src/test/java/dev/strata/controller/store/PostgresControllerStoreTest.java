package dev.strata.controller.store;

import dev.strata.controller.testing.EmbeddedPostgresServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on a real PostgreSQL, one server for the class and a new database per test. */
class PostgresControllerStoreTest extends ControllerStoreContract {
    @TempDir static Path directory;
    private static EmbeddedPostgresServer postgres;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = new EmbeddedPostgresServer(directory);
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Override
    Database openDatabase() throws Exception {
        return Database.connect(postgres.newDatabase(), "postgres", null, 4);
    }
}

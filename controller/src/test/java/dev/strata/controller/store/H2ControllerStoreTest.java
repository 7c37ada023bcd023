package dev.strata.controller.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on the embedded H2 database in file mode, the zero-setup default. */
class H2ControllerStoreTest extends ControllerStoreContract {
    @TempDir Path directory;

    @Override
    Database openDatabase() {
        return Database.embedded(directory.resolve("controller-db"), 4);
    }
}

package dev.strata.controller;

/** Migrations with the embedded H2 database. */
class H2MigrationTest extends MigrationContract {
    @Override
    ControllerConfig.DatabaseConfig database() {
        return ControllerConfig.DatabaseConfig.embedded(directory.resolve("controller-db"));
    }
}

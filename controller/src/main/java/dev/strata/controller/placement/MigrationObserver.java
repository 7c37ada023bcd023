package dev.strata.controller.placement;

import dev.strata.controller.Migration;

/**
 * Told before each step of a migration runs. The controller passes {@link #NONE}; tests stop a migration at a
 * chosen step by throwing, as a controller that dies there would.
 */
@FunctionalInterface
public interface MigrationObserver {
    MigrationObserver NONE = migration -> { };

    void beforeStep(Migration migration);
}

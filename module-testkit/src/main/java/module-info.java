/**
 * Test support for remote storage backends: the contract suites ({@link dev.strata.testkit.RemoteStorageContract})
 * that every backend runs and {@link dev.strata.testkit.DeletionExecutorContract} that every deletion executor
 * runs ({@link dev.strata.testkit.StorageDeletionExecutorContract} for one a provider builds over a storage), a
 * seeded fault-injecting wrapper ({@link dev.strata.testkit.FaultInjectingRemoteStorage}), and
 * {@link dev.strata.testkit.TestSeeds}, where every randomised test takes its seed.
 *
 * <p>The package is open so that JUnit can run the suite's methods in subclasses on the module path.
 */
module dev.strata.testkit {
    requires transitive dev.strata.api;
    requires transitive org.junit.jupiter.api;

    exports dev.strata.testkit;
    opens dev.strata.testkit;
}

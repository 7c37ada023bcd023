/**
 * Remote storage in a local directory: the embedded default backend.
 *
 * <p>Core finds this backend through {@code ServiceLoader}; nothing requires this module by name.
 */
module dev.strata.backend.localfs {
    requires dev.strata.api;

    provides dev.strata.api.remote.RemoteStorageProvider with dev.strata.backend.localfs.LocalFsStorageProvider;
}

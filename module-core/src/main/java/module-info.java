/**
 * The Strata engine: WAL, layers, timelines, the embedded (local) engine and the command line.
 *
 * <p>Internals are not exported; tests are patched into the module.
 */
module dev.strata.core {
    requires dev.strata.api;
    requires info.picocli;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.toml;

    exports dev.strata.core.cli;

    opens dev.strata.core.cli to info.picocli;

    uses dev.strata.api.redo.RedoHandler;
    uses dev.strata.api.remote.RemoteStorageProvider;
}

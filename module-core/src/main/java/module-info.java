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
    requires dev.strata.client;
    requires io.helidon.webserver;
    requires com.nimbusds.jose.jwt;
    requires com.codahale.metrics;
    requires io.prometheus.metrics.instrumentation.dropwizard;
    requires io.prometheus.metrics.model;
    requires io.prometheus.writer.text;
    requires org.apache.logging.log4j;
    requires java.net.http;

    exports dev.strata.core.cli;

    opens dev.strata.core.cli to info.picocli;

    uses dev.strata.api.redo.RedoHandler;
    uses dev.strata.api.remote.RemoteStorageProvider;
    uses dev.strata.api.controlplane.ControlPlaneProvider;
    uses dev.strata.api.deletion.DeletionExecutorProvider;

    provides dev.strata.api.controlplane.ControlPlaneProvider with
            dev.strata.core.controlplane.LocalControlPlaneProvider, dev.strata.core.controlplane.HttpControlPlaneProvider;
    provides dev.strata.api.deletion.DeletionExecutorProvider with
            dev.strata.core.deletion.ImmediateDeletionExecutorProvider, dev.strata.core.deletion.TrashDeletionExecutorProvider;
}

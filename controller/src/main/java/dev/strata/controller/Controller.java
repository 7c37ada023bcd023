package dev.strata.controller;

import dev.strata.controller.http.ControllerServer;
import dev.strata.controller.placement.MigrationObserver;
import dev.strata.controller.placement.Migrator;
import dev.strata.controller.placement.NodeClients;
import dev.strata.controller.placement.TenantPlacer;
import dev.strata.controller.store.ControllerStore;
import dev.strata.controller.store.Database;
import dev.strata.controller.store.SchemaMigrations;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

/**
 * A running controller: the database (schema brought up to date first), the HTTP API, and unfinished
 * migrations continued in the background. The one place where the controller is wired together.
 */
public final class Controller implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Controller.class.getName());

    private final Database database;
    private final NodeClients nodes;
    private final ControllerStore store;
    private final Migrator migrator;
    private final ControllerServer server;
    private final Thread resumer;

    private Controller(Database database, NodeClients nodes, ControllerStore store, Migrator migrator,
                       ControllerServer server, Thread resumer) {
        this.database = database;
        this.nodes = nodes;
        this.store = store;
        this.migrator = migrator;
        this.server = server;
        this.resumer = resumer;
    }

    public static Controller start(ControllerConfig config) throws IOException, SQLException {
        return start(config, MigrationObserver.NONE, Duration.ofMillis(100));
    }

    /** Starts with a migration observer and a poll interval (tests stop migrations at chosen steps). */
    public static Controller start(ControllerConfig config, MigrationObserver observer, Duration pollInterval)
            throws IOException, SQLException {
        Database database = openDatabase(config.database());
        NodeClients nodes = null;
        boolean success = false;
        try {
            List<Integer> applied = new SchemaMigrations(database).apply();
            if (!applied.isEmpty()) {
                LOG.log(Level.INFO, "database {0}: applied schema versions {1}", database.url(), applied);
            }
            String nodeToken = config.nodeTokenFile() == null ? null : Files.readString(config.nodeTokenFile()).strip();
            nodes = new NodeClients(nodeToken);
            ControllerStore store = new ControllerStore(database);
            Migrator migrator = new Migrator(store, nodes, config.catchUpTimeout(), pollInterval, observer);
            ControllerServer server = ControllerServer.start(config, store, new TenantPlacer(store, nodes), migrator);
            Thread resumer = Thread.ofVirtual().name("strata-controller-resume").start(() -> {
                try {
                    migrator.resumeAll();
                } catch (SQLException | RuntimeException e) {
                    LOG.log(Level.WARNING, "could not continue unfinished migrations", e);
                }
            });
            success = true;
            return new Controller(database, nodes, store, migrator, server, resumer);
        } finally {
            if (!success) {
                if (nodes != null) {
                    nodes.close();
                }
                database.close();
            }
        }
    }

    private static Database openDatabase(ControllerConfig.DatabaseConfig config) throws IOException {
        if (config.url() != null) {
            String password = config.passwordFile() == null ? null : Files.readString(config.passwordFile()).strip();
            return Database.connect(config.url(), config.user(), password, config.poolSize());
        }
        Files.createDirectories(config.embedded().toAbsolutePath().getParent());
        return Database.embedded(config.embedded(), config.poolSize());
    }

    public int port() {
        return server.port();
    }

    public ControllerStore store() {
        return store;
    }

    public Migrator migrator() {
        return migrator;
    }

    /** Waits until the migrations left unfinished by an earlier run were tried once. */
    public void awaitResumed() throws InterruptedException {
        resumer.join();
    }

    @Override
    public void close() throws InterruptedException {
        server.close();
        resumer.interrupt();
        resumer.join();
        nodes.close();
        database.close();
    }
}

/**
 * The reference control plane of Strata: it keeps nodes, tenants, placements and generations in a SQL
 * database (PostgreSQL, or an embedded H2 file for one machine), answers the nodes' re-attach and validate
 * calls, places new tenants and migrates tenants between nodes. JDBC drivers are found at run time.
 */
module dev.strata.controller {
    requires dev.strata.client;
    requires java.sql;
    requires java.net.http;
    requires io.helidon.webserver;
    requires info.picocli;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.toml;

    exports dev.strata.controller;

    opens dev.strata.controller.cli to info.picocli;
    // The schema scripts are read as resources of this package.
    opens dev.strata.controller.store;
}

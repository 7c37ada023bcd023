package dev.strata.controller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Objects;
import java.util.Set;

/**
 * The controller's configuration, from a TOML file:
 * <pre>
 * listen = "127.0.0.1:9200"              # host:port of the HTTP API; port 0 picks a free one
 * token_file = "controller.token"        # optional: every request needs "Authorization: Bearer &lt;its content&gt;"
 * node_token_file = "node.jwt"           # optional: bearer token the controller sends to nodes
 * catch_up_timeout = "PT5M"              # how long a migration waits for a node (ISO-8601 duration)
 *
 * [database]
 * url = "jdbc:postgresql://127.0.0.1:5432/strata"   # PostgreSQL; or leave it out for the embedded database
 * user = "strata"
 * password_file = "db.password"
 * embedded = "controller-db"             # H2 file path (default; used when url is absent)
 * pool_size = 8
 * </pre>
 * Relative paths are resolved against the directory of the configuration file. Unknown keys are refused.
 *
 * @param tokenFile null: no authentication
 * @param nodeTokenFile null: nodes are called without a token
 */
public record ControllerConfig(String host, int port, DatabaseConfig database, Path tokenFile, Path nodeTokenFile,
                               Duration catchUpTimeout) {
    public static final String DEFAULT_LISTEN = "127.0.0.1:9200";
    public static final Duration DEFAULT_CATCH_UP_TIMEOUT = Duration.ofMinutes(5);

    private static final Set<String> TOP_KEYS = Set.of("listen", "token_file", "node_token_file", "catch_up_timeout", "database");
    private static final Set<String> DATABASE_KEYS = Set.of("url", "user", "password_file", "embedded", "pool_size");

    public ControllerConfig {
        Objects.requireNonNull(host, "host is null");
        Objects.requireNonNull(database, "database is null");
        Objects.requireNonNull(catchUpTimeout, "catchUpTimeout is null");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("listen port out of range: " + port);
        }
    }

    /**
     * Where the data lives.
     *
     * @param url a JDBC URL, or null for the embedded database at {@code embedded}
     * @param passwordFile null: no password
     */
    public record DatabaseConfig(String url, Path embedded, String user, Path passwordFile, int poolSize) {
        public static final int DEFAULT_POOL_SIZE = 8;
        public static final String DEFAULT_EMBEDDED = "controller-db";

        public DatabaseConfig {
            if (url == null && embedded == null) {
                throw new IllegalArgumentException("database: set url or embedded");
            }
            if (poolSize < 1 || poolSize > 1024) {
                throw new IllegalArgumentException("database.pool_size must be between 1 and 1024: " + poolSize);
            }
        }

        /** The embedded database at {@code path}. */
        public static DatabaseConfig embedded(Path path) {
            return new DatabaseConfig(null, path, null, null, DEFAULT_POOL_SIZE);
        }

        /** A JDBC database without a password. */
        public static DatabaseConfig url(String url, String user) {
            return new DatabaseConfig(url, null, user, null, DEFAULT_POOL_SIZE);
        }
    }

    /** The configuration with every default and {@code database} (for tests and embedding). */
    public static ControllerConfig defaults(DatabaseConfig database) {
        return new ControllerConfig("127.0.0.1", 0, database, null, null, DEFAULT_CATCH_UP_TIMEOUT);
    }

    public ControllerConfig withTokenFile(Path file) {
        return new ControllerConfig(host, port, database, file, nodeTokenFile, catchUpTimeout);
    }

    public ControllerConfig withCatchUpTimeout(Duration timeout) {
        return new ControllerConfig(host, port, database, tokenFile, nodeTokenFile, timeout);
    }

    /**
     * Reads a configuration file.
     *
     * @throws IllegalArgumentException naming the key and the value that is wrong
     */
    public static ControllerConfig load(Path file) throws IOException {
        JsonNode root = new TomlMapper().readTree(Files.readString(file));
        Path base = file.toAbsolutePath().getParent();
        checkKeys(root, TOP_KEYS, "");
        String listen = text(root, "listen", DEFAULT_LISTEN);
        int colon = listen.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("listen: expected host:port, got '" + listen + "'");
        }
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("listen: the port of '" + listen + "' is not a number");
        }
        Duration catchUp;
        String catchUpText = text(root, "catch_up_timeout", DEFAULT_CATCH_UP_TIMEOUT.toString());
        try {
            catchUp = Duration.parse(catchUpText);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("catch_up_timeout: expected an ISO-8601 duration such as PT5M, got '" + catchUpText + "'");
        }
        JsonNode database = root.path("database");
        if (!database.isMissingNode()) {
            checkKeys(database, DATABASE_KEYS, "database.");
        }
        String url = text(database, "url", null);
        String embedded = text(database, "embedded", url == null ? DatabaseConfig.DEFAULT_EMBEDDED : null);
        int poolSize = database.path("pool_size").asInt(DatabaseConfig.DEFAULT_POOL_SIZE);
        if (database.has("pool_size") && !database.get("pool_size").isInt()) {
            throw new IllegalArgumentException("database.pool_size: expected an integer, got " + database.get("pool_size"));
        }
        return new ControllerConfig(listen.substring(0, colon), port,
                new DatabaseConfig(url, path(base, embedded), text(database, "user", null),
                        path(base, text(database, "password_file", null)), poolSize),
                path(base, text(root, "token_file", null)), path(base, text(root, "node_token_file", null)), catchUp);
    }

    private static void checkKeys(JsonNode node, Set<String> known, String prefix) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown configuration key '" + prefix + name + "'; known: " + known);
            }
        }
    }

    private static String text(JsonNode node, String key, String fallback) {
        JsonNode value = node.get(key);
        if (value == null) {
            return fallback;
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException(key + ": expected a string, got " + value);
        }
        return value.asText();
    }

    private static Path path(Path base, String text) {
        return text == null ? null : base.resolve(text);
    }

    @Override
    public String toString() {
        // Paths only: the token and the password stay in their files.
        return "ControllerConfig[listen=" + host + ":" + port + ", database=" + (database.url() != null ? database.url()
                : "embedded:" + database.embedded()) + ", tokenFile=" + tokenFile + ", catchUpTimeout=" + catchUpTimeout + "]";
    }
}

package dev.strata.controller.store;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Brings the schema up to date at start: the table {@code schema_migrations} records every version applied,
 * and each newer script runs in its own transaction together with its record (PostgreSQL runs DDL inside
 * transactions; H2 commits DDL at once, which is harmless for a file only one controller opens). Running it
 * again applies nothing. Scripts are never edited once released: a change is a new version.
 */
public final class SchemaMigrations {
    /** The scripts, in order; the version is the position, starting at 1. */
    static final List<String> SCRIPTS = List.of("V1__initial.sql");

    private final Database database;

    public SchemaMigrations(Database database) {
        this.database = Objects.requireNonNull(database, "database is null");
    }

    /** Applies the scripts not yet applied; returns their versions (empty when the schema was current). */
    public List<Integer> apply() throws SQLException, IOException {
        database.inTransaction(connection -> {
            try (Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                        + "name VARCHAR(200) NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)");
            }
            return null;
        });
        List<Integer> applied = new ArrayList<>();
        for (int version = 1; version <= SCRIPTS.size(); version++) {
            String name = SCRIPTS.get(version - 1);
            String script = Database.resource(name);
            int wanted = version;
            boolean ran = database.inTransaction(connection -> {
                if (database.isPostgres()) {
                    // Two controllers starting together: the second waits here, then sees the version applied.
                    try (Statement statement = connection.createStatement()) {
                        statement.execute("LOCK TABLE schema_migrations IN EXCLUSIVE MODE");
                    }
                }
                if (isApplied(connection, wanted)) {
                    return false;
                }
                try (Statement statement = connection.createStatement()) {
                    for (String sql : statements(script)) {
                        statement.execute(sql);
                    }
                }
                try (PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO schema_migrations (version, name) VALUES (?, ?)")) {
                    insert.setInt(1, wanted);
                    insert.setString(2, name);
                    insert.executeUpdate();
                }
                return true;
            });
            if (ran) {
                applied.add(version);
            }
        }
        return applied;
    }

    /** The highest version applied, 0 for an empty database. */
    public int currentVersion() throws SQLException {
        return database.inTransaction(connection -> {
            try (Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")) {
                rows.next();
                return rows.getInt(1);
            }
        });
    }

    private static boolean isApplied(Connection connection, int version) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT 1 FROM schema_migrations WHERE version = ?")) {
            query.setInt(1, version);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next();
            }
        }
    }

    /** Splits a script at semicolons that end a line; lines starting with {@code --} are comments. */
    static List<String> statements(String script) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : script.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("--")) {
                continue;
            }
            current.append(line).append('\n');
            if (trimmed.endsWith(";")) {
                String sql = current.toString().strip();
                out.add(sql.substring(0, sql.length() - 1));
                current.setLength(0);
            }
        }
        if (!current.isEmpty()) {
            out.add(current.toString().strip());
        }
        return out;
    }
}

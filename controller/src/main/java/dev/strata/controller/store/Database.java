package dev.strata.controller.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Properties;

/**
 * The controller's SQL database: PostgreSQL through pgjdbc, or an embedded H2 file. Work runs in
 * transactions at READ COMMITTED; a transaction that lost a lock race (serialisation failure, deadlock, lock
 * timeout) is run again, so a {@link Work} must have no effect outside the connection.
 */
public final class Database implements AutoCloseable {
    private static final int ATTEMPTS = 8;

    private final String url;
    private final ConnectionPool pool;

    private Database(String url, Properties properties, int poolSize) {
        this.url = url;
        this.pool = new ConnectionPool(url, properties, poolSize);
    }

    /** A database at a JDBC URL ({@code jdbc:postgresql://…} or {@code jdbc:h2:…}). */
    public static Database connect(String url, String user, String password, int poolSize) {
        Objects.requireNonNull(url, "url is null");
        if (!url.startsWith("jdbc:")) {
            throw new IllegalArgumentException("database url must be a JDBC URL (jdbc:postgresql://… or jdbc:h2:…): " + url);
        }
        Properties properties = new Properties();
        if (user != null) {
            properties.setProperty("user", user);
        }
        if (password != null) {
            properties.setProperty("password", password);
        }
        return new Database(url, properties, poolSize);
    }

    /**
     * An embedded H2 database in files beside {@code path} ({@code path.mv.db}), for one controller on one
     * machine. Waits up to 10 s for row locks, as PostgreSQL would wait for them.
     */
    public static Database embedded(Path path, int poolSize) {
        String url = "jdbc:h2:file:" + path.toAbsolutePath() + ";LOCK_TIMEOUT=10000;DB_CLOSE_ON_EXIT=FALSE";
        return connect(url, "sa", "", poolSize);
    }

    /** Work inside one transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /** Runs {@code work} in a transaction and commits it, retrying lost lock races. */
    public <T> T inTransaction(Work<T> work) throws SQLException {
        SQLException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try (ConnectionPool.Lease lease = pool.lease()) {
                Connection connection = lease.connection();
                boolean committed = false;
                try {
                    T result = work.run(connection);
                    connection.commit();
                    committed = true;
                    return result;
                } catch (SQLException e) {
                    if (isBroken(e)) {
                        lease.discard();
                    }
                    if (!isRetryable(e)) {
                        throw e;
                    }
                    last = e;
                } finally {
                    if (!committed) {
                        rollbackQuietly(connection, lease);
                    }
                }
            }
            try {
                Thread.sleep(attempt * 5L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted between attempts of a transaction", "57014", e);
            }
        }
        throw last;
    }

    /** The JDBC URL (without a password: passwords travel as properties). */
    public String url() {
        return url;
    }

    boolean isPostgres() {
        return url.startsWith("jdbc:postgresql:");
    }

    /** Reads a script on the module's class path. */
    static String resource(String name) throws IOException {
        try (InputStream in = Database.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static boolean isRetryable(SQLException e) {
        String state = e.getSQLState();
        // 40001 serialisation failure, 40P01 PostgreSQL deadlock, HYT00 H2 lock timeout.
        return "40001".equals(state) || "40P01".equals(state) || "HYT00".equals(state);
    }

    private static boolean isBroken(SQLException e) {
        String state = e.getSQLState();
        return state != null && state.startsWith("08");
    }

    private static void rollbackQuietly(Connection connection, ConnectionPool.Lease lease) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            lease.discard();
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}

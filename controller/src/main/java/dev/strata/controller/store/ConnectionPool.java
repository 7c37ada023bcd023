package dev.strata.controller.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A small pool of JDBC connections: at most {@code size} in use at once, idle ones reused newest first.
 * A connection that failed is discarded rather than returned ({@link Lease#discard()}), and an idle one is
 * checked before reuse, so a database restart costs one failed transaction per pooled connection at most.
 */
final class ConnectionPool implements AutoCloseable {
    private final String url;
    private final Properties properties;
    private final Semaphore permits;
    private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    ConnectionPool(String url, Properties properties, int size) {
        this.url = Objects.requireNonNull(url, "url is null");
        this.properties = Objects.requireNonNull(properties, "properties is null");
        if (size < 1) {
            throw new IllegalArgumentException("pool size must be at least 1: " + size);
        }
        this.permits = new Semaphore(size, true);
    }

    /** A connection for one transaction, waiting at most 30 s for a free one. */
    Lease lease() throws SQLException {
        try {
            if (!permits.tryAcquire(30, TimeUnit.SECONDS)) {
                throw new SQLException("no free database connection after 30 s (pool of " + url + ")", "08001");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for a database connection", "08001", e);
        }
        boolean success = false;
        try {
            Connection connection;
            while ((connection = idle.pollFirst()) != null) {
                if (connection.isValid(2)) {
                    break;
                }
                closeQuietly(connection);
            }
            if (connection == null) {
                connection = DriverManager.getConnection(url, properties);
            }
            connection.setAutoCommit(false);
            connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            success = true;
            return new Lease(connection);
        } finally {
            if (!success) {
                permits.release();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        Connection connection;
        while ((connection = idle.pollFirst()) != null) {
            closeQuietly(connection);
        }
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            // Already broken: nothing to release.
        }
    }

    /** One borrowed connection; closing it returns it to the pool unless it was discarded. */
    final class Lease implements AutoCloseable {
        private final Connection connection;
        private boolean discarded;
        private boolean released;

        private Lease(Connection connection) {
            this.connection = connection;
        }

        Connection connection() {
            return connection;
        }

        /** Marks the connection as unusable: it is closed instead of being reused. */
        void discard() {
            discarded = true;
        }

        @Override
        public void close() {
            if (released) {
                return;
            }
            released = true;
            if (discarded || closed) {
                closeQuietly(connection);
            } else {
                idle.addFirst(connection);
            }
            permits.release();
        }
    }
}

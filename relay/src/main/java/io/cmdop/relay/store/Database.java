package io.cmdop.relay.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;

/**
 * The connection pool to the relay's one database, with the few helpers every table class uses:
 * a unit of work in one transaction, timestamps in UTC at microsecond precision (what both
 * databases keep), and failures turned into {@link StoreException}s that never show a password.
 */
final class Database implements AutoCloseable {
    /** SQLSTATE of a unique-constraint violation, the same for H2 and PostgreSQL. */
    private static final String UNIQUE_VIOLATION = "23505";

    private final JdbcUrl url;
    private final List<String> secrets;
    private final Clock clock;
    private final HikariDataSource pool;

    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    @FunctionalInterface
    interface RowReader<T> {
        T read(ResultSet row) throws SQLException;
    }

    private Database(JdbcUrl url, List<String> secrets, Clock clock, HikariDataSource pool) {
        this.url = url;
        this.secrets = secrets;
        this.clock = clock;
        this.pool = pool;
    }

    /**
     * Connects to {@code url}. One connection is opened first, directly, so that an unreachable
     * database or refused credentials fail here with a message naming the URL (without password).
     */
    static Database open(JdbcUrl url, Optional<String> user, Optional<String> password, int maxConnections, Clock clock) {
        Optional<String> effectiveUser = user.or(url::user);
        Optional<String> effectivePassword = password.or(url::password);
        if (url.vendor() == JdbcUrl.Vendor.H2 && effectiveUser.isEmpty()
                && !url.connectUrl().toLowerCase(Locale.ROOT).contains(";user=")) {
            effectiveUser = Optional.of("cmdop");
        }
        List<String> secrets = new ArrayList<>(url.passwords());
        effectivePassword.ifPresent(secrets::add);

        // Every wait has a limit: connecting, a silent network, a row lock held by another relay.
        Properties driverSettings = new Properties();
        String initSql = null;
        if (url.vendor() == JdbcUrl.Vendor.POSTGRESQL) {
            driverSettings.setProperty("connectTimeout", "10");
            driverSettings.setProperty("socketTimeout", "60");
            driverSettings.setProperty("ApplicationName", "cmdop-relay");
            initSql = "SET lock_timeout = '10s'";
        }
        Properties properties = new Properties();
        properties.putAll(driverSettings);
        effectiveUser.ifPresent(u -> properties.setProperty("user", u));
        effectivePassword.ifPresent(p -> properties.setProperty("password", p));
        try {
            Driver driver = DriverManager.getDriver(url.connectUrl());
            try (Connection probe = driver.connect(url.connectUrl(), properties)) {
                if (probe == null) {
                    throw new SQLException("no JDBC driver accepts this URL");
                }
            }
        } catch (SQLException e) {
            throw unreachable(url, secrets, e);
        }

        HikariConfig config = new HikariConfig();
        config.setPoolName("cmdop-relay-store");
        config.setJdbcUrl(url.connectUrl());
        effectiveUser.ifPresent(config::setUsername);
        effectivePassword.ifPresent(config::setPassword);
        config.setMaximumPoolSize(maxConnections);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(10_000);
        config.setInitializationFailTimeout(1);
        config.setAutoCommit(true);
        driverSettings.forEach((key, value) -> config.addDataSourceProperty((String) key, value));
        if (initSql != null) {
            config.setConnectionInitSql(initSql);
        }
        try {
            return new Database(url, List.copyOf(secrets), clock, new HikariDataSource(config));
        } catch (RuntimeException e) {
            throw unreachable(url, secrets, e);
        }
    }

    private static StoreException unreachable(JdbcUrl url, List<String> secrets, Exception e) {
        String message = "cannot open the relay database " + url.redacted() + ": " + JdbcUrl.scrub(describe(e), secrets);
        return new StoreException(message, mentionsSecret(e, secrets) ? null : e);
    }

    /** The failure's own message, and its root cause's when that adds something (an unknown host, say). */
    private static String describe(Throwable e) {
        Throwable top = e;
        while (top.getMessage() == null && top.getCause() != null && top.getCause() != top) {
            top = top.getCause();
        }
        Throwable root = top;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = top.getMessage() == null ? top.getClass().getSimpleName() : top.getMessage();
        if (root != top) {
            String rootText = root.getMessage() == null ? "" : root.getMessage();
            if (!text.contains(rootText) || rootText.isEmpty()) {
                text += " (" + root.getClass().getSimpleName() + (rootText.isEmpty() ? "" : ": " + rootText) + ")";
            }
        }
        return text;
    }

    private static boolean mentionsSecret(Throwable e, List<String> secrets) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String text = t.toString();
            for (String secret : secrets) {
                if (!secret.isEmpty() && text.contains(secret)) {
                    return true;
                }
            }
        }
        return false;
    }

    javax.sql.DataSource dataSource() {
        return pool;
    }

    JdbcUrl url() {
        return url;
    }

    /** Now, at the precision both databases keep. */
    Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    /** Runs {@code work} in one transaction: committed when it returns, rolled back when it throws. */
    <T> T inTransaction(Work<T> work) {
        try (Connection connection = pool.getConnection()) {
            connection.setAutoCommit(false);
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                try {
                    connection.rollback();
                } catch (SQLException rollbackFailure) {
                    e.addSuppressed(rollbackFailure);
                }
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /** Runs {@code work} on a connection in auto-commit mode: for single statements and reads. */
    <T> T run(Work<T> work) {
        try (Connection connection = pool.getConnection()) {
            return work.run(connection);
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    StoreException failure(SQLException e) {
        return new StoreException("relay database " + url.redacted() + " failed: "
                + JdbcUrl.scrub(e.getMessage(), secrets), mentionsSecret(e, secrets) ? null : e);
    }

    static boolean isUniqueViolation(SQLException e) {
        for (SQLException s = e; s != null; s = s.getNextException()) {
            if (UNIQUE_VIOLATION.equals(s.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    // --- statement helpers -------------------------------------------------------------------

    static PreparedStatement prepare(Connection connection, String sql, Object... parameters) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        try {
            for (int i = 0; i < parameters.length; i++) {
                Object value = parameters[i];
                if (value instanceof Instant instant) {
                    statement.setObject(i + 1, OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
                } else {
                    statement.setObject(i + 1, value);
                }
            }
            return statement;
        } catch (SQLException | RuntimeException e) {
            statement.close();
            throw e;
        }
    }

    static int update(Connection connection, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement statement = prepare(connection, sql, parameters)) {
            return statement.executeUpdate();
        }
    }

    static <T> List<T> query(Connection connection, RowReader<T> reader, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement statement = prepare(connection, sql, parameters);
             ResultSet rows = statement.executeQuery()) {
            List<T> result = new ArrayList<>();
            while (rows.next()) {
                result.add(reader.read(rows));
            }
            return result;
        }
    }

    static <T> Optional<T> queryOne(Connection connection, RowReader<T> reader, String sql, Object... parameters) throws SQLException {
        List<T> rows = query(connection, reader, sql, parameters);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.getFirst());
    }

    static Instant instant(ResultSet row, String column) throws SQLException {
        OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    static Optional<Instant> optionalInstant(ResultSet row, String column) throws SQLException {
        return Optional.ofNullable(instant(row, column));
    }

    @Override
    public void close() {
        pool.close();
    }

}

package io.cmdop.relay.store;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The relay's durable records on one JDBC database: fleets, members, API keys, join keys, machines,
 * share links and the audit trail. The embedded H2 file under {@code $CMDOP_HOME} is the default; PostgreSQL
 * serves production and several relays. Opening a store brings the schema up to date with the
 * same migrations on both.
 *
 * <pre>{@code
 * try (RelayStore store = RelayStore.open(RelayStore.embeddedUrl(home))) {
 *     NewFleet fleet = store.fleets().create("default", "owner", true);
 *     switch (store.apiKeys().verify(presented)) { ... }
 * }
 * }</pre>
 *
 * <p>Every lookup that takes a fleet id answers only within that fleet: another fleet's rows are
 * "not found", never "forbidden". Thread-safe. Secrets are never stored, logged or put in an
 * exception message; only their SHA-256 hashes are kept.
 */
public final class RelayStore implements AutoCloseable {
    private final Database db;
    private final String schemaVersion;
    private final int migrationsApplied;
    private final Fleets fleets;
    private final Members members;
    private final ApiKeys apiKeys;
    private final JoinKeys joinKeys;
    private final Machines machines;
    private final AuditLog audit;
    private final ShareLinks shareLinks;

    private RelayStore(Database db, Migrations.Outcome migrated) {
        this.db = db;
        this.schemaVersion = migrated.schemaVersion();
        this.migrationsApplied = migrated.applied();
        this.members = new Members(db);
        this.apiKeys = new ApiKeys(db);
        this.fleets = new Fleets(db, members, apiKeys);
        this.joinKeys = new JoinKeys(db);
        this.machines = new Machines(db, joinKeys);
        this.audit = new AuditLog(db);
        this.shareLinks = new ShareLinks(db);
    }

    /** Opens the store at {@code jdbcUrl} with defaults; see {@link Builder}. */
    public static RelayStore open(String jdbcUrl) {
        return builder(jdbcUrl).open();
    }

    /** Options for opening the store at {@code jdbcUrl}. */
    public static Builder builder(String jdbcUrl) {
        return new Builder(jdbcUrl);
    }

    /**
     * The default database: an H2 file at {@code <cmdopHome>/relay/relay.mv.db}. The directory is
     * created, readable by its owner only, when the store opens.
     */
    public static String embeddedUrl(Path cmdopHome) {
        return JdbcUrl.embedded(cmdopHome);
    }

    /** {@code jdbcUrl} without any password (user information or parameter), for messages and logs. */
    public static String redactUrl(String jdbcUrl) {
        return JdbcUrl.redact(jdbcUrl);
    }

    public Fleets fleets() {
        return fleets;
    }

    public Members members() {
        return members;
    }

    public ApiKeys apiKeys() {
        return apiKeys;
    }

    public JoinKeys joinKeys() {
        return joinKeys;
    }

    public Machines machines() {
        return machines;
    }

    public AuditLog audit() {
        return audit;
    }

    public ShareLinks shareLinks() {
        return shareLinks;
    }

    /** The database's URL without its password. */
    public String displayUrl() {
        return db.url().redacted();
    }

    /** The schema version after the migrations ran, e.g. {@code 1}. */
    public String schemaVersion() {
        return schemaVersion;
    }

    /** How many migrations this open applied: 0 when the schema was already up to date. */
    int migrationsApplied() {
        return migrationsApplied;
    }

    Database database() {
        return db;
    }

    /** Closes the connection pool; the embedded database file is closed with its last connection. */
    @Override
    public void close() {
        db.close();
    }

    /** How to open a {@link RelayStore}. */
    public static final class Builder {
        private final String jdbcUrl;
        private Optional<String> user = Optional.empty();
        private Optional<String> password = Optional.empty();
        private int maxConnections = 4;
        private Clock clock = Clock.systemUTC();

        private Builder(String jdbcUrl) {
            this.jdbcUrl = jdbcUrl;
        }

        /** The database user, when not in the URL. */
        public Builder user(String user) {
            this.user = Optional.of(Objects.requireNonNull(user, "user"));
            return this;
        }

        /** The database password, when not in the URL. Never shown in messages. */
        public Builder password(String password) {
            this.password = Optional.of(Objects.requireNonNull(password, "password"));
            return this;
        }

        /** The most connections the store holds open (default 4). */
        public Builder maxConnections(int maxConnections) {
            if (maxConnections < 1) {
                throw new IllegalArgumentException("maxConnections must be at least 1: " + maxConnections);
            }
            this.maxConnections = maxConnections;
            return this;
        }

        /** The clock for creation times, expiries and last use (default: system UTC). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Connects, and migrates the schema.
         *
         * @throws IllegalArgumentException when the URL is not one of the supported forms
         * @throws StoreException when the database cannot be reached or migrated; the message names
         *     the URL without its password
         */
        public RelayStore open() {
            JdbcUrl url = JdbcUrl.parse(jdbcUrl);
            if (url.vendor() == JdbcUrl.Vendor.H2) {
                prepareEmbeddedDirectory(url);
            }
            Database db = Database.open(url, user, password, maxConnections, clock);
            try {
                return new RelayStore(db, Migrations.apply(db.dataSource(), url.redacted()));
            } catch (RuntimeException e) {
                db.close();
                throw e;
            }
        }

        private static void prepareEmbeddedDirectory(JdbcUrl url) {
            String lower = url.connectUrl().toLowerCase(Locale.ROOT);
            String prefix = lower.startsWith("jdbc:h2:file:") ? "jdbc:h2:file:" : null;
            if (prefix == null) {
                return;
            }
            String path = url.connectUrl().substring(prefix.length());
            int settings = path.indexOf(';');
            if (settings >= 0) {
                path = path.substring(0, settings);
            }
            if (path.startsWith("~")) {
                return;
            }
            Path directory = Path.of(path).toAbsolutePath().getParent();
            if (directory == null || Files.isDirectory(directory)) {
                return;
            }
            try {
                try {
                    Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } catch (UnsupportedOperationException notPosix) {
                    Files.createDirectories(directory);
                }
            } catch (FileAlreadyExistsException e) {
                throw new StoreException("cannot open the relay database " + url.redacted()
                        + ": cannot create the directory " + e.getFile() + ": a file of that name is in the way", e);
            } catch (IOException e) {
                throw new StoreException("cannot open the relay database " + url.redacted()
                        + ": cannot create the directory " + directory + ": " + e, e);
            }
        }
    }
}

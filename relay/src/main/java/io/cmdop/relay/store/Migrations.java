package io.cmdop.relay.store;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;

import javax.sql.DataSource;

/**
 * Brings the schema up to date with the migrations under {@code io/cmdop/relay/store/migration}
 * (the same files for H2 and PostgreSQL). Already applied migrations are checked, not rerun;
 * several relays starting at once on PostgreSQL take Flyway's lock in turn.
 */
final class Migrations {
    static final String LOCATION = "classpath:io/cmdop/relay/store/migration";
    static final String HISTORY_TABLE = "cmdop_schema_history";

    /** What one run did. */
    record Outcome(int applied, String schemaVersion) {
    }

    private Migrations() {
    }

    static Outcome apply(DataSource dataSource, String redactedUrl) {
        Flyway flyway = Flyway.configure(Migrations.class.getClassLoader())
                .dataSource(dataSource)
                .locations(LOCATION)
                .table(HISTORY_TABLE)
                .failOnMissingLocations(true)
                .validateMigrationNaming(true)
                .cleanDisabled(true)
                .load();
        try {
            MigrateResult result = flyway.migrate();
            String version = result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion;
            return new Outcome(result.migrationsExecuted, version);
        } catch (FlywayException e) {
            throw new StoreException("cannot bring the relay database " + redactedUrl + " up to date: " + e.getMessage(), e);
        }
    }
}

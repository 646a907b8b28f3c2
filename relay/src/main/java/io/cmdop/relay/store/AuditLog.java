package io.cmdop.relay.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Each fleet's audit trail: who did what, when, from where. Appending never fails on long text
 * (it is cut to the column's size); {@link #prune(Duration)} bounds how long entries are kept.
 * Never append a secret: name keys and machines by id.
 */
public final class AuditLog {
    /** The most entries one {@link #list} call returns. */
    public static final int MAX_LIST = 1000;

    private final Database db;

    AuditLog(Database db) {
        this.db = db;
    }

    /** Appends an entry to the fleet's trail, stamped now. */
    public AuditEntry append(String fleetId, String actor, String action, String target, String source) {
        AuditEntry entry = new AuditEntry(0, fleetId, db.now(), cut(actor, 200), cut(action, 100), cut(target, 200), cut(source, 200));
        return db.run(c -> {
            try (PreparedStatement statement = c.prepareStatement(
                    "INSERT INTO audit_events (fleet_id, occurred_at, actor, action, target, source) VALUES (?, ?, ?, ?, ?, ?)",
                    Statement.RETURN_GENERATED_KEYS)) {
                statement.setString(1, entry.fleetId());
                statement.setObject(2, OffsetDateTime.ofInstant(entry.at(), ZoneOffset.UTC));
                statement.setString(3, entry.actor());
                statement.setString(4, entry.action());
                statement.setString(5, entry.target());
                statement.setString(6, entry.source());
                statement.executeUpdate();
                try (ResultSet keys = statement.getGeneratedKeys()) {
                    keys.next();
                    return new AuditEntry(keys.getLong(1), entry.fleetId(), entry.at(), entry.actor(), entry.action(),
                            entry.target(), entry.source());
                }
            }
        });
    }

    /** The fleet's newest entries, newest first, at most {@code limit} (capped at {@value #MAX_LIST}). */
    public List<AuditEntry> list(String fleetId, int limit) {
        int rows = Math.clamp(limit, 0, MAX_LIST);
        return db.run(c -> Database.query(c, row -> new AuditEntry(row.getLong("id"), row.getString("fleet_id"),
                        Database.instant(row, "occurred_at"), row.getString("actor"), row.getString("action"),
                        row.getString("target"), row.getString("source")),
                "SELECT id, fleet_id, occurred_at, actor, action, target, source FROM audit_events"
                        + " WHERE fleet_id = ? ORDER BY occurred_at DESC, id DESC FETCH FIRST " + rows + " ROWS ONLY",
                fleetId));
    }

    /**
     * Deletes every fleet's entries older than {@code retention}.
     *
     * @return how many entries were deleted
     */
    public int prune(Duration retention) {
        if (retention.isNegative()) {
            throw new IllegalArgumentException("retention must not be negative: " + retention);
        }
        Instant cutoff = db.now().minus(retention);
        return db.run(c -> Database.update(c, "DELETE FROM audit_events WHERE occurred_at < ?", cutoff));
    }

    private static String cut(String text, int max) {
        if (text == null) {
            return "";
        }
        String clean = text.codePoints()
                .map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                .toString();
        if (clean.length() <= max) {
            return clean;
        }
        int end = max;
        if (Character.isHighSurrogate(clean.charAt(end - 1))) {
            end--;
        }
        return clean.substring(0, end);
    }
}

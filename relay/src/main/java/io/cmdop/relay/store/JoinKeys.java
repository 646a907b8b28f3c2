package io.cmdop.relay.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Join keys: {@code cmdop_enroll_<id>_<secret>}, each letting a number of machines enroll into its
 * fleet before it expires. Spending a use is atomic: of two enrollments racing for the last use,
 * exactly one wins and the other is refused with {@link Refusal#USED_UP}.
 */
public final class JoinKeys {
    /** The most uses one join key may allow. */
    public static final int MAX_USES = 100_000;
    /** The longest a join key may live. */
    public static final Duration MAX_TTL = Duration.ofDays(366);

    private static final String COLUMNS = "id, fleet_id, created_at, expires_at, max_uses, uses, revoked_at";

    private final Database db;

    JoinKeys(Database db) {
        this.db = db;
    }

    /**
     * Creates a join key for the fleet, valid for {@code uses} enrollments within {@code ttl}.
     *
     * @throws IllegalArgumentException when the fleet does not exist, {@code uses} is not within
     *     1..{@value #MAX_USES}, or {@code ttl} is not positive and at most {@link #MAX_TTL}
     */
    public CreatedJoinKey create(String fleetId, int uses, Duration ttl) {
        if (uses < 1 || uses > MAX_USES) {
            throw new IllegalArgumentException("a join key allows 1 to " + MAX_USES + " uses, not " + uses);
        }
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException("a join key lives more than 0 and at most " + MAX_TTL.toDays() + " days, not " + ttl);
        }
        return db.inTransaction(c -> {
            if (!Fleets.exists(c, fleetId)) {
                throw new IllegalArgumentException("no fleet " + fleetId);
            }
            Instant now = db.now();
            String id = Credential.newId();
            String secret = Credential.JOIN_KEY.issue(id);
            JoinKey key = new JoinKey(id, fleetId, now, now.plus(ttl), uses, 0, Optional.empty());
            Database.update(c, "INSERT INTO join_keys (id, fleet_id, secret_hash, created_at, expires_at, max_uses, uses)"
                            + " VALUES (?, ?, ?, ?, ?, ?, 0)",
                    id, fleetId, Credential.hash(secret), key.createdAt(), key.expiresAt(), uses);
            return new CreatedJoinKey(key, secret);
        });
    }

    /**
     * Spends one use of a presented join key. Accepted: the key, its use counted. Refused:
     * {@link Refusal#MALFORMED}, {@link Refusal#UNKNOWN}, {@link Refusal#REVOKED},
     * {@link Refusal#EXPIRED} or {@link Refusal#USED_UP}; a refused attempt spends nothing.
     */
    public Verification<JoinKey> consume(String presented) {
        Optional<String> id = Credential.JOIN_KEY.idOf(presented);
        if (id.isEmpty()) {
            return Verification.refused(Refusal.MALFORMED);
        }
        return db.inTransaction(c -> consume(c, presented, id.get()));
    }

    /** {@link #consume(String)} inside the caller's transaction, for enrollment. */
    Verification<JoinKey> consume(Connection c, String presented, String id) throws SQLException {
        Optional<String> hash = Database.queryOne(c, row -> row.getString("secret_hash"),
                "SELECT secret_hash FROM join_keys WHERE id = ?", id);
        if (hash.isEmpty() || !Credential.matches(presented, hash.get())) {
            return Verification.refused(Refusal.UNKNOWN);
        }
        Instant now = db.now();
        // One statement decides: under concurrent attempts the database serialises the row, and a
        // loser re-checks the condition against the winner's committed count.
        int spent = Database.update(c, "UPDATE join_keys SET uses = uses + 1"
                        + " WHERE id = ? AND revoked_at IS NULL AND expires_at > ? AND uses < max_uses",
                id, now);
        JoinKey key = Database.queryOne(c, JoinKeys::read, "SELECT " + COLUMNS + " FROM join_keys WHERE id = ?", id)
                .orElseThrow(() -> new SQLException("join key " + id + " vanished"));
        if (spent == 1) {
            return Verification.accepted(key);
        }
        if (key.revoked()) {
            return Verification.refused(Refusal.REVOKED);
        }
        if (!key.expiresAt().isAfter(now)) {
            return Verification.refused(Refusal.EXPIRED);
        }
        return Verification.refused(Refusal.USED_UP);
    }

    /**
     * Revokes a join key of this fleet: no further machine can enroll with it. Machines already
     * enrolled keep their own credentials.
     *
     * @return false when the fleet has no such join key
     */
    public boolean revoke(String fleetId, String joinKeyId) {
        return db.run(c -> Database.update(c,
                "UPDATE join_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE fleet_id = ? AND id = ?",
                db.now(), fleetId, joinKeyId) == 1);
    }

    /** The join key with this id in this fleet; empty for another fleet's. */
    public Optional<JoinKey> get(String fleetId, String joinKeyId) {
        return db.run(c -> Database.queryOne(c, JoinKeys::read,
                "SELECT " + COLUMNS + " FROM join_keys WHERE fleet_id = ? AND id = ?", fleetId, joinKeyId));
    }

    /** The fleet's join keys, spent, expired and revoked ones included, oldest first. */
    public List<JoinKey> list(String fleetId) {
        return db.run(c -> Database.query(c, JoinKeys::read,
                "SELECT " + COLUMNS + " FROM join_keys WHERE fleet_id = ? ORDER BY created_at, id", fleetId));
    }

    static JoinKey read(ResultSet row) throws SQLException {
        return new JoinKey(row.getString("id"), row.getString("fleet_id"), Database.instant(row, "created_at"),
                Database.instant(row, "expires_at"), row.getInt("max_uses"), row.getInt("uses"),
                Database.optionalInstant(row, "revoked_at"));
    }
}

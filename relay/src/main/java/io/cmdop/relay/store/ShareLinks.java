package io.cmdop.relay.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Share links: {@code cmdop_share_<id>_<secret>}, each opening one session to whoever holds it,
 * until it expires or is revoked. Stored as a hash like every secret; opening one is counted.
 */
public final class ShareLinks {
    public static final Duration MAX_TTL = Duration.ofDays(30);
    public static final Duration MIN_TTL = Duration.ofSeconds(10);

    private static final String COLUMNS = "id, fleet_id, machine, session_id, session_name, mode, created_by,"
            + " created_at, expires_at, revoked_at, views";

    private final Database db;

    ShareLinks(Database db) {
        this.db = db;
    }

    /**
     * Creates a link to a session, living {@code ttl}.
     *
     * @throws IllegalArgumentException when the fleet does not exist or the ttl is not within
     *     {@link #MIN_TTL}..{@link #MAX_TTL}
     */
    public CreatedShareLink create(String fleetId, String machine, String sessionId, String sessionName,
                                   boolean operator, String createdBy, Duration ttl) {
        if (ttl.compareTo(MIN_TTL) < 0 || ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException("a share link lives from " + MIN_TTL.toSeconds() + " seconds to "
                    + MAX_TTL.toDays() + " days, not " + ttl.toSeconds() + " seconds");
        }
        Names.machine(machine);
        Names.label("session id", sessionId, 64);
        Names.optionalLabel("session name", sessionName, 64);
        return db.inTransaction(c -> {
            if (!Fleets.exists(c, fleetId)) {
                throw new IllegalArgumentException("no fleet " + fleetId);
            }
            Instant now = db.now();
            String id = Credential.newId();
            String token = Credential.SHARE_LINK.issue(id);
            ShareLink link = new ShareLink(id, fleetId, machine, sessionId, sessionName, operator, createdBy, now,
                    now.plus(ttl), Optional.empty(), 0);
            Database.update(c, "INSERT INTO share_links (id, fleet_id, machine, session_id, session_name, mode,"
                            + " created_by, secret_hash, created_at, expires_at, views) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                    id, fleetId, machine, sessionId, sessionName, operator ? "operator" : "observer", createdBy,
                    Credential.hash(token), now, link.expiresAt());
            return new CreatedShareLink(link, token);
        });
    }

    /**
     * Checks a presented token. Accepted: the link. Refused: {@link Refusal#MALFORMED} (decided
     * without the database), {@link Refusal#UNKNOWN}, {@link Refusal#REVOKED} or {@link Refusal#EXPIRED}.
     * Verifying is not a view: {@link #countView} counts one.
     */
    public Verification<ShareLink> verify(String presented) {
        Optional<String> id = Credential.SHARE_LINK.idOf(presented);
        if (id.isEmpty()) {
            return Verification.refused(Refusal.MALFORMED);
        }
        return db.run(c -> {
            Optional<String> hash = Database.queryOne(c, row -> row.getString("secret_hash"),
                    "SELECT secret_hash FROM share_links WHERE id = ?", id.get());
            if (hash.isEmpty() || !Credential.matches(presented, hash.get())) {
                return Verification.refused(Refusal.UNKNOWN);
            }
            ShareLink link = Database.queryOne(c, ShareLinks::read,
                    "SELECT " + COLUMNS + " FROM share_links WHERE id = ?", id.get()).orElseThrow();
            if (link.revoked()) {
                return Verification.refused(Refusal.REVOKED);
            }
            if (!link.usableAt(db.now())) {
                return Verification.refused(Refusal.EXPIRED);
            }
            return Verification.accepted(link);
        });
    }

    /** Counts one opening of the link. */
    public void countView(String linkId) {
        db.run(c -> Database.update(c, "UPDATE share_links SET views = views + 1 WHERE id = ?", linkId));
    }

    /**
     * Revokes a link of this fleet; revoking twice keeps the first time.
     *
     * @return false when the fleet has no such link
     */
    public boolean revoke(String fleetId, String linkId) {
        return db.run(c -> Database.update(c,
                "UPDATE share_links SET revoked_at = COALESCE(revoked_at, ?) WHERE fleet_id = ? AND id = ?",
                db.now(), fleetId, linkId) == 1);
    }

    /** The link with this id in this fleet; empty for another fleet's. */
    public Optional<ShareLink> get(String fleetId, String linkId) {
        return db.run(c -> Database.queryOne(c, ShareLinks::read,
                "SELECT " + COLUMNS + " FROM share_links WHERE fleet_id = ? AND id = ?", fleetId, linkId));
    }

    /** The fleet's links, expired and revoked ones included, oldest first. */
    public List<ShareLink> list(String fleetId) {
        return db.run(c -> Database.query(c, ShareLinks::read,
                "SELECT " + COLUMNS + " FROM share_links WHERE fleet_id = ? ORDER BY created_at, id", fleetId));
    }

    /** The store's clock, for deciding expiry where links are watched. */
    public Instant now() {
        return db.now();
    }

    static ShareLink read(ResultSet row) throws SQLException {
        return new ShareLink(row.getString("id"), row.getString("fleet_id"), row.getString("machine"),
                row.getString("session_id"), row.getString("session_name"), "operator".equals(row.getString("mode")),
                row.getString("created_by"), Database.instant(row, "created_at"), Database.instant(row, "expires_at"),
                Database.optionalInstant(row, "revoked_at"), row.getLong("views"));
    }
}

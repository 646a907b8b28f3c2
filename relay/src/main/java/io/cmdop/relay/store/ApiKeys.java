package io.cmdop.relay.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * API keys: {@code cmdop_<keyid>_<secret>}, each belonging to a member. The secret is returned once
 * at creation and stored only as a hash. Verifying a key yields the {@link Principal} it speaks
 * for and records when it was last used.
 */
public final class ApiKeys {
    private static final String COLUMNS =
            "id, fleet_id, member_id, name, role, relay_admin, created_at, last_used_at, revoked_at";

    private final Database db;

    ApiKeys(Database db) {
        this.db = db;
    }

    /**
     * Creates a key for a member. Its {@code role} may be lower than the member's (a read-only key
     * for an admin, say) but not higher.
     *
     * @throws IllegalArgumentException when the fleet has no such member, the role exceeds the
     *     member's, or the name is not acceptable
     */
    public CreatedApiKey create(String fleetId, String memberId, String name, Role role) {
        Names.label("key name", name, 100);
        return db.inTransaction(c -> {
            Member member = Members.get(c, fleetId, memberId)
                    .orElseThrow(() -> new IllegalArgumentException("no member " + memberId + " in this fleet"));
            if (!member.role().atLeast(role)) {
                throw new IllegalArgumentException("a key cannot have more rights than its member: "
                        + member.name() + " is " + member.role().wireName() + ", the key asked for " + role.wireName());
            }
            return insert(c, member, name, role, false);
        });
    }

    CreatedApiKey insert(Connection c, Member member, String name, Role role, boolean relayAdmin) throws SQLException {
        String id = Credential.newId();
        String secret = Credential.API_KEY.issue(id);
        ApiKey key = new ApiKey(id, member.fleetId(), member.id(), name, role, relayAdmin, db.now(),
                Optional.empty(), Optional.empty());
        Database.update(c, "INSERT INTO api_keys (id, fleet_id, member_id, name, role, relay_admin, secret_hash, created_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                key.id(), key.fleetId(), key.memberId(), key.name(), role.wireName(), relayAdmin,
                Credential.hash(secret), key.createdAt());
        return new CreatedApiKey(key, secret);
    }

    /**
     * Checks a presented key. Accepted: the principal it speaks for, and its last use is now.
     * Refused: {@link Refusal#MALFORMED} (decided without the database), {@link Refusal#UNKNOWN}
     * (no such key, or the secret part does not match), or {@link Refusal#REVOKED}.
     */
    public Verification<Principal> verify(String presented) {
        Optional<String> id = Credential.API_KEY.idOf(presented);
        if (id.isEmpty()) {
            return Verification.refused(Refusal.MALFORMED);
        }
        return db.run(c -> {
            Optional<Candidate> found = Database.queryOne(c, row -> new Candidate(
                            row.getString("secret_hash"),
                            row.getObject("revoked_at") != null,
                            new Principal(row.getString("fleet_id"), row.getString("member_id"), row.getString("member_name"),
                                    Role.parse(row.getString("key_role")).lowerOf(Role.parse(row.getString("member_role"))),
                                    row.getString("id"), row.getBoolean("relay_admin"))),
                    "SELECT k.id, k.fleet_id, k.member_id, k.role AS key_role, k.relay_admin, k.secret_hash, k.revoked_at,"
                            + " m.name AS member_name, m.role AS member_role"
                            + " FROM api_keys k JOIN members m ON m.id = k.member_id AND m.fleet_id = k.fleet_id"
                            + " WHERE k.id = ?",
                    id.get());
            if (found.isEmpty() || !Credential.matches(presented, found.get().hash())) {
                return Verification.refused(Refusal.UNKNOWN);
            }
            if (found.get().revoked()) {
                return Verification.refused(Refusal.REVOKED);
            }
            Database.update(c, "UPDATE api_keys SET last_used_at = ? WHERE id = ?", db.now(), id.get());
            return Verification.accepted(found.get().principal());
        });
    }

    private record Candidate(String hash, boolean revoked, Principal principal) {
    }

    /**
     * Revokes a key of this fleet. A revoked key stays listed, and verifies as
     * {@link Refusal#REVOKED}. Revoking twice keeps the first revocation time.
     *
     * @return false when the fleet has no such key
     */
    public boolean revoke(String fleetId, String keyId) {
        return db.run(c -> Database.update(c,
                "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE fleet_id = ? AND id = ?",
                db.now(), fleetId, keyId) == 1);
    }

    /** The key with this id in this fleet; empty for another fleet's key. */
    public Optional<ApiKey> get(String fleetId, String keyId) {
        return db.run(c -> Database.queryOne(c, ApiKeys::read,
                "SELECT " + COLUMNS + " FROM api_keys WHERE fleet_id = ? AND id = ?", fleetId, keyId));
    }

    /** The fleet's keys, revoked ones included, oldest first. */
    public List<ApiKey> list(String fleetId) {
        return db.run(c -> Database.query(c, ApiKeys::read,
                "SELECT " + COLUMNS + " FROM api_keys WHERE fleet_id = ? ORDER BY created_at, id", fleetId));
    }

    static ApiKey read(ResultSet row) throws SQLException {
        return new ApiKey(row.getString("id"), row.getString("fleet_id"), row.getString("member_id"),
                row.getString("name"), Role.parse(row.getString("role")), row.getBoolean("relay_admin"),
                Database.instant(row, "created_at"), Database.optionalInstant(row, "last_used_at"),
                Database.optionalInstant(row, "revoked_at"));
    }
}

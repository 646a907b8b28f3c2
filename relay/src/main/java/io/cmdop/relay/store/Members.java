package io.cmdop.relay.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** A fleet's members and their roles. Every method is scoped to one fleet. */
public final class Members {
    private static final String COLUMNS = "id, fleet_id, name, role, created_at";

    private final Database db;

    Members(Database db) {
        this.db = db;
    }

    /**
     * Adds a member to the fleet.
     *
     * @throws NameTakenException when the fleet has a member of that name
     * @throws IllegalArgumentException when the name is not acceptable or the fleet does not exist
     */
    public Member add(String fleetId, String name, Role role) {
        Names.member(name);
        return db.inTransaction(c -> {
            if (!Fleets.exists(c, fleetId)) {
                throw new IllegalArgumentException("no fleet " + fleetId);
            }
            return insert(c, fleetId, name, role);
        });
    }

    /** The member with this id in this fleet; empty for another fleet's member. */
    public Optional<Member> get(String fleetId, String memberId) {
        return db.run(c -> get(c, fleetId, memberId));
    }

    /** The member with this name in this fleet. */
    public Optional<Member> find(String fleetId, String name) {
        return db.run(c -> Database.queryOne(c, Members::read,
                "SELECT " + COLUMNS + " FROM members WHERE fleet_id = ? AND name = ?", fleetId, name));
    }

    /** The fleet's members, by name. */
    public List<Member> list(String fleetId) {
        return db.run(c -> Database.query(c, Members::read,
                "SELECT " + COLUMNS + " FROM members WHERE fleet_id = ? ORDER BY name", fleetId));
    }

    /**
     * Gives a member another role. Their keys follow at once: a key never does more than its
     * member's current role allows.
     *
     * @return false when the fleet has no such member
     */
    public boolean changeRole(String fleetId, String memberId, Role role) {
        return db.run(c -> Database.update(c, "UPDATE members SET role = ? WHERE fleet_id = ? AND id = ?",
                role.wireName(), fleetId, memberId) == 1);
    }

    Member insert(Connection c, String fleetId, String name, Role role) throws SQLException {
        Member member = new Member(Credential.newId(), fleetId, name, role, db.now());
        try {
            Database.update(c, "INSERT INTO members (id, fleet_id, name, role, created_at) VALUES (?, ?, ?, ?, ?)",
                    member.id(), fleetId, name, role.wireName(), member.createdAt());
        } catch (SQLException e) {
            if (Database.isUniqueViolation(e)) {
                throw new NameTakenException("member", name, " in this fleet");
            }
            throw e;
        }
        return member;
    }

    static Optional<Member> get(Connection c, String fleetId, String memberId) throws SQLException {
        return Database.queryOne(c, Members::read,
                "SELECT " + COLUMNS + " FROM members WHERE fleet_id = ? AND id = ?", fleetId, memberId);
    }

    static Member read(ResultSet row) throws SQLException {
        return new Member(row.getString("id"), row.getString("fleet_id"), row.getString("name"),
                Role.parse(row.getString("role")), Database.instant(row, "created_at"));
    }
}

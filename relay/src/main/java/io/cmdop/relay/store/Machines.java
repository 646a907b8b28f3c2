package io.cmdop.relay.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * Machines enrolled in fleets. A machine enrolls once with a join key and receives its own
 * credential, {@code cmdop_machine_<id>_<secret>}, which it presents on every connection after.
 */
public final class Machines {
    private static final String COLUMNS = "id, fleet_id, name, agent_version, created_at, last_seen_at, revoked_at";

    private final Database db;
    private final JoinKeys joinKeys;

    Machines(Database db, JoinKeys joinKeys) {
        this.db = db;
        this.joinKeys = joinKeys;
    }

    /**
     * Enrolls a machine into the join key's fleet, spending one use of the key, in one transaction.
     * Accepted: the machine and its credential (shown once). Refused as
     * {@link JoinKeys#consume(String)} refuses.
     *
     * @throws NameTakenException when an active machine of the fleet has that name; the join key's
     *     use is not spent then
     * @throws IllegalArgumentException when the name or agent version is not acceptable
     */
    public Verification<EnrolledMachine> enroll(String joinKey, String name, String agentVersion) {
        Optional<String> joinKeyId = Credential.JOIN_KEY.idOf(joinKey);
        if (joinKeyId.isEmpty()) {
            return Verification.refused(Refusal.MALFORMED);
        }
        Names.machine(name);
        String version = Names.optionalLabel("agent version", agentVersion, 100);
        return db.inTransaction(c -> {
            JoinKey key;
            switch (joinKeys.consume(c, joinKey, joinKeyId.get())) {
                case Verification.Accepted<JoinKey>(JoinKey spent) -> key = spent;
                case Verification.Refused<JoinKey>(Refusal reason) -> {
                    return Verification.refused(reason);
                }
            }
            String id = Credential.newId();
            String credential = Credential.MACHINE.issue(id);
            Machine machine = new Machine(id, key.fleetId(), name, version, db.now(), Optional.empty(), Optional.empty());
            try {
                Database.update(c, "INSERT INTO machines (id, fleet_id, name, active_name, agent_version, credential_hash,"
                                + " join_key_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        id, key.fleetId(), name, name, version, Credential.hash(credential), key.id(), machine.createdAt());
            } catch (SQLException e) {
                if (Database.isUniqueViolation(e)) {
                    throw new NameTakenException("machine", name, " in this fleet");
                }
                throw e;
            }
            return Verification.accepted(new EnrolledMachine(machine, credential));
        });
    }

    /**
     * Checks a presented machine credential. Accepted: the machine, now marked seen. Refused:
     * {@link Refusal#MALFORMED} (decided without the database), {@link Refusal#UNKNOWN} or
     * {@link Refusal#REVOKED}.
     */
    public Verification<Machine> verify(String credential) {
        Optional<String> id = Credential.MACHINE.idOf(credential);
        if (id.isEmpty()) {
            return Verification.refused(Refusal.MALFORMED);
        }
        return db.run(c -> {
            Optional<String> hash = Database.queryOne(c, row -> row.getString("credential_hash"),
                    "SELECT credential_hash FROM machines WHERE id = ?", id.get());
            if (hash.isEmpty() || !Credential.matches(credential, hash.get())) {
                return Verification.refused(Refusal.UNKNOWN);
            }
            Database.update(c, "UPDATE machines SET last_seen_at = ? WHERE id = ? AND revoked_at IS NULL", db.now(), id.get());
            Machine machine = Database.queryOne(c, Machines::read, "SELECT " + COLUMNS + " FROM machines WHERE id = ?", id.get())
                    .orElseThrow(() -> new SQLException("machine " + id.get() + " vanished"));
            return machine.revoked() ? Verification.refused(Refusal.REVOKED) : Verification.accepted(machine);
        });
    }

    /**
     * Records that a connected machine was seen now, running {@code agentVersion}.
     *
     * @return false when the fleet has no such active machine
     */
    public boolean markSeen(String fleetId, String machineId, String agentVersion) {
        String version = Names.optionalLabel("agent version", agentVersion, 100);
        return db.run(c -> Database.update(c,
                "UPDATE machines SET last_seen_at = ?, agent_version = ? WHERE fleet_id = ? AND id = ? AND revoked_at IS NULL",
                db.now(), version, fleetId, machineId) == 1);
    }

    /**
     * Revokes a machine: its credential is refused from now on, and its name is free for a new
     * enrollment. The machine stays listed as revoked.
     *
     * @return false when the fleet has no such machine
     */
    public boolean revoke(String fleetId, String machineId) {
        return db.run(c -> Database.update(c,
                "UPDATE machines SET revoked_at = COALESCE(revoked_at, ?), active_name = NULL WHERE fleet_id = ? AND id = ?",
                db.now(), fleetId, machineId) == 1);
    }

    /** The machine with this id in this fleet; empty for another fleet's machine. */
    public Optional<Machine> get(String fleetId, String machineId) {
        return db.run(c -> Database.queryOne(c, Machines::read,
                "SELECT " + COLUMNS + " FROM machines WHERE fleet_id = ? AND id = ?", fleetId, machineId));
    }

    /** The fleet's active (not revoked) machine with this name. */
    public Optional<Machine> find(String fleetId, String name) {
        return db.run(c -> Database.queryOne(c, Machines::read,
                "SELECT " + COLUMNS + " FROM machines WHERE fleet_id = ? AND active_name = ?", fleetId, name));
    }

    /** The fleet's machines, revoked ones included, by name then enrollment time. */
    public List<Machine> list(String fleetId) {
        return db.run(c -> Database.query(c, Machines::read,
                "SELECT " + COLUMNS + " FROM machines WHERE fleet_id = ? ORDER BY name, created_at, id", fleetId));
    }

    static Machine read(ResultSet row) throws SQLException {
        return new Machine(row.getString("id"), row.getString("fleet_id"), row.getString("name"),
                row.getString("agent_version"), Database.instant(row, "created_at"),
                Database.optionalInstant(row, "last_seen_at"), Database.optionalInstant(row, "revoked_at"));
    }
}

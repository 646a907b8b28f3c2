package io.cmdop.relay.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** The relay's fleets. Creating one also creates its owner and the owner's API key, in one step. */
public final class Fleets {
    private static final String COLUMNS = "id, name, created_at";

    private final Database db;
    private final Members members;
    private final ApiKeys apiKeys;

    Fleets(Database db, Members members, ApiKeys apiKeys) {
        this.db = db;
        this.members = members;
        this.apiKeys = apiKeys;
    }

    /**
     * Creates the fleet {@code name} with one member, {@code ownerName}, as its owner, and an owner
     * API key for that member. {@code relay init} does this for fleet "default" with
     * {@code relayAdmin} set, so that its key may create further fleets.
     *
     * @throws NameTakenException when a fleet of that name exists; nothing is created then
     * @throws IllegalArgumentException when a name is not acceptable
     */
    public NewFleet create(String name, String ownerName, boolean relayAdmin) {
        Names.fleet(name);
        Names.member(ownerName);
        return db.inTransaction(c -> {
            Fleet fleet = new Fleet(Credential.newId(), name, db.now());
            try {
                Database.update(c, "INSERT INTO fleets (id, name, created_at) VALUES (?, ?, ?)",
                        fleet.id(), fleet.name(), fleet.createdAt());
            } catch (SQLException e) {
                if (Database.isUniqueViolation(e)) {
                    throw new NameTakenException("fleet", name, " on this relay");
                }
                throw e;
            }
            Member owner = members.insert(c, fleet.id(), ownerName, Role.OWNER);
            CreatedApiKey key = apiKeys.insert(c, owner, "owner", Role.OWNER, relayAdmin);
            return new NewFleet(fleet, owner, key);
        });
    }

    /** The fleet with this id. */
    public Optional<Fleet> get(String fleetId) {
        return db.run(c -> Database.queryOne(c, Fleets::read, "SELECT " + COLUMNS + " FROM fleets WHERE id = ?", fleetId));
    }

    /** The fleet with this name. */
    public Optional<Fleet> find(String name) {
        return db.run(c -> Database.queryOne(c, Fleets::read, "SELECT " + COLUMNS + " FROM fleets WHERE name = ?", name));
    }

    /** Every fleet on the relay, by name. For relay administrators only. */
    public List<Fleet> list() {
        return db.run(c -> Database.query(c, Fleets::read, "SELECT " + COLUMNS + " FROM fleets ORDER BY name"));
    }

    static Fleet read(ResultSet row) throws SQLException {
        return new Fleet(row.getString("id"), row.getString("name"), Database.instant(row, "created_at"));
    }

    static boolean exists(Connection c, String fleetId) throws SQLException {
        return Database.queryOne(c, row -> true, "SELECT 1 FROM fleets WHERE id = ?", fleetId).isPresent();
    }
}

package io.cmdop.relay.store;

import java.time.Instant;

/** A member of a fleet. Its name is unique within the fleet; its role caps what its keys may do. */
public record Member(String id, String fleetId, String name, Role role, Instant createdAt) {
}

package io.cmdop.relay.store;

import java.time.Instant;

/**
 * One line of a fleet's audit trail: who did what to what, when, and from where.
 *
 * @param actor who acted, e.g. a member name and key id, or a machine
 * @param action what was done, e.g. {@code key.revoke}
 * @param target what it was done to, e.g. a key or machine id; may be empty
 * @param source where the request came from, e.g. a remote address; may be empty
 */
public record AuditEntry(long id, String fleetId, Instant at, String actor, String action, String target, String source) {
}

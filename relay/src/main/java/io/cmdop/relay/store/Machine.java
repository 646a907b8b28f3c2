package io.cmdop.relay.store;

import java.time.Instant;
import java.util.Optional;

/**
 * A machine enrolled in a fleet. Its name is unique among the fleet's machines that are not
 * revoked, so a revoked machine's name can be enrolled again (as a new machine, with a new id).
 */
public record Machine(
        String id,
        String fleetId,
        String name,
        String agentVersion,
        Instant createdAt,
        Optional<Instant> lastSeenAt,
        Optional<Instant> revokedAt) {

    /** True once the machine has been revoked: its credential is then refused. */
    public boolean revoked() {
        return revokedAt.isPresent();
    }
}

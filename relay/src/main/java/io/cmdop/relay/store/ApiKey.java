package io.cmdop.relay.store;

import java.time.Instant;
import java.util.Optional;

/**
 * An API key as listed: never its secret, which exists only in the {@link CreatedApiKey} returned
 * once at creation.
 *
 * @param role the most this key may do; the member's current role caps it further when verified
 * @param relayAdmin whether the key may administer the relay itself (create fleets)
 */
public record ApiKey(
        String id,
        String fleetId,
        String memberId,
        String name,
        Role role,
        boolean relayAdmin,
        Instant createdAt,
        Optional<Instant> lastUsedAt,
        Optional<Instant> revokedAt) {

    /** True once the key has been revoked: it then verifies as {@link Refusal#REVOKED}. */
    public boolean revoked() {
        return revokedAt.isPresent();
    }
}

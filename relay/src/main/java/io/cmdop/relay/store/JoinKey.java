package io.cmdop.relay.store;

import java.time.Instant;
import java.util.Optional;

/**
 * A join key as listed: lets machines enroll into its fleet until it expires, is used
 * {@code maxUses} times, or is revoked. Never its secret, which only {@link CreatedJoinKey} holds.
 */
public record JoinKey(
        String id,
        String fleetId,
        Instant createdAt,
        Instant expiresAt,
        int maxUses,
        int uses,
        Optional<Instant> revokedAt) {

    /** True once the key has been revoked. */
    public boolean revoked() {
        return revokedAt.isPresent();
    }

    /** How many more enrollments the key allows, ignoring expiry and revocation. */
    public int usesLeft() {
        return maxUses - uses;
    }
}

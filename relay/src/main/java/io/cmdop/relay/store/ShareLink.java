package io.cmdop.relay.store;

import java.time.Instant;
import java.util.Optional;

/**
 * A share link as listed: a capability for one session of one machine, observer unless
 * {@code operator}, until it expires or is revoked. Never its token, which only
 * {@link CreatedShareLink} holds.
 *
 * @param views how many times the link was opened
 */
public record ShareLink(
        String id,
        String fleetId,
        String machine,
        String sessionId,
        String sessionName,
        boolean operator,
        String createdBy,
        Instant createdAt,
        Instant expiresAt,
        Optional<Instant> revokedAt,
        long views) {

    public boolean revoked() {
        return revokedAt.isPresent();
    }

    /** Whether the link still opens its session at {@code now}. */
    public boolean usableAt(Instant now) {
        return !revoked() && expiresAt.isAfter(now);
    }
}

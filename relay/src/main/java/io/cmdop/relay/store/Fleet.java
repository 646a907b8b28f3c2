package io.cmdop.relay.store;

import java.time.Instant;

/** A fleet: the tenant that owns machines, members and keys. Its name is unique on the relay. */
public record Fleet(String id, String name, Instant createdAt) {
}

package io.cmdop.relay.store;

/** A fleet just created with its first member, an owner, and that owner's API key (shown once). */
public record NewFleet(Fleet fleet, Member owner, CreatedApiKey ownerKey) {
}

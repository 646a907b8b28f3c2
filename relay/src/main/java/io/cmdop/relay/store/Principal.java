package io.cmdop.relay.store;

/**
 * Who a verified API key speaks for.
 *
 * @param role the effective role: the lower of the key's role and its member's current role
 * @param relayAdmin whether the key may administer the relay itself (create fleets)
 */
public record Principal(String fleetId, String memberId, String memberName, Role role, String keyId, boolean relayAdmin) {
}

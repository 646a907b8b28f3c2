package io.cmdop.relay;

import io.cmdop.protocol.v1.ClientKind;
import io.cmdop.protocol.v1.Reason;
import io.cmdop.protocol.v1.RelayedPrincipal;
import io.cmdop.relay.store.Principal;
import io.cmdop.relay.store.Role;
import io.cmdop.transport.ErrorStatus;
import io.grpc.Context;

/**
 * The member a call at the relay comes from, as its API key proved. Every authorization decision
 * at the relay reads this; the daemon gets it as a RelayedPrincipal and decides again.
 */
record Caller(Principal principal, String fleetName, String remoteAddress) {
    static final Context.Key<Caller> KEY = Context.key("cmdop-relay-caller");

    static Caller current() {
        Caller caller = KEY.get();
        if (caller == null) {
            throw new IllegalStateException("unauthenticated call reached a service");
        }
        return caller;
    }

    String fleetId() {
        return principal.fleetId();
    }

    String name() {
        return principal.memberName();
    }

    Role role() {
        return principal.role();
    }

    boolean mayOperate() {
        return principal.role().canOperate();
    }

    /** Refuses, early, what the permission matrix leaves to operators; the daemon checks again. */
    void requireOperator(String action) {
        if (!mayOperate()) {
            throw ErrorStatus.of(Reason.REASON_ROLE_FORBIDS, name() + " may only observe (role "
                    + role().wireName() + "): cannot " + action);
        }
    }

    /** How the daemon sees this caller: "member@fleet", and whether the role allows operating. */
    RelayedPrincipal relayed(ClientKind kind) {
        return RelayedPrincipal.newBuilder().setPrincipal(principal.memberName() + "@" + fleetName)
                .setKind(kind).setMayOperate(mayOperate()).build();
    }
}

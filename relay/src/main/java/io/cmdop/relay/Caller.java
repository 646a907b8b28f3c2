package io.cmdop.relay;

import io.cmdop.protocol.v1.ClientKind;
import io.cmdop.protocol.v1.Reason;
import io.cmdop.protocol.v1.RelayedPrincipal;
import io.cmdop.protocol.v1.SessionSelector;
import io.cmdop.relay.store.Principal;
import io.cmdop.relay.store.Role;
import io.cmdop.relay.store.ShareLink;
import io.cmdop.transport.ErrorStatus;
import io.grpc.Context;

/**
 * The member a call at the relay comes from, as its API key proved — or, with {@code share} set,
 * the holder of a share link, who reaches that one session only. Every authorization decision at
 * the relay reads this; the daemon gets it as a RelayedPrincipal and decides again.
 */
record Caller(Principal principal, String fleetName, String remoteAddress, ShareLink share) {
    static final Context.Key<Caller> KEY = Context.key("cmdop-relay-caller");

    Caller(Principal principal, String fleetName, String remoteAddress) {
        this(principal, fleetName, remoteAddress, null);
    }

    /** The holder of a share link: a guest (or, for an operator link, a member) named after the link. */
    static Caller sharing(ShareLink link, String fleetName, String remoteAddress) {
        String name = "share:" + link.id();
        return new Caller(new Principal(link.fleetId(), name, name, link.operator() ? Role.MEMBER : Role.GUEST,
                link.id(), false), fleetName, remoteAddress, link);
    }

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

    /**
     * The session a request names, as this caller may reach it: unchanged for members; for a share
     * link its own session, by id (a name could later belong to another session), or a refusal.
     */
    SessionSelector scope(SessionSelector requested) {
        if (share == null) {
            return requested;
        }
        boolean same = requested.getMachine().equals(share.machine())
                && (requested.getSession().equals(share.sessionId())
                || (!share.sessionName().isEmpty() && requested.getSession().equals(share.sessionName())));
        if (!same) {
            throw ErrorStatus.of(Reason.REASON_ROLE_FORBIDS, "this share link opens only "
                    + share.machine() + "/" + (share.sessionName().isEmpty() ? share.sessionId() : share.sessionName()));
        }
        return SessionSelector.newBuilder().setMachine(share.machine()).setSession(share.sessionId()).build();
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

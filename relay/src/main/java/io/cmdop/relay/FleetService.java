package io.cmdop.relay;

import io.cmdop.protocol.v1.ApiKey;
import io.cmdop.protocol.v1.ClientKind;
import io.cmdop.protocol.v1.CreateShareLinkRequest;
import io.cmdop.protocol.v1.CreatedShareLink;
import io.cmdop.protocol.v1.LinkDown;
import io.cmdop.protocol.v1.LinkUp;
import io.cmdop.protocol.v1.ListShareLinksRequest;
import io.cmdop.protocol.v1.ListShareLinksResponse;
import io.cmdop.protocol.v1.Mode;
import io.cmdop.protocol.v1.RevokeShareLinkRequest;
import io.cmdop.protocol.v1.SessionInfo;
import io.cmdop.protocol.v1.SessionRequest;
import io.cmdop.protocol.v1.ShareLink;
import io.cmdop.protocol.v1.CreateApiKeyRequest;
import io.cmdop.protocol.v1.CreateFleetRequest;
import io.cmdop.protocol.v1.CreateJoinKeyRequest;
import io.cmdop.protocol.v1.CreatedSecret;
import io.cmdop.protocol.v1.FleetGrpc;
import io.cmdop.protocol.v1.Identity;
import io.cmdop.protocol.v1.ListApiKeysRequest;
import io.cmdop.protocol.v1.ListApiKeysResponse;
import io.cmdop.protocol.v1.ListMachinesRequest;
import io.cmdop.protocol.v1.ListMachinesResponse;
import io.cmdop.protocol.v1.ListMembersRequest;
import io.cmdop.protocol.v1.ListMembersResponse;
import io.cmdop.protocol.v1.Machine;
import io.cmdop.protocol.v1.Member;
import io.cmdop.protocol.v1.Reason;
import io.cmdop.protocol.v1.RevokeApiKeyRequest;
import io.cmdop.protocol.v1.RevokeMachineRequest;
import io.cmdop.protocol.v1.Role;
import io.cmdop.protocol.v1.WhoAmIRequest;
import io.cmdop.relay.store.CreatedApiKey;
import io.cmdop.relay.store.CreatedJoinKey;
import io.cmdop.relay.store.NewFleet;
import io.cmdop.relay.store.RelayStore;
import io.cmdop.transport.ErrorStatus;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;

import java.time.Duration;

/** Fleet administration: machines, members, API keys, join keys, fleets. Managing needs admin or owner. */
final class FleetService extends FleetGrpc.FleetImplBase {
    /** A share link's lifetime when none is asked for. */
    static final Duration DEFAULT_SHARE_TTL = Duration.ofHours(1);

    private final RelayStore store;
    private final Agents agents;
    private final ShareWatch shares;

    FleetService(RelayStore store, Agents agents, ShareWatch shares) {
        this.store = store;
        this.agents = agents;
        this.shares = shares;
    }

    @Override
    public void whoAmI(WhoAmIRequest request, StreamObserver<Identity> response) {
        Calls.unary(response, () -> {
            Caller c = Caller.current();
            Identity.Builder identity = Identity.newBuilder().setFleet(c.fleetName()).setMember(c.name())
                    .setRole(role(c.role())).setRelayAdmin(c.principal().relayAdmin());
            if (c.share() != null) {
                identity.setShare(link(c.share()));
            }
            return identity.build();
        });
    }

    @Override
    public void listMachines(ListMachinesRequest request, StreamObserver<ListMachinesResponse> response) {
        Calls.unary(response, () -> {
            Caller c = Caller.current();
            ListMachinesResponse.Builder list = ListMachinesResponse.newBuilder();
            for (io.cmdop.relay.store.Machine m : store.machines().list(c.fleetId())) {
                AgentConnection link = agents.find(c.fleetId(), m.name());
                Machine.Builder b = Machine.newBuilder().setId(m.id()).setName(m.name())
                        .setOnline(link != null && !link.closed()).setRevoked(m.revoked())
                        .setAgentVersion(link != null ? link.agentVersion() : m.agentVersion())
                        .setSessions(link != null ? link.sessionCount() : 0);
                if (link != null) {
                    b.setLastSeenMs(System.currentTimeMillis());
                } else {
                    m.lastSeenAt().ifPresent(t -> b.setLastSeenMs(t.toEpochMilli()));
                }
                list.addMachines(b);
            }
            return list.build();
        });
    }

    @Override
    public void revokeMachine(RevokeMachineRequest request, StreamObserver<Machine> response) {
        Calls.unary(response, () -> {
            Caller c = manager("revoke machines");
            io.cmdop.relay.store.Machine m = store.machines().find(c.fleetId(), request.getMachine())
                    .or(() -> store.machines().get(c.fleetId(), request.getMachine()))
                    .orElseThrow(() -> ErrorStatus.of(Reason.REASON_SESSION_NOT_FOUND,
                            "no machine '" + request.getMachine() + "' in your fleet"));
            store.machines().revoke(c.fleetId(), m.id());
            agents.kick(c.fleetId(), m.name(), "machine revoked");
            store.audit().append(c.fleetId(), c.name(), "revoke-machine", m.name(), c.remoteAddress());
            return Machine.newBuilder().setId(m.id()).setName(m.name()).setRevoked(true).build();
        });
    }

    @Override
    public void createApiKey(CreateApiKeyRequest request, StreamObserver<CreatedSecret> response) {
        Calls.unary(response, () -> {
            Caller c = manager("create API keys");
            io.cmdop.relay.store.Role role = fromWire(request.getRole());
            if (!c.role().atLeast(role)) {
                throw ErrorStatus.of(Reason.REASON_ROLE_FORBIDS, "a " + c.role().wireName()
                        + " cannot create a key with the higher role " + role.wireName());
            }
            // A key speaks for a member of its own name, created on first use of the name.
            io.cmdop.relay.store.Member member = store.members().find(c.fleetId(), request.getName())
                    .orElseGet(() -> store.members().add(c.fleetId(), request.getName(), role));
            CreatedApiKey created = store.apiKeys().create(c.fleetId(), member.id(), request.getName(), role);
            store.audit().append(c.fleetId(), c.name(), "create-key", created.key().id(), c.remoteAddress());
            return CreatedSecret.newBuilder().setId(created.key().id()).setSecret(created.secret())
                    .setFleet(c.fleetName()).build();
        });
    }

    @Override
    public void listApiKeys(ListApiKeysRequest request, StreamObserver<ListApiKeysResponse> response) {
        Calls.unary(response, () -> {
            Caller c = manager("list API keys");
            ListApiKeysResponse.Builder list = ListApiKeysResponse.newBuilder();
            for (io.cmdop.relay.store.ApiKey k : store.apiKeys().list(c.fleetId())) {
                ApiKey.Builder b = ApiKey.newBuilder().setId(k.id()).setName(k.name()).setRole(role(k.role()))
                        .setCreatedAtMs(k.createdAt().toEpochMilli()).setRevoked(k.revoked())
                        .setMember(store.members().get(c.fleetId(), k.memberId()).map(m -> m.name()).orElse(""));
                k.lastUsedAt().ifPresent(t -> b.setLastUsedMs(t.toEpochMilli()));
                list.addKeys(b);
            }
            return list.build();
        });
    }

    @Override
    public void revokeApiKey(RevokeApiKeyRequest request, StreamObserver<ApiKey> response) {
        Calls.unary(response, () -> {
            Caller c = manager("revoke API keys");
            if (!store.apiKeys().revoke(c.fleetId(), request.getId())) {
                throw ErrorStatus.of(Reason.REASON_SESSION_NOT_FOUND, "no API key '" + request.getId() + "' in your fleet");
            }
            store.audit().append(c.fleetId(), c.name(), "revoke-key", request.getId(), c.remoteAddress());
            return ApiKey.newBuilder().setId(request.getId()).setRevoked(true).build();
        });
    }

    @Override
    public void createJoinKey(CreateJoinKeyRequest request, StreamObserver<CreatedSecret> response) {
        Calls.unary(response, () -> {
            Caller c = manager("create join keys");
            int uses = request.getUses() == 0 ? 1 : request.getUses();
            Duration ttl = request.getTtlMs() == 0 ? Duration.ofHours(24) : Duration.ofMillis(request.getTtlMs());
            CreatedJoinKey created = store.joinKeys().create(c.fleetId(), uses, ttl);
            store.audit().append(c.fleetId(), c.name(), "create-join-key", created.key().id(), c.remoteAddress());
            return CreatedSecret.newBuilder().setId(created.key().id()).setSecret(created.secret())
                    .setExpiresAtMs(created.key().expiresAt().toEpochMilli()).setFleet(c.fleetName()).build();
        });
    }

    @Override
    public void listMembers(ListMembersRequest request, StreamObserver<ListMembersResponse> response) {
        Calls.unary(response, () -> {
            Caller c = Caller.current();
            ListMembersResponse.Builder list = ListMembersResponse.newBuilder();
            store.members().list(c.fleetId()).forEach(m -> list.addMembers(Member.newBuilder().setId(m.id())
                    .setName(m.name()).setRole(role(m.role()))));
            return list.build();
        });
    }

    @Override
    public void createFleet(CreateFleetRequest request, StreamObserver<CreatedSecret> response) {
        Calls.unary(response, () -> {
            Caller c = Caller.current();
            if (!c.principal().relayAdmin()) {
                throw ErrorStatus.of(Reason.REASON_ROLE_FORBIDS, "only relay administrators create fleets");
            }
            NewFleet fleet = store.fleets().create(request.getName(), "owner", false);
            store.audit().append(fleet.fleet().id(), c.name() + "@" + c.fleetName(), "create-fleet",
                    fleet.fleet().name(), c.remoteAddress());
            return CreatedSecret.newBuilder().setId(fleet.ownerKey().key().id()).setSecret(fleet.ownerKey().secret())
                    .setFleet(fleet.fleet().name()).build();
        });
    }

    @Override
    public void createShareLink(CreateShareLinkRequest request, StreamObserver<CreatedShareLink> response) {
        Calls.unary(response, () -> {
            Caller c = Caller.current();
            boolean operator = request.getMode() == Mode.MODE_OPERATOR;
            if (!c.mayOperate()) {
                throw ErrorStatus.of(Reason.REASON_ROLE_FORBIDS, c.name() + " (" + c.role().wireName()
                        + ") cannot share sessions: member role or higher needed");
            }
            if (operator && !c.role().canManage()) {
                throw ErrorStatus.of(Reason.REASON_ROLE_FORBIDS, c.name() + " (" + c.role().wireName()
                        + ") cannot create operator links: admin or owner role needed; observer links are allowed");
            }
            Duration ttl = request.getTtlMs() == 0 ? DEFAULT_SHARE_TTL : Duration.ofMillis(request.getTtlMs());
            String machine = request.getSession().getMachine();
            SessionInfo session = agents.require(c, machine).unary(c.relayed(ClientKind.CLIENT_KIND_UNSPECIFIED),
                    LinkDown.newBuilder().setGetSession(SessionRequest.newBuilder().setSession(request.getSession())),
                    LinkUp::getSession);
            io.cmdop.relay.store.CreatedShareLink created = store.shareLinks().create(c.fleetId(), machine,
                    session.getId(), session.getName(), operator, c.name(), ttl);
            store.audit().append(c.fleetId(), c.name(), "share_link.create", created.link().id() + " "
                    + machine + "/" + session.getId() + (operator ? " operator" : " observer"), c.remoteAddress());
            return CreatedShareLink.newBuilder().setLink(link(created.link())).setToken(created.token()).build();
        });
    }

    @Override
    public void listShareLinks(ListShareLinksRequest request, StreamObserver<ListShareLinksResponse> response) {
        Calls.unary(response, () -> {
            Caller c = Caller.current();
            ListShareLinksResponse.Builder list = ListShareLinksResponse.newBuilder();
            store.shareLinks().list(c.fleetId()).stream()
                    .filter(l -> c.role().canManage() || l.createdBy().equals(c.name()))
                    .forEach(l -> list.addLinks(link(l)));
            return list.build();
        });
    }

    @Override
    public void revokeShareLink(RevokeShareLinkRequest request, StreamObserver<ShareLink> response) {
        Calls.unary(response, () -> {
            Caller c = Caller.current();
            io.cmdop.relay.store.ShareLink found = store.shareLinks().get(c.fleetId(), request.getId())
                    .filter(l -> c.role().canManage() || l.createdBy().equals(c.name()))
                    .orElseThrow(() -> ErrorStatus.of(Reason.REASON_INVALID_ARGUMENT,
                            "no share link '" + request.getId() + "' of yours in this fleet"));
            store.shareLinks().revoke(c.fleetId(), found.id());
            shares.revoked(found.id());
            store.audit().append(c.fleetId(), c.name(), "share_link.revoke", found.id(), c.remoteAddress());
            return link(store.shareLinks().get(c.fleetId(), found.id()).orElse(found));
        });
    }

    static ShareLink link(io.cmdop.relay.store.ShareLink l) {
        return ShareLink.newBuilder().setId(l.id()).setMachine(l.machine()).setSessionId(l.sessionId())
                .setSessionName(l.sessionName()).setMode(l.operator() ? Mode.MODE_OPERATOR : Mode.MODE_OBSERVER)
                .setCreatedBy(l.createdBy()).setCreatedAtMs(l.createdAt().toEpochMilli())
                .setExpiresAtMs(l.expiresAt().toEpochMilli()).setRevoked(l.revoked()).setViews(l.views()).build();
    }

    private static Caller manager(String action) {
        Caller c = Caller.current();
        if (!c.role().canManage()) {
            throw ErrorStatus.of(Reason.REASON_ROLE_FORBIDS, c.name() + " (" + c.role().wireName()
                    + ") cannot " + action + ": admin or owner role needed");
        }
        return c;
    }

    static Role role(io.cmdop.relay.store.Role r) {
        return Role.valueOf("ROLE_" + r.name());
    }

    static io.cmdop.relay.store.Role fromWire(Role r) {
        return switch (r) {
            case ROLE_OWNER -> io.cmdop.relay.store.Role.OWNER;
            case ROLE_ADMIN -> io.cmdop.relay.store.Role.ADMIN;
            case ROLE_GUEST -> io.cmdop.relay.store.Role.GUEST;
            default -> io.cmdop.relay.store.Role.MEMBER;
        };
    }
}

package io.cmdop.client;

import io.cmdop.protocol.v1.ApiKey;
import io.cmdop.protocol.v1.CreateApiKeyRequest;
import io.cmdop.protocol.v1.CreateFleetRequest;
import io.cmdop.protocol.v1.CreateJoinKeyRequest;
import io.cmdop.protocol.v1.CreateShareLinkRequest;
import io.cmdop.protocol.v1.CreatedSecret;
import io.cmdop.protocol.v1.CreatedShareLink;
import io.cmdop.protocol.v1.ListShareLinksRequest;
import io.cmdop.protocol.v1.Mode;
import io.cmdop.protocol.v1.RevokeShareLinkRequest;
import io.cmdop.protocol.v1.SessionSelector;
import io.cmdop.protocol.v1.ShareLink;
import io.cmdop.protocol.v1.FleetGrpc;
import io.cmdop.protocol.v1.Identity;
import io.cmdop.protocol.v1.ListApiKeysRequest;
import io.cmdop.protocol.v1.ListMachinesRequest;
import io.cmdop.protocol.v1.ListMembersRequest;
import io.cmdop.protocol.v1.Machine;
import io.cmdop.protocol.v1.Member;
import io.cmdop.protocol.v1.RevokeApiKeyRequest;
import io.cmdop.protocol.v1.RevokeMachineRequest;
import io.cmdop.protocol.v1.Role;
import io.cmdop.protocol.v1.WhoAmIRequest;
import io.grpc.Channel;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Fleet administration through a relay. Obtained from {@link CmdopClient#fleet()}. */
public final class FleetAdmin {
    private final Channel channel;
    private final String target;

    FleetAdmin(Channel channel, String target) {
        this.channel = channel;
        this.target = target;
    }

    public Identity whoAmI() {
        return CmdopClient.call(target, () -> stub().whoAmI(WhoAmIRequest.getDefaultInstance()));
    }

    public List<Machine> machines() {
        return CmdopClient.call(target, () -> stub().listMachines(ListMachinesRequest.getDefaultInstance()).getMachinesList());
    }

    public Machine revokeMachine(String machine) {
        return CmdopClient.call(target, () -> stub().revokeMachine(RevokeMachineRequest.newBuilder().setMachine(machine).build()));
    }

    /** A new API key; its secret is in the answer and nowhere else, ever. */
    public CreatedSecret createApiKey(String name, Role role) {
        return CmdopClient.call(target, () -> stub().createApiKey(CreateApiKeyRequest.newBuilder().setName(name)
                .setRole(role).build()));
    }

    public List<ApiKey> apiKeys() {
        return CmdopClient.call(target, () -> stub().listApiKeys(ListApiKeysRequest.getDefaultInstance()).getKeysList());
    }

    public ApiKey revokeApiKey(String id) {
        return CmdopClient.call(target, () -> stub().revokeApiKey(RevokeApiKeyRequest.newBuilder().setId(id).build()));
    }

    public CreatedSecret createJoinKey(int uses, Duration ttl) {
        return CmdopClient.call(target, () -> stub().createJoinKey(CreateJoinKeyRequest.newBuilder().setUses(uses)
                .setTtlMs(ttl.toMillis()).build()));
    }

    public List<Member> members() {
        return CmdopClient.call(target, () -> stub().listMembers(ListMembersRequest.getDefaultInstance()).getMembersList());
    }

    /** Relay administrators only: a new isolated fleet and its owner key. */
    public CreatedSecret createFleet(String name) {
        return CmdopClient.call(target, () -> stub().createFleet(CreateFleetRequest.newBuilder().setName(name).build()));
    }

    /**
     * A share link for one session: observer unless {@code operator} (admins and owners only).
     * The token in the answer is shown once; the link opens at RELAY/share#TOKEN.
     */
    public CreatedShareLink createShareLink(String machine, String session, Duration ttl, boolean operator) {
        return CmdopClient.call(target, () -> stub().createShareLink(CreateShareLinkRequest.newBuilder()
                .setSession(SessionSelector.newBuilder().setMachine(machine).setSession(session))
                .setTtlMs(ttl.toMillis()).setMode(operator ? Mode.MODE_OPERATOR : Mode.MODE_OBSERVER).build()));
    }

    public List<ShareLink> shareLinks() {
        return CmdopClient.call(target, () -> stub().listShareLinks(ListShareLinksRequest.getDefaultInstance()).getLinksList());
    }

    public ShareLink revokeShareLink(String id) {
        return CmdopClient.call(target, () -> stub().revokeShareLink(RevokeShareLinkRequest.newBuilder().setId(id).build()));
    }

    private FleetGrpc.FleetBlockingStub stub() {
        return FleetGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }
}

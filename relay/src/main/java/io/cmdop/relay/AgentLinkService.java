package io.cmdop.relay;

import io.cmdop.protocol.v1.AgentLinkGrpc;
import io.cmdop.protocol.v1.EnrollRequest;
import io.cmdop.protocol.v1.EnrollResponse;
import io.cmdop.protocol.v1.LinkDown;
import io.cmdop.protocol.v1.LinkUp;
import io.cmdop.protocol.v1.Reason;
import io.cmdop.relay.store.EnrolledMachine;
import io.cmdop.relay.store.Machine;
import io.cmdop.relay.store.RelayStore;
import io.cmdop.relay.store.Verification;
import io.cmdop.transport.ErrorStatus;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.util.logging.Logger;

/** Daemons enroll and link here. */
final class AgentLinkService extends AgentLinkGrpc.AgentLinkImplBase {
    private static final Logger LOG = Logger.getLogger(AgentLinkService.class.getName());

    private final RelayStore store;
    private final Authenticator auth;
    private final Agents agents;

    AgentLinkService(RelayStore store, Authenticator auth, Agents agents) {
        this.store = store;
        this.auth = auth;
        this.agents = agents;
    }

    @Override
    public void enroll(EnrollRequest request, StreamObserver<EnrollResponse> response) {
        String source = Authenticator.SOURCE.get();
        try {
            EnrolledMachine enrolled = switch (store.machines().enroll(request.getJoinKey(), request.getName(),
                    request.getAgentVersion())) {
                case Verification.Accepted<EnrolledMachine>(EnrolledMachine m) -> m;
                case Verification.Refused<EnrolledMachine>(var reason) -> throw auth.failed(source,
                        reason.describe("the join key") + " (" + reason.code() + ")");
            };
            Machine m = enrolled.machine();
            store.audit().append(m.fleetId(), "machine:" + m.name(), "enroll", m.id(), source);
            response.onNext(EnrollResponse.newBuilder().setMachineId(m.id())
                    .setMachineCredential(enrolled.credential())
                    .setFleet(store.fleets().get(m.fleetId()).map(f -> f.name()).orElse("")).build());
            response.onCompleted();
        } catch (StatusRuntimeException e) {
            response.onError(e);
        } catch (io.cmdop.relay.store.NameTakenException e) {
            response.onError(ErrorStatus.of(Reason.REASON_NAME_TAKEN, e.getMessage()));
        } catch (IllegalArgumentException e) {
            response.onError(ErrorStatus.of(Reason.REASON_INVALID_ARGUMENT, e.getMessage()));
        }
    }

    @Override
    public StreamObserver<LinkUp> connect(StreamObserver<LinkDown> responseObserver) {
        ServerCallStreamObserver<LinkDown> down = (ServerCallStreamObserver<LinkDown>) responseObserver;
        String source = Authenticator.SOURCE.get();
        Machine machine;
        try {
            machine = auth.machine(Authenticator.BEARER.get(), source);
        } catch (StatusRuntimeException e) {
            down.onError(e);
            return new StreamObserver<>() {
                public void onNext(LinkUp up) { }
                public void onError(Throwable t) { }
                public void onCompleted() { }
            };
        }
        AgentConnection agent = new AgentConnection(machine, down, source);
        down.setOnCancelHandler(() -> agents.disconnected(agent, "link cancelled"));
        return new StreamObserver<>() {
            private boolean hello;
            private boolean refused;

            @Override
            public void onNext(LinkUp up) {
                if (refused) {
                    return;
                }
                if (!hello && !up.hasHello()) {
                    refuse(ErrorStatus.of(Reason.REASON_INVALID_ARGUMENT,
                            "a link starts with hello, not " + up.getBodyCase().name().toLowerCase()));
                    return;
                }
                if (up.getBodyCase() == LinkUp.BodyCase.BODY_NOT_SET) {
                    refuse(ErrorStatus.of(Reason.REASON_INVALID_ARGUMENT, "a link message without a body"));
                    return;
                }
                if (!hello && !up.getHello().getMachineName().equals(machine.name())) {
                    // A machine speaks only for itself: its credential decides its name.
                    refuse(auth.failed(source, "the credential of machine " + machine.name()
                            + " cannot link as " + up.getHello().getMachineName()));
                    return;
                }
                agent.onUp(up);
                if (!hello) {
                    hello = true;
                    store.machines().markSeen(machine.fleetId(), machine.id(), up.getHello().getAgentVersion());
                    agents.connected(agent);
                    agent.keepAlive();
                    StreamFrames.started();
                } else if (up.hasSession() || up.hasSessions()) {
                    agents.changed();
                }
            }

            /** A broken link is closed, alone: the machine's other state and every other link go on. */
            private void refuse(StatusRuntimeException why) {
                refused = true;
                LOG.warning(() -> "closing the link of machine " + machine.name() + " from " + source + ": "
                        + why.getStatus().getDescription());
                agents.disconnected(agent, why.getStatus().getDescription());
                down.onError(why);
            }

            @Override
            public void onError(Throwable t) {
                agents.disconnected(agent, "link lost");
            }

            @Override
            public void onCompleted() {
                agents.disconnected(agent, "link closed by the machine");
                down.onCompleted();
            }
        };
    }
}

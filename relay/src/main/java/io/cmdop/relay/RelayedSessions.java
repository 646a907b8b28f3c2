package io.cmdop.relay;

import io.cmdop.protocol.v1.CallEnd;
import io.cmdop.protocol.v1.ClientFrame;
import io.cmdop.protocol.v1.CommandUpdate;
import io.cmdop.protocol.v1.CreateSessionRequest;
import io.cmdop.protocol.v1.ExecRequest;
import io.cmdop.protocol.v1.GetScreenRequest;
import io.cmdop.protocol.v1.InputAccepted;
import io.cmdop.protocol.v1.LinkDown;
import io.cmdop.protocol.v1.LinkUp;
import io.cmdop.protocol.v1.ListSessionsRequest;
import io.cmdop.protocol.v1.ListSessionsResponse;
import io.cmdop.protocol.v1.ResizeRequest;
import io.cmdop.protocol.v1.RunCommandRequest;
import io.cmdop.protocol.v1.Screen;
import io.cmdop.protocol.v1.SendInputRequest;
import io.cmdop.protocol.v1.SendSignalRequest;
import io.cmdop.protocol.v1.ServerFrame;
import io.cmdop.protocol.v1.SessionInfo;
import io.cmdop.protocol.v1.SessionRequest;
import io.cmdop.protocol.v1.SessionsGrpc;
import io.cmdop.protocol.v1.SignalSent;
import io.cmdop.protocol.v1.Size;
import io.cmdop.transport.OutboundStream;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.util.function.Function;

/**
 * cmdop.v1.Sessions for remote clients: every call is routed to the daemon of the machine its
 * selector names (in the caller's fleet) and answered from there. The relay adds no session
 * semantics; it checks the caller's role early, and the daemon checks again.
 */
final class RelayedSessions extends SessionsGrpc.SessionsImplBase {
    private final Agents agents;
    private final RelayMetrics metrics;
    private final ShareWatch shares;

    RelayedSessions(Agents agents, RelayMetrics metrics, ShareWatch shares) {
        this.agents = agents;
        this.metrics = metrics;
        this.shares = shares;
    }

    @Override
    public void createSession(CreateSessionRequest request, StreamObserver<SessionInfo> response) {
        Calls.unary(response, () -> {
            requireOperator("create sessions");
            return relay(request.getClient().getKind(), request.getMachine(),
                    LinkDown.newBuilder().setCreateSession(request), LinkUp::getSession);
        });
    }

    @Override
    public void listSessions(ListSessionsRequest request, StreamObserver<ListSessionsResponse> response) {
        Calls.unary(response, () -> {
            Caller caller = Caller.current();
            if (!request.getMachine().isEmpty()) {
                return relay(io.cmdop.protocol.v1.ClientKind.CLIENT_KIND_UNSPECIFIED, request.getMachine(),
                        LinkDown.newBuilder().setListSessions(request), LinkUp::getSessions);
            }
            ListSessionsResponse.Builder all = ListSessionsResponse.newBuilder();
            for (AgentConnection agent : agents.inFleet(caller.fleetId())) {
                try {
                    all.addAllSessions(agent.unary(caller.relayed(io.cmdop.protocol.v1.ClientKind.CLIENT_KIND_UNSPECIFIED),
                            LinkDown.newBuilder().setListSessions(request), LinkUp::getSessions).getSessionsList());
                } catch (StatusRuntimeException e) {
                    // A machine that went away while we asked: its sessions are not listed.
                }
            }
            return all.build();
        });
    }

    @Override
    public void getSession(SessionRequest request, StreamObserver<SessionInfo> response) {
        Calls.unary(response, () -> {
            SessionRequest scoped = request.toBuilder().setSession(Caller.current().scope(request.getSession())).build();
            return relay(request.getClient().getKind(), scoped.getSession().getMachine(),
                    LinkDown.newBuilder().setGetSession(scoped), LinkUp::getSession);
        });
    }

    @Override
    public void destroySession(SessionRequest request, StreamObserver<SessionInfo> response) {
        Calls.unary(response, () -> {
            requireOperator("destroy sessions");
            return relay(request.getClient().getKind(), request.getSession().getMachine(),
                    LinkDown.newBuilder().setDestroySession(request), LinkUp::getSession);
        });
    }

    @Override
    public void getScreen(GetScreenRequest request, StreamObserver<Screen> response) {
        Calls.unary(response, () -> {
            GetScreenRequest scoped = request.toBuilder().setSession(Caller.current().scope(request.getSession())).build();
            return relay(io.cmdop.protocol.v1.ClientKind.CLIENT_KIND_UNSPECIFIED, scoped.getSession().getMachine(),
                    LinkDown.newBuilder().setGetScreen(scoped), LinkUp::getScreen);
        });
    }

    @Override
    public void sendInput(SendInputRequest request, StreamObserver<InputAccepted> response) {
        Calls.unary(response, () -> {
            requireOperator("send input");
            return relay(request.getClient().getKind(), request.getSession().getMachine(),
                    LinkDown.newBuilder().setSendInput(request), LinkUp::getInputAccepted);
        });
    }

    @Override
    public void sendSignal(SendSignalRequest request, StreamObserver<SignalSent> response) {
        Calls.unary(response, () -> {
            requireOperator("send signals");
            return relay(request.getClient().getKind(), request.getSession().getMachine(),
                    LinkDown.newBuilder().setSendSignal(request), LinkUp::getSignalSent);
        });
    }

    @Override
    public void resize(ResizeRequest request, StreamObserver<Size> response) {
        Calls.unary(response, () -> {
            requireOperator("resize the terminal");
            return relay(request.getClient().getKind(), request.getSession().getMachine(),
                    LinkDown.newBuilder().setResize(request), LinkUp::getSize);
        });
    }

    @Override
    public void runCommand(RunCommandRequest request, StreamObserver<CommandUpdate> response) {
        streamCommand(response, request.getSession().getMachine(), request.getClient().getKind(),
                LinkDown.newBuilder().setRunCommand(request));
    }

    @Override
    public void exec(ExecRequest request, StreamObserver<CommandUpdate> response) {
        streamCommand(response, request.getMachine(), request.getClient().getKind(), LinkDown.newBuilder().setExec(request));
    }

    @Override
    public StreamObserver<ClientFrame> attach(StreamObserver<ServerFrame> response) {
        return new RemoteAttach((ServerCallStreamObserver<ServerFrame>) response, agents, Caller.current(), metrics, shares);
    }

    private void streamCommand(StreamObserver<CommandUpdate> response, String machine,
                               io.cmdop.protocol.v1.ClientKind kind, LinkDown.Builder body) {
        Caller caller = Caller.current();
        try {
            requireOperator("execute commands");
            AgentConnection agent = agents.require(caller, machine);
            OutboundStream<CommandUpdate> out = new OutboundStream<>((ServerCallStreamObserver<CommandUpdate>) response,
                    () -> { });
            long[] callId = new long[1];
            callId[0] = agent.open(caller.relayed(kind), body, new LinkListener() {
                @Override
                public void onUp(LinkUp up) {
                    if (up.hasCommandUpdate()) {
                        out.send(up.getCommandUpdate());
                    }
                }

                @Override
                public void onEnd(CallEnd end) {
                    if (end.hasError()) {
                        out.fail(AgentConnection.error(end.getError()));
                    } else {
                        out.complete();
                    }
                }
            });
            ((ServerCallStreamObserver<CommandUpdate>) response).setOnCancelHandler(
                    () -> agent.closeCall(callId[0], true));
        } catch (StatusRuntimeException e) {
            response.onError(e);
        }
    }

    private <T> T relay(io.cmdop.protocol.v1.ClientKind kind, String machine, LinkDown.Builder body,
                        Function<LinkUp, T> answer) {
        Caller caller = Caller.current();
        return agents.require(caller, machine).unary(caller.relayed(kind), body, answer);
    }

    private static void requireOperator(String action) {
        Caller.current().requireOperator(action);
    }
}

package io.cmdop.daemon;

import io.cmdop.protocol.v1.ClientFrame;
import io.cmdop.protocol.v1.ClientInfo;
import io.cmdop.protocol.v1.CommandUpdate;
import io.cmdop.protocol.v1.CreateSessionRequest;
import io.cmdop.protocol.v1.ExecRequest;
import io.cmdop.protocol.v1.GetScreenRequest;
import io.cmdop.protocol.v1.InputAccepted;
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
import io.cmdop.protocol.v1.SessionSelector;
import io.cmdop.protocol.v1.SessionsGrpc;
import io.cmdop.protocol.v1.SignalSent;
import io.cmdop.protocol.v1.Size;
import io.cmdop.session.InputReceipt;
import io.cmdop.session.Mode;
import io.cmdop.session.Reason;
import io.cmdop.session.Sender;
import io.cmdop.session.Session;
import io.cmdop.session.SessionException;
import io.cmdop.session.SessionSpec;
import io.cmdop.session.TerminalSize;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/** The Sessions service of cmdop.v1 for local clients: a thin adapter over the registry and the sessions. */
final class SessionsService extends SessionsGrpc.SessionsImplBase {
    private static final Logger LOG = Logger.getLogger(SessionsService.class.getName());

    private final SessionRegistry registry;
    private final String machine;

    SessionsService(SessionRegistry registry, String machine) {
        this.registry = registry;
        this.machine = machine;
    }

    @Override
    public void createSession(CreateSessionRequest request, StreamObserver<SessionInfo> response) {
        unary(response, () -> {
            Caller.current().grant(Mode.OPERATOR);
            Path cwd = request.getCwd().isEmpty() ? SessionSpec.homeDirectory() : Path.of(request.getCwd());
            if (!Files.isDirectory(cwd)) {
                throw new SessionException(Reason.INVALID_ARGUMENT, "working directory " + cwd + " does not exist");
            }
            SessionSpec spec = new SessionSpec(
                    request.getName().isEmpty() ? Optional.empty() : Optional.of(request.getName()),
                    request.getCommandList(), request.getEnvMap(), cwd,
                    Protos.size(request.getSize(), TerminalSize.DEFAULT), Protos.policy(request.getResizePolicy()));
            return Protos.session(registry.create(spec).view(), machine);
        });
    }

    @Override
    public void listSessions(ListSessionsRequest request, StreamObserver<ListSessionsResponse> response) {
        unary(response, () -> ListSessionsResponse.newBuilder()
                .addAllSessions(registry.list().stream().map(s -> Protos.session(s.view(), machine)).toList())
                .build());
    }

    @Override
    public void getSession(SessionRequest request, StreamObserver<SessionInfo> response) {
        unary(response, () -> Protos.session(find(request.getSession()).view(), machine));
    }

    @Override
    public void destroySession(SessionRequest request, StreamObserver<SessionInfo> response) {
        unary(response, () -> {
            Caller.current().grant(Mode.OPERATOR);
            Session session = find(request.getSession());
            try {
                registry.destroy(session);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SessionException(Reason.INTERNAL, "interrupted while ending the session");
            }
            return Protos.session(session.view(), machine);
        });
    }

    @Override
    public void getScreen(GetScreenRequest request, StreamObserver<Screen> response) {
        unary(response, () -> Protos.screen(find(request.getSession()).screen(),
                Math.min(request.getScrollbackLines(), 10_000)));
    }

    @Override
    public void sendInput(SendInputRequest request, StreamObserver<InputAccepted> response) {
        unary(response, () -> {
            InputReceipt r = find(request.getSession()).sendInput(oneShot(request.getClient()),
                    request.getData().toByteArray());
            return InputAccepted.newBuilder().setInputId(r.inputId()).setSeq(r.seq()).build();
        });
    }

    @Override
    public void sendSignal(SendSignalRequest request, StreamObserver<SignalSent> response) {
        unary(response, () -> {
            long seq = find(request.getSession()).signal(oneShot(request.getClient()), request.getSignal());
            return SignalSent.newBuilder().setSignal(request.getSignal()).setSeq(seq).build();
        });
    }

    @Override
    public void resize(ResizeRequest request, StreamObserver<Size> response) {
        unary(response, () -> {
            TerminalSize size = Protos.size(request.getSize(), null);
            if (size == null) {
                throw new SessionException(Reason.INVALID_ARGUMENT, "resize needs a size");
            }
            return Protos.size(find(request.getSession()).resize(oneShot(request.getClient()), size));
        });
    }

    @Override
    public void runCommand(RunCommandRequest request, StreamObserver<CommandUpdate> response) {
        try {
            Session session = find(request.getSession());
            new CommandRun((ServerCallStreamObserver<CommandUpdate>) response, Caller.current(), request.getClient())
                    .inSession(session, request.getCommand(), request.getTimeoutMs());
        } catch (SessionException e) {
            response.onError(Errors.status(e));
        }
    }

    @Override
    public void exec(ExecRequest request, StreamObserver<CommandUpdate> response) {
        try {
            Caller.current().grant(Mode.OPERATOR);
            if (request.getCommand().isBlank()) {
                throw new SessionException(Reason.INVALID_ARGUMENT, "exec needs a command");
            }
            SessionSpec spec = SessionSpec.shell()
                    .withName("exec-" + Session.newId())
                    .withCommand(List.of("/bin/sh", "-c", request.getCommand()))
                    .withSize(Protos.size(request.getSize(), new TerminalSize(200, 50)));
            Session session = registry.create(spec);
            try {
                new CommandRun((ServerCallStreamObserver<CommandUpdate>) response, Caller.current(), request.getClient())
                        .wholeSession(session, request.getTimeoutMs(), () -> registry.remove(session));
            } finally {
                if (session.running()) {
                    registry.destroy(session);
                }
                registry.remove(session);
            }
        } catch (SessionException e) {
            response.onError(Errors.status(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            response.onError(Errors.status(new SessionException(Reason.INTERNAL, "interrupted")));
        }
    }

    @Override
    public StreamObserver<ClientFrame> attach(StreamObserver<ServerFrame> response) {
        return new AttachCall((ServerCallStreamObserver<ServerFrame>) response, registry, Caller.current(), machine,
                false);
    }

    private Session find(SessionSelector selector) {
        return registry.find(selector.getSession());
    }

    private static Sender oneShot(ClientInfo client) {
        Caller caller = Caller.current();
        return new Sender(caller.principal(), "call-" + Session.newId(), Protos.kind(client),
                caller.mayOperate() ? Mode.OPERATOR : Mode.OBSERVER);
    }

    private static <T> void unary(StreamObserver<T> response, Supplier<T> call) {
        T result;
        try {
            result = call.get();
        } catch (SessionException e) {
            response.onError(Errors.status(e));
            return;
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "internal error", e);
            response.onError(Errors.status(new SessionException(Reason.INTERNAL, "internal error: " + e)));
            return;
        }
        response.onNext(result);
        response.onCompleted();
    }
}

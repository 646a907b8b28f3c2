package io.cmdop.client;

import com.google.protobuf.ByteString;
import io.cmdop.protocol.v1.ClientInfo;
import io.cmdop.protocol.v1.CommandUpdate;
import io.cmdop.protocol.v1.CreateSessionRequest;
import io.cmdop.protocol.v1.ExecRequest;
import io.cmdop.protocol.v1.GetScreenRequest;
import io.cmdop.protocol.v1.InputAccepted;
import io.cmdop.protocol.v1.ListSessionsRequest;
import io.cmdop.protocol.v1.Mode;
import io.cmdop.protocol.v1.ResizeRequest;
import io.cmdop.protocol.v1.RunCommandRequest;
import io.cmdop.protocol.v1.Screen;
import io.cmdop.protocol.v1.SendInputRequest;
import io.cmdop.protocol.v1.SendSignalRequest;
import io.cmdop.protocol.v1.SessionInfo;
import io.cmdop.protocol.v1.SessionRequest;
import io.cmdop.protocol.v1.SessionSelector;
import io.cmdop.protocol.v1.SessionState;
import io.cmdop.protocol.v1.SessionsGrpc;
import io.cmdop.protocol.v1.Size;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Sessions of one machine: create, find, use and end them. Obtained from {@link CmdopClient#terminal()}. */
public final class Terminal {
    private static final long CALL_DEADLINE_SECONDS = 30;
    /** How long past its timeout a command's machine has to answer before it is given up on. */
    static final Duration UNANSWERED_SLACK = Duration.ofSeconds(10);

    private final Channel channel;
    /** Makes the channel try its connection now instead of after its backoff (used when resuming). */
    private final Runnable reconnectNow;
    private final ClientInfo client;
    private final String target;
    private final OpenStreams streams;
    private volatile String machine;

    Terminal(Channel channel, Runnable reconnectNow, ClientInfo client, String target, OpenStreams streams) {
        this(channel, reconnectNow, client, target, streams, "");
    }

    private Terminal(Channel channel, Runnable reconnectNow, ClientInfo client, String target, OpenStreams streams,
                     String machine) {
        this.channel = channel;
        this.reconnectNow = reconnectNow;
        this.client = client;
        this.target = target;
        this.streams = streams;
        this.machine = machine;
    }

    /** The same sessions API for one machine of the fleet (through a relay). */
    public Terminal onMachine(String machineName) {
        return new Terminal(channel, reconnectNow, client, target, streams, machineName);
    }

    /** Points this terminal at one machine of the fleet (through a relay); empty: the local daemon. */
    public void setMachine(String machineName) {
        this.machine = machineName == null ? "" : machineName;
    }

    public String machine() {
        return machine;
    }

    /** Starts a session; fill in what you need of the request (an empty one starts the user's shell). */
    public SessionInfo create(CreateSessionRequest request) {
        return CmdopClient.call(target, () -> stub().createSession(request.toBuilder().setClient(client)
                .setMachine(machine).build()));
    }

    public List<SessionInfo> list() {
        return CmdopClient.call(target, () -> stub().listSessions(ListSessionsRequest.newBuilder()
                .setMachine(machine).build()).getSessionsList());
    }

    /** A session by id or name. */
    public SessionInfo getSession(String session) {
        return CmdopClient.call(target, () -> stub().getSession(request(session)));
    }

    /** The most recently created running session, creating one (the user's shell) if there is none. */
    public SessionInfo getActiveSession() {
        return getActiveSession(CreateSessionRequest.getDefaultInstance());
    }

    /** The active session of another machine of the fleet, created (its user's shell) if it has none. */
    public SessionInfo getActiveSession(String machineName) {
        return onMachine(machineName).getActiveSession();
    }

    /** The most recently created running session, or a new one started from {@code ifNone}. */
    public SessionInfo getActiveSession(CreateSessionRequest ifNone) {
        return list().stream().filter(s -> s.getState() == SessionState.SESSION_STATE_RUNNING)
                .filter(s -> !s.getName().startsWith("exec-"))
                .max(java.util.Comparator.comparingLong(SessionInfo::getCreatedAtMs))
                .orElseGet(() -> create(ifNone));
    }

    public SessionInfo destroy(String session) {
        return CmdopClient.call(target, () -> stub().destroySession(request(session)));
    }

    /** What a client joining now would see, with up to {@code scrollbackLines} lines above the screen. */
    public Screen screen(String session, int scrollbackLines) {
        return CmdopClient.call(target, () -> stub().getScreen(GetScreenRequest.newBuilder()
                .setSession(selector(session)).setScrollbackLines(scrollbackLines).build()));
    }

    /** Keystrokes, as an operator. */
    public InputAccepted sendInput(String session, byte[] data) {
        return CmdopClient.call(target, () -> stub().sendInput(SendInputRequest.newBuilder()
                .setSession(selector(session)).setData(ByteString.copyFrom(data)).setClient(client).build()));
    }

    /** A signal (INT, TERM, HUP, KILL, ...) to the session's foreground process group. */
    public void signal(String session, String signal) {
        CmdopClient.call(target, () -> stub().sendSignal(SendSignalRequest.newBuilder()
                .setSession(selector(session)).setSignal(signal).setClient(client).build()));
    }

    public Size resize(String session, int cols, int rows) {
        return CmdopClient.call(target, () -> stub().resize(ResizeRequest.newBuilder().setSession(selector(session))
                .setSize(Size.newBuilder().setCols(cols).setRows(rows)).setClient(client).build()));
    }

    /**
     * Runs a command line in the live session's shell and waits for its end; output is also passed to
     * {@code onOutput} as it comes. A zero timeout waits without limit.
     */
    public CommandResult run(String session, String command, Duration timeout, Consumer<byte[]> onOutput) {
        RunCommandRequest request = RunCommandRequest.newBuilder().setSession(selector(session)).setCommand(command)
                .setTimeoutMs(millis(timeout)).setClient(client).build();
        return follow(() -> streamingStub().runCommand(request), onOutput);
    }

    /**
     * Runs a command line in a fresh, short-lived session (listed while it runs) and waits for its end.
     * Past a non-zero {@code timeout} the machine ends the command and answers {@code TIMEOUT}; one
     * that does not answer at all is given up on {@link #UNANSWERED_SLACK} later, with the same reason.
     */
    public CommandResult execute(String command, Duration timeout, Consumer<byte[]> onOutput) {
        ExecRequest request = ExecRequest.newBuilder().setCommand(command).setTimeoutMs(millis(timeout))
                .setClient(client).setMachine(machine).build();
        SessionsGrpc.SessionsBlockingStub stub = timeout.isPositive()
                ? streamingStub().withDeadlineAfter(timeout.plus(UNANSWERED_SLACK).toMillis(), TimeUnit.MILLISECONDS)
                : streamingStub();
        return follow(() -> stub.exec(request), onOutput);
    }

    /**
     * Runs one command line on each machine at once, each in a fresh short-lived session, and waits
     * for them all. Names are trimmed and each runs once however often it is listed. A machine that
     * is offline, refuses, or times out has an error in its result instead of an exit code.
     */
    public FleetExecResult executeOn(List<String> machines, String command, Duration timeout) {
        List<String> names = machines.stream().map(String::strip).filter(n -> !n.isEmpty()).distinct().toList();
        if (names.isEmpty() || names.size() > FleetExecResult.MAX_MACHINES) {
            throw new CmdopException(io.cmdop.protocol.v1.Reason.REASON_INVALID_ARGUMENT,
                    "name between 1 and " + FleetExecResult.MAX_MACHINES + " machines, not " + names.size());
        }
        Map<String, Future<CommandResult>> runs = new LinkedHashMap<>();
        try (ExecutorService each = Executors.newVirtualThreadPerTaskExecutor()) {
            for (String name : names) {
                Terminal on = onMachine(name);
                runs.put(name, each.submit(() -> on.execute(command, timeout)));
            }
        }
        Map<String, FleetExecResult.OnMachine> results = new LinkedHashMap<>();
        runs.forEach((name, run) -> results.put(name, FleetExecResult.OnMachine.of(name, run)));
        return new FleetExecResult(results);
    }

    public CommandResult execute(String command, Duration timeout) {
        return execute(command, timeout, bytes -> { });
    }

    /** {@link #execute(String, Duration)} without blocking the caller. */
    public CompletableFuture<CommandResult> executeAsync(String command, Duration timeout) {
        return Async.run("cmdop-execute", () -> execute(command, timeout));
    }

    /** A live stream on a session in the given mode; call {@link TerminalStream#attach} next. */
    public TerminalStream stream(Mode mode) {
        TerminalStream stream = new TerminalStream(channel, reconnectNow, client, mode, target, machine);
        streams.add(stream);
        return stream;
    }

    private CommandResult follow(java.util.function.Supplier<Iterator<CommandUpdate>> start, Consumer<byte[]> onOutput) {
        return CmdopClient.call(target, () -> {
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            String commandId = "";
            boolean truncated = false;
            Iterator<CommandUpdate> updates = start.get();
            while (updates.hasNext()) {
                CommandUpdate u = updates.next();
                switch (u.getUpdateCase()) {
                    case STARTED -> commandId = u.getStarted().getCommandId();
                    case OUTPUT -> {
                        byte[] bytes = u.getOutput().toByteArray();
                        int keep = Math.min(bytes.length, CommandResult.MAX_KEPT_BYTES - output.size());
                        output.write(bytes, 0, keep);
                        truncated |= keep < bytes.length;
                        onOutput.accept(bytes);
                    }
                    case FINISHED -> {
                        return new CommandResult(commandId, u.getFinished().getExitCode(), output.toByteArray(),
                                truncated, u.getFinished().getDurationMs());
                    }
                    default -> { }
                }
            }
            throw new StatusRuntimeException(io.grpc.Status.INTERNAL.withDescription("the command stream ended early"));
        });
    }

    private SessionsGrpc.SessionsBlockingStub stub() {
        return SessionsGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    private SessionsGrpc.SessionsBlockingStub streamingStub() {
        return SessionsGrpc.newBlockingStub(channel);
    }

    private SessionRequest request(String session) {
        return SessionRequest.newBuilder().setSession(selector(session)).setClient(client).build();
    }

    private SessionSelector selector(String session) {
        return SessionSelector.newBuilder().setMachine(machine).setSession(session).build();
    }

    private static int millis(Duration timeout) {
        return (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    }
}

package io.cmdop.daemon;

import io.cmdop.client.CmdopClient;
import io.cmdop.client.CmdopException;
import io.cmdop.client.CmdopHome;
import io.cmdop.client.CommandResult;
import io.cmdop.client.InputWatch;
import io.cmdop.client.LocalChannels;
import io.cmdop.client.SessionNotFoundException;
import io.cmdop.client.TerminalStream;
import io.cmdop.protocol.v1.Attached;
import io.cmdop.protocol.v1.ClientFrame;
import io.cmdop.protocol.v1.ClientKind;
import io.cmdop.protocol.v1.CreateSessionRequest;
import io.cmdop.protocol.v1.Event;
import io.cmdop.protocol.v1.InputFrame;
import io.cmdop.protocol.v1.Mode;
import io.cmdop.protocol.v1.Reason;
import io.cmdop.protocol.v1.ServerFrame;
import io.cmdop.protocol.v1.SessionInfo;
import io.cmdop.protocol.v1.SessionState;
import io.cmdop.protocol.v1.SessionsGrpc;
import io.cmdop.session.pty.Pty;
import io.cmdop.session.pty.PtySpec;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The daemon over its real Unix socket, used through the SDK and through raw gRPC. */
class DaemonTest {
    @TempDir
    Path home;

    private Daemon daemon;
    private CmdopClient client;

    @BeforeEach
    void start() throws Exception {
        daemon = Daemon.start(home, DaemonConfig.defaults());
        client = CmdopClient.local(new CmdopHome(home), ClientKind.CLIENT_KIND_SDK);
    }

    @AfterEach
    void stop() {
        client.close();
        daemon.stop();
    }

    @Test
    void waitingForAnUnknownCommandOrUsingADetachedStreamIsAClearErrorAndTheSessionGoesOn() throws Exception {
        client.terminal().create(CreateSessionRequest.newBuilder().setName("w")
                .addAllCommand(List.of("/bin/sh", "-c", "stty -echo; exec cat")).build());
        TerminalStream stream = client.terminal().stream(Mode.MODE_OPERATOR);
        stream.attach("w");
        assertThatThrownBy(() -> stream.waitForCommand("nope1234", Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(CmdopException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.REASON_INVALID_ARGUMENT);
                    assertThat(e.getMessage()).contains("no command nope1234 was sent on this stream");
                });
        stream.detach();
        for (Runnable op : List.<Runnable>of(() -> stream.sendInput("late\n".getBytes()), () -> stream.resize(100, 30),
                () -> stream.sendCommand("true"), () -> stream.signal(io.cmdop.client.Signal.INT))) {
            assertThatThrownBy(op::run).isInstanceOfSatisfying(CmdopException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.REASON_STREAM_CLOSED));
        }
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        TerminalStream again = client.terminal().stream(Mode.MODE_OPERATOR)
                .onOutput(b -> seen.add(new String(b, StandardCharsets.UTF_8)));
        again.attach("w");
        again.sendInput("still-here\n".getBytes());
        assertThat(seen.poll(20, TimeUnit.SECONDS)).isEqualTo("still-here\r\n");
        again.detach();
    }

    @Test
    void anIdleSessionHasNoThreadOfItsOwnAndItsEchoStillComesBack() throws Exception {
        SessionInfo info = client.terminal().create(CreateSessionRequest.newBuilder().setName("quiet")
                .addAllCommand(List.of("/bin/sh", "-c", "stty -echo; exec cat")).build());
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        TerminalStream stream = client.terminal().stream(Mode.MODE_OPERATOR)
                .onOutput(b -> seen.add(new String(b, StandardCharsets.UTF_8)));
        stream.attach("quiet");
        stream.sendInput("typed\n".getBytes());
        assertThat(seen.poll(20, TimeUnit.SECONDS)).isEqualTo("typed\r\n");
        // The daemon's event loop watches the PTY: no thread waits for its output (each one's stack is memory).
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .noneMatch(name -> name.equals("cmdop-output-" + info.getId()));
        stream.detach();
    }

    @Test
    void aSessionQuietAfterStreamingIsListedHoldingLessThanItPrintedAndStillShowsItsHistory() throws Exception {
        SessionInfo idle = client.terminal().create(CreateSessionRequest.newBuilder().setName("idle")
                .addAllCommand(List.of("/bin/sh", "-c", "exec cat")).build());
        client.terminal().create(CreateSessionRequest.newBuilder().setName("log")
                .addAllCommand(List.of("/bin/sh", "-c", "seq 1 200000; exec cat")).build());
        long printed = 1_288_895 + 200_000; // seq's lines, each "\n" a "\r\n" through the terminal
        await(() -> client.terminal().getSession("log").getOutputOffset() == printed);
        // Streamed, the session holds more than it printed (ring, 80-column scrollback lines, output held
        // back); the daemon's janitor packs it all once the session is quiet.
        await(() -> client.terminal().getSession("log").getMemoryBytes() < printed / 2);
        long idleMemory = client.terminal().getSession(idle.getId()).getMemoryBytes();
        assertThat(idleMemory).as("an idle session: its screen, little else").isBetween(20_000L, 100_000L);
        assertThat(client.terminal().getSession("log").getMemoryBytes()).isGreaterThan(idleMemory);

        io.cmdop.protocol.v1.Screen screen = client.terminal().screen("log", 1000);
        assertThat(screen.getScrollbackList()).hasSize(1000);
        assertThat(screen.getScrollback(0)).isEqualTo(String.valueOf(200_000 - 23 - 1000 + 1));
        assertThat(screen.getLinesList()).contains("200000");

        // The daemon's status sums its sessions' figures (once both are quiet, they hold still).
        await(() -> client.status().getSessionsMemoryBytes()
                == client.terminal().list().stream().mapToLong(SessionInfo::getMemoryBytes).sum());
        var status = client.status();
        assertThat(status.getSessionsMemoryBytes()).isGreaterThan(idleMemory);
        assertThat(status.getRssBytes()).as("this JVM's resident memory").isGreaterThan(status.getSessionsMemoryBytes());
    }

    @Test
    void aPasteLongerThanAnInputFrameReachesTheProgramWholeAndInOrder() throws Exception {
        int size = 200_000;
        byte[] paste = new byte[size];
        for (int i = 0; i < size; i++) {
            paste[i] = (byte) ('a' + i % 26 + (i % 997 == 0 ? -32 : 0)); // letters, an upper-case one now and then
        }
        Path received = home.resolve("received");
        client.terminal().create(CreateSessionRequest.newBuilder().setName("paste").addAllCommand(List.of("/bin/sh", "-c",
                "stty raw -echo; echo ready; head -c " + size + " > \"$0\"; stty sane; echo got-all", received.toString())).build());
        await(() -> client.terminal().screen("paste", 0).getLinesList().contains("ready"));
        TerminalStream stream = client.terminal().stream(Mode.MODE_OPERATOR);
        stream.attach("paste");
        stream.sendInput(paste);
        await(() -> client.terminal().screen("paste", 0).getLinesList().stream().anyMatch(l -> l.contains("got-all")));
        assertThat(Files.readAllBytes(received)).isEqualTo(paste);
        stream.detach();
    }

    @Test
    void theSocketIsPrivateAndTheContractIsDiscoverableByReflection() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(daemon.socket()))).isEqualTo("rw-------");
        assertThat(daemon.socket()).isEqualTo(new CmdopHome(home).socket());
        try (RawChannel raw = new RawChannel(daemon.socket())) {
            CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
            StreamObserver<ServerReflectionRequest> req = ServerReflectionGrpc.newStub(raw.channel)
                    .serverReflectionInfo(new StreamObserver<>() {
                        public void onNext(ServerReflectionResponse r) { answer.complete(r); }
                        public void onError(Throwable t) { answer.completeExceptionally(t); }
                        public void onCompleted() { }
                    });
            req.onNext(ServerReflectionRequest.newBuilder().setListServices("*").build());
            List<String> services = answer.get(10, TimeUnit.SECONDS).getListServicesResponse().getServiceList()
                    .stream().map(s -> s.getName()).toList();
            req.onCompleted();
            assertThat(services).contains("cmdop.v1.Sessions", "cmdop.v1.Agent", "cmdop.v1.Files");
        }
    }

    @Test
    void aSecondDaemonOnTheSameHomeIsRefusedAndAStaleSocketIsReplaced() throws Exception {
        assertThatThrownBy(() -> Daemon.start(home, DaemonConfig.defaults()))
                .isInstanceOf(DaemonAlreadyRunningException.class)
                .hasMessageContaining("already running").hasMessageContaining(home.toString());
        assertThat(client.status().getPid()).as("the first daemon still serves").isEqualTo(ProcessHandle.current().pid());

        client.close();
        daemon.stop();
        Files.writeString(home.resolve(Daemon.SOCKET), "left behind by a killed daemon");
        daemon = Daemon.start(home, DaemonConfig.defaults());
        client = CmdopClient.local(new CmdopHome(home), ClientKind.CLIENT_KIND_SDK);
        assertThat(client.terminal().list()).isEmpty();
    }

    @Test
    void anUnknownSessionIsNotFoundNamingWhatWasAskedFor() {
        assertThatThrownBy(() -> client.terminal().getSession("no-such-thing"))
                .isInstanceOf(SessionNotFoundException.class)
                .hasMessageContaining("no-such-thing");
        assertThatThrownBy(() -> client.terminal().sendInput("ghost", "x".getBytes()))
                .isInstanceOfSatisfying(CmdopException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REASON_SESSION_NOT_FOUND));
    }

    @Test
    void runAndExecReportOutputAndExitCodes() {
        SessionInfo s = client.terminal().create(CreateSessionRequest.newBuilder().setName("build")
                .addCommand("/bin/bash").build());
        CommandResult ok = client.terminal().run("build", "printf 'no newline'", Duration.ofSeconds(30), b -> { });
        assertThat(ok.exitCode()).isZero();
        assertThat(ok.text()).isEqualTo("no newline");
        assertThat(ok.commandId()).isNotEmpty();
        CommandResult failing = client.terminal().run(s.getId(), "echo to-stderr >&2; false", Duration.ofSeconds(30), b -> { });
        assertThat(failing.exitCode()).isEqualTo(1);
        assertThat(failing.text()).isEqualTo("to-stderr\n");

        CommandResult exec = client.terminal().execute("echo exec-$((6*7)); exit 7", Duration.ofSeconds(30));
        assertThat(exec.exitCode()).isEqualTo(7);
        assertThat(exec.text()).isEqualTo("exec-42\n");
        assertThat(client.terminal().list()).extracting(SessionInfo::getName).containsExactly("build");
    }

    @Test
    void aDroppedStreamResumesWithItsTokenWithoutLosingAByte() throws Exception {
        client.terminal().create(CreateSessionRequest.newBuilder().setName("quiet")
                .addAllCommand(List.of("/bin/sh", "-c", "stty -echo; echo ready; exec cat")).build());
        StringBuffer seen = new StringBuffer();
        java.util.concurrent.CountDownLatch resumed = new java.util.concurrent.CountDownLatch(1);
        TerminalStream watcher = client.terminal().stream(Mode.MODE_OBSERVER)
                .onOutput(b -> seen.append(new String(b, StandardCharsets.UTF_8)))
                .onReconnecting(on -> {
                    if (!on) {
                        resumed.countDown();
                    }
                });
        Attached first = watcher.attach("quiet", 0, 0);
        seen.append(String.join("\n", first.getSnapshot().getLinesList()).strip());
        await(() -> seen.toString().contains("ready"));

        client.terminal().sendInput("quiet", "before-drop\n".getBytes());
        await(() -> seen.toString().contains("before-drop"));
        String token = watcher.continuityToken();
        watcher.drop();
        for (int i = 0; i < 50; i++) {
            client.terminal().sendInput("quiet", ("while-away-" + i + "\n").getBytes());
        }
        assertThat(resumed.await(20, TimeUnit.SECONDS)).as("the stream resumed by itself").isTrue();
        assertThat(watcher.continuityToken()).as("the token rotated").isNotEqualTo(token);
        client.terminal().sendInput("quiet", "after-resume\n".getBytes());
        await(() -> seen.toString().contains("after-resume"));
        StringBuilder expected = new StringBuilder("before-drop\r\n");
        for (int i = 0; i < 50; i++) {
            expected.append("while-away-").append(i).append("\r\n");
        }
        expected.append("after-resume\r\n");
        assertThat(seen.toString()).endsWith(expected.toString());
        assertThat(seen.toString().split("before-drop", -1)).as("nothing twice").hasSize(2);

        TerminalStream replay = client.terminal().stream(Mode.MODE_OBSERVER);
        assertThatThrownBy(() -> replay.resume(token, 0, 0))
                .isInstanceOfSatisfying(CmdopException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REASON_TOKEN_INVALID));
        watcher.detach();
    }

    @Test
    void observerInputIsRefusedByTheDaemonEvenFromARawClient() throws Exception {
        client.terminal().create(CreateSessionRequest.newBuilder().setName("guarded").addCommand("/bin/cat").build());
        try (RawChannel raw = new RawChannel(daemon.socket())) {
            Frames frames = raw.attach();
            frames.send(ClientFrame.newBuilder().setRequestId(1).setAttach(io.cmdop.protocol.v1.AttachRequest.newBuilder()
                    .setSession(io.cmdop.protocol.v1.SessionSelector.newBuilder().setSession("guarded"))
                    .setMode(Mode.MODE_OBSERVER)).build());
            assertThat(frames.next(f -> f.hasAttached()).getAttached().getMode()).isEqualTo(Mode.MODE_OBSERVER);
            frames.send(ClientFrame.newBuilder().setRequestId(2).setInput(InputFrame.newBuilder()
                    .setData(com.google.protobuf.ByteString.copyFromUtf8("sneaky\n"))).build());
            ServerFrame refusal = frames.next(f -> f.hasError());
            assertThat(refusal.getInReplyTo()).isEqualTo(2);
            assertThat(refusal.getError().getReason()).isEqualTo(Reason.REASON_OBSERVER_READ_ONLY);
            assertThat(refusal.getError().getFatal()).isFalse();
        }
        assertThat(client.terminal().screen("guarded", 0).getLinesList()).noneMatch(l -> l.contains("sneaky"));
        assertThat(client.terminal().getSession("guarded").getLastSeq())
                .as("no input event").isLessThanOrEqualTo(3);
    }

    @Test
    void malformedAndOversizedFramesCloseOnlyTheirOwnCall() throws Exception {
        client.terminal().create(CreateSessionRequest.newBuilder().setName("shared")
                .addAllCommand(List.of("/bin/sh", "-c", "stty -echo; exec cat")).build());
        StringBuffer seen = new StringBuffer();
        TerminalStream bystander = client.terminal().stream(Mode.MODE_OBSERVER)
                .onOutput(b -> seen.append(new String(b, StandardCharsets.UTF_8)));
        bystander.attach("shared", 0, 0);

        try (RawChannel raw = new RawChannel(daemon.socket())) {
            Status garbage = raw.sendRawAttach(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01, 0x02});
            assertThat(garbage.isOk()).isFalse();
            Status huge = raw.sendRawAttach(ClientFrame.newBuilder().setInput(InputFrame.newBuilder()
                    .setData(com.google.protobuf.ByteString.copyFrom(new byte[2 * 1024 * 1024]))).build().toByteArray());
            assertThat(huge.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);

            Frames wrongFirst = raw.attach();
            wrongFirst.send(ClientFrame.newBuilder().setRequestId(7).setInput(InputFrame.newBuilder()
                    .setData(com.google.protobuf.ByteString.copyFromUtf8("x"))).build());
            ServerFrame error = wrongFirst.next(f -> f.hasError());
            assertThat(error.getError().getReason()).isEqualTo(Reason.REASON_MALFORMED_FRAME);
            assertThat(error.getError().getFatal()).isTrue();
            assertThat(error.getError().getMessage()).contains("first frame must be attach or resume");
        }
        client.terminal().sendInput("shared", "still-alive\n".getBytes());
        await(() -> seen.toString().contains("still-alive"));
        assertThat(client.terminal().getSession("shared").getState()).isEqualTo(SessionState.SESSION_STATE_RUNNING);
        bystander.detach();
    }

    /**
     * An input is 1 byte to 64 KiB (the SDK splits longer pastes): outside that, the daemon refuses it
     * with its size, applies none of it, and the call and the session go on.
     */
    @Test
    void inputOfNoBytesOrOver64KiBIsRefusedAndNoneOfItReachesTheProgram() throws Exception {
        // The program prints the last of the first 64 KiB + 1 bytes it reads: "x" had a refused input got through.
        client.terminal().create(CreateSessionRequest.newBuilder().setName("sized").addAllCommand(List.of("/bin/sh", "-c",
                "stty raw -echo; head -c 65537 | tail -c 1 | sed 's/^/last=/'; exec cat")).build());
        byte[] oversized = "x".repeat(65537).getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> client.terminal().sendInput("sized", oversized))
                .isInstanceOfSatisfying(CmdopException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.REASON_INVALID_ARGUMENT);
                    assertThat(e.getMessage()).contains("input must be 1 to 65536 bytes, got 65537");
                });
        assertThatThrownBy(() -> client.terminal().sendInput("sized", new byte[0]))
                .isInstanceOfSatisfying(CmdopException.class, e -> assertThat(e.getMessage()).contains("got 0"));

        try (RawChannel raw = new RawChannel(daemon.socket())) {
            Frames frames = raw.attach();
            frames.send(ClientFrame.newBuilder().setRequestId(1).setAttach(io.cmdop.protocol.v1.AttachRequest.newBuilder()
                    .setSession(io.cmdop.protocol.v1.SessionSelector.newBuilder().setSession("sized"))
                    .setMode(Mode.MODE_OPERATOR)).build());
            frames.next(ServerFrame::hasAttached);
            frames.send(ClientFrame.newBuilder().setRequestId(2).setInput(InputFrame.newBuilder()
                    .setData(com.google.protobuf.ByteString.copyFrom(oversized))).build());
            ServerFrame refusal = frames.next(ServerFrame::hasError);
            assertThat(refusal.getInReplyTo()).isEqualTo(2);
            assertThat(refusal.getError().getReason()).isEqualTo(Reason.REASON_INVALID_ARGUMENT);
            assertThat(refusal.getError().getMessage()).contains("got 65537");
            assertThat(refusal.getError().getFatal()).as("the call goes on").isFalse();

            frames.send(ClientFrame.newBuilder().setRequestId(3).setInput(InputFrame.newBuilder()
                    .setData(com.google.protobuf.ByteString.copyFrom("a".repeat(65536), StandardCharsets.US_ASCII))).build());
            frames.send(ClientFrame.newBuilder().setRequestId(4).setInput(InputFrame.newBuilder()
                    .setData(com.google.protobuf.ByteString.copyFromUtf8("b"))).build());
            await(() -> client.terminal().screen("sized", 0).getLinesList().stream().anyMatch(l -> l.contains("last=")));
        }
        assertThat(client.terminal().screen("sized", 0).getLinesList()).anyMatch(l -> l.startsWith("last=b"));
        assertThat(client.terminal().getSession("sized").getState()).isEqualTo(SessionState.SESSION_STATE_RUNNING);
    }

    @Test
    void presenceListsWhoIsAttachedWithKindModeAndSince() throws Exception {
        client.terminal().create(CreateSessionRequest.newBuilder().setName("busy").addCommand("/bin/cat").build());
        TerminalStream op = client.terminal().stream(Mode.MODE_OPERATOR);
        TerminalStream obs = client.terminal().stream(Mode.MODE_OBSERVER);
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        op.onEvent(events::add);
        op.attach("busy", 100, 30);
        obs.attach("busy", 0, 0);
        SessionInfo info = client.terminal().getSession("busy");
        assertThat(info.getAttachedList()).hasSize(2);
        assertThat(info.getAttachedList()).anySatisfy(c -> {
            assertThat(c.getMode()).isEqualTo(Mode.MODE_OBSERVER);
            assertThat(c.getKind()).isEqualTo(ClientKind.CLIENT_KIND_SDK);
            assertThat(c.getPrincipal()).isEqualTo(System.getProperty("user.name"));
            assertThat(c.getSinceMs()).isPositive();
        });
        Event joined = poll(events, e -> e.hasJoined() && e.getJoined().getClient().getMode() == Mode.MODE_OBSERVER);
        assertThat(joined.getJoined().getClient().getClientId()).isEqualTo(obs.clientId());
        obs.detach();
        Event left = poll(events, Event::hasLeft);
        assertThat(left.getLeft().getReason()).isEqualTo("detached");
        op.detach();
    }

    @Test
    void closingAClientLeavesItsSessionsAtOnceInsteadOfHoldingAGraceWindow() throws Exception {
        client.terminal().create(CreateSessionRequest.newBuilder().setName("left").addCommand("/bin/cat").build());
        TerminalStream watcher = client.terminal().stream(Mode.MODE_OPERATOR);
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        watcher.onEvent(events::add);
        watcher.attach("left", 80, 24);
        CmdopClient other = CmdopClient.local(new CmdopHome(home), ClientKind.CLIENT_KIND_SDK);
        TerminalStream leaving = other.terminal().stream(Mode.MODE_OBSERVER);
        leaving.attach("left", 0, 0);
        leaving.detach();
        leaving.detach(); // a second detach has nothing left to say, and says nothing
        assertThat(poll(events, Event::hasLeft).getLeft().getReason()).isEqualTo("detached");
        TerminalStream forgotten = other.terminal().stream(Mode.MODE_OBSERVER);
        forgotten.attach("left", 0, 0);
        other.close();
        Event left = poll(events, Event::hasLeft);
        assertThat(left.getLeft().getClient().getClientId()).isEqualTo(forgotten.clientId());
        assertThat(left.getLeft().getReason()).isEqualTo("detached");
        assertThat(client.terminal().getSession("left").getAttachedList()).hasSize(1);
        watcher.detach();
    }

    @Test
    void callbacksOnTheTransportThreadMaySendInputAndResizeButABlockingCallFromThemFailsInsteadOfDeadlocking()
            throws Exception {
        client.terminal().create(CreateSessionRequest.newBuilder().setName("inline")
                .addAllCommand(List.of("/bin/sh", "-c", "stty -echo; exec cat")).build());
        StringBuilder output = new StringBuilder();
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        // A call on another client would not deadlock, but would hold up this stream's output while it waits.
        CmdopClient other = CmdopClient.local(new CmdopHome(home), ClientKind.CLIENT_KIND_SDK);
        TerminalStream stream = client.terminal().stream(Mode.MODE_OPERATOR).callbacksOnTransportThread();
        stream.onOutput(bytes -> {
            output.append(new String(bytes, StandardCharsets.UTF_8));
            if (output.toString().contains("ping\r\n") && !output.toString().contains("pong")) {
                seen.add("thread " + Thread.currentThread().getName());
                for (Runnable blocking : List.<Runnable>of(() -> stream.sendCommand("true"),
                        () -> client.terminal().list(), () -> stream.waitForCommand("c1", Duration.ofSeconds(5)),
                        () -> other.terminal().list())) {
                    try {
                        blocking.run();
                        seen.add("returned");
                    } catch (CmdopException e) {
                        seen.add(e.reason() + ": " + e.getMessage());
                    }
                }
                stream.resize(100, 30);
                stream.sendInput("pong\n".getBytes());
            } else if (output.toString().contains("pong\r\n")) {
                seen.add("echoed");
            }
        });
        stream.attach("inline", 80, 24);
        stream.sendInput("ping\n".getBytes());
        assertThat(seen.poll(20, TimeUnit.SECONDS)).startsWith("thread cmdop-client-io-");
        for (int i = 0; i < 4; i++) {
            assertThat(seen.poll(20, TimeUnit.SECONDS)).startsWith("REASON_BLOCKING_CALLBACK: ")
                    .contains("Make the call from another thread");
        }
        assertThat(seen.poll(20, TimeUnit.SECONDS)).isEqualTo("echoed");
        assertThat(client.terminal().getSession("inline").getSize().getCols()).isEqualTo(100);
        assertThat(other.terminal().list()).isNotEmpty(); // refused only from the callback
        stream.detach();
        other.close();
    }

    @Test
    void keysReadOnTheTransportThreadFromAWatchedTerminalReachTheSessionAndTheWatchEndsWithTheTerminal()
            throws Exception {
        client.terminal().create(CreateSessionRequest.newBuilder().setName("typed")
                .addAllCommand(List.of("/bin/sh", "-c", "stty -echo; exec cat")).build());
        BlockingQueue<String> echoed = new LinkedBlockingQueue<>();
        TerminalStream stream = client.terminal().stream(Mode.MODE_OPERATOR).callbacksOnTransportThread()
                .onOutput(b -> echoed.add(new String(b, StandardCharsets.UTF_8)));
        stream.attach("typed");
        // The user's terminal: what its program prints is what the watch reads, as the CLI reads its keyboard.
        Pty keyboard = Pty.spawn(PtySpec.builder("/bin/sh", "-c", "stty -echo -onlcr; echo ready; exec cat").build());
        byte[] buffer = new byte[4096];
        StringBuilder started = new StringBuilder();
        while (!started.toString().equals("ready\n")) { // typing before that would be echoed by the terminal too
            int n = keyboard.read(buffer, 0, buffer.length);
            assertThat(n).isPositive();
            started.append(new String(buffer, 0, n, StandardCharsets.US_ASCII));
        }
        Pty.MasterLease lease = keyboard.lendMaster(() -> { });
        BlockingQueue<String> reads = new LinkedBlockingQueue<>();
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        java.util.Optional<InputWatch> watch = client.watchInput(lease.fd(), () -> {
            calls.incrementAndGet();
            try {
                int n = keyboard.tryRead(buffer, 0, buffer.length);
                if (n < 0) {
                    reads.add("end");
                    return false;
                }
                stream.sendInput(java.util.Arrays.copyOf(buffer, n));
                if (calls.get() == 1) {
                    try {
                        client.terminal().list();
                    } catch (CmdopException e) {
                        reads.add(Thread.currentThread().getName() + " " + e.reason());
                    }
                }
                return true;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(watch).isPresent();
        keyboard.write("typed on the loop\n".getBytes(), 0, 18);
        assertThat(reads.poll(20, TimeUnit.SECONDS)).startsWith("cmdop-client-io-").endsWith("REASON_BLOCKING_CALLBACK");
        assertThat(echoed.poll(20, TimeUnit.SECONDS)).isEqualTo("typed on the loop\r\n");

        keyboard.kill();
        assertThat(reads.poll(20, TimeUnit.SECONDS)).isEqualTo("end");
        int atTheEnd = calls.get();
        // One more echo comes through the same loop; a watch still on a hung-up terminal would have been called again.
        stream.sendInput("after\n".getBytes());
        assertThat(echoed.poll(20, TimeUnit.SECONDS)).isEqualTo("after\r\n");
        assertThat(calls.get()).isEqualTo(atTheEnd);
        watch.get().close();
        lease.close();
        keyboard.close();
        assertThat(client.watchInput(Integer.MAX_VALUE, () -> true)).as("a descriptor that is not open").isEmpty();
        stream.detach();
        CmdopClient closed = CmdopClient.local(new CmdopHome(home), ClientKind.CLIENT_KIND_SDK);
        closed.close();
        assertThatThrownBy(() -> closed.watchInput(0, () -> true)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("this client is closed");
    }

    private static Event poll(BlockingQueue<Event> events, java.util.function.Predicate<Event> matching)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            Event e = events.poll(100, TimeUnit.MILLISECONDS);
            if (e != null && matching.test(e)) {
                return e;
            }
        }
        throw new AssertionError("no matching event within 20 s");
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 20 s");
            }
            Thread.sleep(10);
        }
    }

    /** A plain gRPC channel to the socket, for frames the SDK would never send. */
    private static final class RawChannel implements AutoCloseable {
        final ManagedChannel channel;
        private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());

        RawChannel(Path socket) {
            channel = LocalChannels.builder(socket, group).maxInboundMessageSize(16 * 1024 * 1024).build();
        }

        Frames attach() {
            Frames frames = new Frames();
            frames.out = SessionsGrpc.newStub(channel).attach(frames);
            return frames;
        }

        /** Sends one message of arbitrary bytes on the Attach method; returns how the call ended. */
        Status sendRawAttach(byte[] payload) throws Exception {
            MethodDescriptor.Marshaller<byte[]> bytes = new MethodDescriptor.Marshaller<>() {
                public InputStream stream(byte[] value) { return new ByteArrayInputStream(value); }
                public byte[] parse(InputStream stream) {
                    try {
                        ByteArrayOutputStream out = new ByteArrayOutputStream();
                        stream.transferTo(out);
                        return out.toByteArray();
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException(e);
                    }
                }
            };
            MethodDescriptor<byte[], byte[]> method = SessionsGrpc.getAttachMethod().toBuilder(bytes, bytes).build();
            ClientCall<byte[], byte[]> call = channel.newCall(method, CallOptions.DEFAULT);
            CompletableFuture<Status> closed = new CompletableFuture<>();
            call.start(new ClientCall.Listener<>() {
                @Override
                public void onClose(Status status, Metadata trailers) {
                    closed.complete(status);
                }
            }, new Metadata());
            call.request(10);
            call.sendMessage(payload);
            return closed.get(20, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            channel.shutdownNow();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** One raw Attach call: frames received are queued for the test. */
    private static final class Frames implements StreamObserver<ServerFrame> {
        final BlockingQueue<ServerFrame> received = new LinkedBlockingQueue<>();
        StreamObserver<ClientFrame> out;

        void send(ClientFrame frame) {
            out.onNext(frame);
        }

        ServerFrame next(java.util.function.Predicate<ServerFrame> matching) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline) {
                ServerFrame f = received.poll(100, TimeUnit.MILLISECONDS);
                if (f != null && matching.test(f)) {
                    return f;
                }
            }
            throw new AssertionError("no matching frame within 20 s");
        }

        public void onNext(ServerFrame f) { received.add(f); }
        public void onError(Throwable t) { }
        public void onCompleted() { }
    }
}

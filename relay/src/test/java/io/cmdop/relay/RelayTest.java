package io.cmdop.relay;

import io.cmdop.client.CmdopClient;
import io.cmdop.client.CmdopException;
import io.cmdop.client.CmdopHome;
import io.cmdop.client.CommandResult;
import io.cmdop.client.FileEntry;
import io.cmdop.client.FileTransfer;
import io.cmdop.client.Features;
import io.cmdop.client.Files;
import io.cmdop.client.PathNotFoundException;
import io.cmdop.client.PathOutsideRootException;
import io.cmdop.client.PermissionDeniedException;
import io.cmdop.client.TransferProgress;
import io.cmdop.client.Terminal;
import io.cmdop.client.TerminalStream;
import io.cmdop.daemon.Daemon;
import io.cmdop.daemon.DaemonConfig;
import io.cmdop.daemon.Enrollment;
import io.cmdop.protocol.v1.ClientKind;
import io.cmdop.protocol.v1.CreateSessionRequest;
import io.cmdop.protocol.v1.Event;
import io.cmdop.protocol.v1.LinkUp;
import io.cmdop.protocol.v1.Machine;
import io.cmdop.protocol.v1.Mode;
import io.cmdop.protocol.v1.Reason;
import io.cmdop.protocol.v1.Role;
import io.cmdop.protocol.v1.SessionInfo;
import io.cmdop.relay.store.CreatedJoinKey;
import io.cmdop.relay.store.NewFleet;
import io.cmdop.relay.store.RelayStore;
import io.cmdop.session.SessionConfig;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A real relay (TLS on loopback), a real daemon linked to it, and remote SDK clients. */
class RelayTest {
    @TempDir
    Path relayHome;
    @TempDir
    Path machineHome;
    @TempDir
    Path filesRoot;

    private RelayStore store;
    private RelayServer relay;
    private Daemon daemon;
    private NewFleet fleet;
    private String url;
    private String fingerprint;
    private final List<io.grpc.ManagedChannel> rawChannels = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        store = openStore(relayHome);
        fleet = store.fleets().create("default", "owner", true);
        RelayTls tls = RelayTls.createSelfSigned(relayHome.resolve("tls.p12"), List.of("localhost", "127.0.0.1"));
        relay = RelayServer.start(store, "127.0.0.1", 0, tls);
        url = "https://127.0.0.1:" + relay.port();
        fingerprint = relay.fingerprint();
        CreatedJoinKey join = store.joinKeys().create(fleet.fleet().id(), 1, Duration.ofHours(1));
        Enrollment.enroll(machineHome, url, join.secret(), "web-1", fingerprint);
        daemon = Daemon.start(machineHome, DaemonConfig.defaults().withFilesRoot(filesRoot));
        try (CmdopClient owner = owner()) {
            await(() -> owner.fleet().machines().stream().anyMatch(Machine::getOnline), "web-1 online");
        }
    }

    @AfterEach
    void stop() {
        rawChannels.forEach(io.grpc.ManagedChannel::shutdownNow);
        daemon.stop();
        relay.close();
        store.close();
    }

    /** The relay's database; the embedded one here, PostgreSQL in {@link RelayOnPostgresTest}. */
    RelayStore openStore(Path home) throws Exception {
        return RelayStore.open(RelayStore.embeddedUrl(home));
    }

    private CmdopClient owner() {
        return CmdopClient.remote(url, fleet.ownerKey().secret(), fingerprint, ClientKind.CLIENT_KIND_CLI);
    }

    @Test
    void aRemoteClientUsesTheMachinesSessionsAndALocalClientSeesTheSameEvents() throws Exception {
        try (CmdopClient remote = owner();
             CmdopClient local = CmdopClient.local(new CmdopHome(machineHome), ClientKind.CLIENT_KIND_CLI)) {
            List<Machine> machines = remote.fleet().machines();
            assertThat(machines).singleElement().satisfies(m -> {
                assertThat(m.getName()).isEqualTo("web-1");
                assertThat(m.getOnline()).isTrue();
            });
            var web1 = remote.terminal().onMachine("web-1");
            SessionInfo created = web1.create(CreateSessionRequest.newBuilder().setName("build")
                    .addAllCommand(List.of("/bin/sh", "-c", "stty -echo; exec cat")).build());
            assertThat(created.getMachine()).isEqualTo("web-1");
            assertThat(local.terminal().list()).extracting(SessionInfo::getName).contains("build");

            BlockingQueue<Event> remoteEvents = new LinkedBlockingQueue<>();
            BlockingQueue<Event> localEvents = new LinkedBlockingQueue<>();
            TerminalStream remoteWatch = web1.stream(Mode.MODE_OPERATOR).onEvent(remoteEvents::add);
            TerminalStream localWatch = local.terminal().stream(Mode.MODE_OBSERVER).onEvent(localEvents::add);
            remoteWatch.attach("build", 100, 30);
            localWatch.attach("build", 0, 0);

            String metrics = get("/metrics");
            assertThat(metrics).contains("cmdop_agents_connected 1").contains("cmdop_attachments 1")
                    .contains("cmdop_attachments_total 1");
            assertThat(get("/health")).contains("\"status\":\"ok\"");

            remoteWatch.sendInput("from-remote\n".getBytes());
            local.terminal().sendInput("build", "from-local\n".getBytes());
            Event remoteInput = poll(remoteEvents, e -> e.hasInput() && e.getInput().getData().toStringUtf8().equals("from-remote\n"));
            assertThat(remoteInput.getInput().getSender().getPrincipal()).isEqualTo("owner@default");
            Event localSeesRemote = poll(localEvents, e -> e.getSeq() == remoteInput.getSeq());
            assertThat(localSeesRemote).isEqualTo(remoteInput);
            Event localInput = poll(localEvents, e -> e.hasInput() && e.getInput().getData().toStringUtf8().equals("from-local\n"));
            Event remoteSeesLocal = poll(remoteEvents, e -> e.getSeq() == localInput.getSeq());
            assertThat(remoteSeesLocal).as("attributed identically on both sides").isEqualTo(localInput);

            CommandResult exec = web1.execute("echo relayed-$((6*7)); exit 4", Duration.ofSeconds(30));
            assertThat(exec.exitCode()).isEqualTo(4);
            assertThat(exec.text()).isEqualTo("relayed-42\n");
            remoteWatch.detach();
            localWatch.detach();
        }
    }

    @Test
    void aRemoteClientLendsItsTransportThreadToReadADescriptor() throws Exception {
        try (CmdopClient remote = owner();
             io.cmdop.session.pty.Pty printer = io.cmdop.session.pty.Pty.spawn(
                     io.cmdop.session.pty.PtySpec.builder("echo", "typed").build())) {
            var lease = printer.lendMaster(() -> { });
            BlockingQueue<String> reads = new LinkedBlockingQueue<>();
            byte[] buffer = new byte[256];
            var watch = remote.watchInput(lease.fd(), () -> {
                try {
                    int n = printer.tryRead(buffer, 0, buffer.length);
                    reads.add(n < 0 ? "end" : Thread.currentThread().getName() + " read "
                            + new String(buffer, 0, n, StandardCharsets.US_ASCII).strip());
                    return n >= 0;
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThat(watch).as("the CLI reads its keyboard this way through a relay too").isPresent();
            assertThat(reads.poll(20, TimeUnit.SECONDS)).startsWith("cmdop-client-io-").endsWith(" read typed");
            assertThat(reads.poll(20, TimeUnit.SECONDS)).isEqualTo("end");
            lease.close();
        }
    }

    @Test
    void theMachinesListCountsTheRunningSessionsWhoeverStartedThem() throws Exception {
        try (CmdopClient remote = owner();
             CmdopClient local = CmdopClient.local(new CmdopHome(machineHome), ClientKind.CLIENT_KIND_CLI)) {
            java.util.function.IntSupplier listed = () -> remote.fleet().machines().getFirst().getSessions();
            assertThat(listed.getAsInt()).isZero();
            local.terminal().create(CreateSessionRequest.newBuilder().setName("here")
                    .addAllCommand(List.of("/bin/sh", "-c", "exec cat")).build());
            await(() -> listed.getAsInt() == 1, "a session started on the machine itself counted");
            remote.terminal().onMachine("web-1").create(CreateSessionRequest.newBuilder().setName("there")
                    .addAllCommand(List.of("/bin/sh", "-c", "exec cat")).build());
            await(() -> listed.getAsInt() == 2, "a session started through the relay counted");
            local.terminal().destroy("here");
            await(() -> listed.getAsInt() == 1, "an ended session no longer counted");
        }
    }

    @Test
    void guestsObserveOnlyAndOtherFleetsSeeNothing() throws Exception {
        String guestKey;
        try (CmdopClient owner = owner()) {
            guestKey = owner.fleet().createApiKey("visitor", Role.ROLE_GUEST).getSecret();
            owner.terminal().onMachine("web-1").create(CreateSessionRequest.newBuilder().setName("prod")
                    .addCommand("/bin/cat").build());
        }
        try (CmdopClient guest = CmdopClient.remote(url, guestKey, fingerprint, ClientKind.CLIENT_KIND_CLI)) {
            var web1 = guest.terminal().onMachine("web-1");
            assertThat(web1.list()).extracting(SessionInfo::getName).contains("prod");
            assertThatThrownBy(() -> web1.stream(Mode.MODE_OPERATOR).attach("prod", 80, 24))
                    .isInstanceOfSatisfying(CmdopException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REASON_ROLE_FORBIDS));
            assertThatThrownBy(() -> web1.sendInput("prod", "x".getBytes()))
                    .isInstanceOfSatisfying(CmdopException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REASON_ROLE_FORBIDS));
            TerminalStream watch = web1.stream(Mode.MODE_OBSERVER);
            assertThat(watch.attach("prod", 0, 0).getMode()).isEqualTo(Mode.MODE_OBSERVER);
            watch.detach();
        }
        NewFleet other = store.fleets().create("other", "boss", false);
        try (CmdopClient outsider = CmdopClient.remote(url, other.ownerKey().secret(), fingerprint, ClientKind.CLIENT_KIND_CLI)) {
            assertThat(outsider.fleet().machines()).isEmpty();
            assertThatThrownBy(() -> outsider.terminal().onMachine("web-1").list())
                    .isInstanceOfSatisfying(CmdopException.class, e -> assertThat(e.getMessage()).contains("no machine named 'web-1'"));
        }
        try (CmdopClient forged = CmdopClient.remote(url, "cmdop_nope_nope", fingerprint, ClientKind.CLIENT_KIND_CLI)) {
            assertThatThrownBy(() -> forged.fleet().machines())
                    .isInstanceOfSatisfying(CmdopException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REASON_UNAUTHENTICATED));
        }
    }

    @Test
    void aClientResumesAcrossARelayRestartWithoutLosingOutput() throws Exception {
        try (CmdopClient remote = owner()) {
            var web1 = remote.terminal().onMachine("web-1");
            web1.create(CreateSessionRequest.newBuilder().setName("quiet")
                    .addAllCommand(List.of("/bin/sh", "-c", "stty -echo; exec cat")).build());
            StringBuffer seen = new StringBuffer();
            java.util.concurrent.atomic.AtomicInteger reconnects = new java.util.concurrent.atomic.AtomicInteger();
            // What arrived, for the failure message: each event's seq (and output offset), resyncs, reconnects.
            StringBuffer trace = new StringBuffer();
            TerminalStream stream = web1.stream(Mode.MODE_OPERATOR)
                    .onOutput(b -> seen.append(utf8(b)))
                    .onEvent(e -> trace.append(" #").append(e.getSeq())
                            .append(e.hasOutput() ? "@" + e.getOutput().getOffset() : ""))
                    .onResync(r -> trace.append(" resync#").append(r.getSnapshot().getSeq()))
                    .onReconnecting(on -> {
                        reconnects.incrementAndGet();
                        trace.append(on ? " reconnecting" : " resumed");
                    });
            stream.attach("quiet", 80, 24);
            stream.sendInput("before\n".getBytes());
            await(() -> seen.toString().contains("before\r\n"), "output before the restart");

            int port = relay.port();
            relay.close();
            try (CmdopClient local = CmdopClient.local(new CmdopHome(machineHome), ClientKind.CLIENT_KIND_CLI)) {
                local.terminal().sendInput("quiet", "while-down\n".getBytes());
            }
            relay = RelayServer.start(store, "127.0.0.1", port, RelayTls.load(relayHome.resolve("tls.p12")));
            await(() -> seen.toString().contains("while-down\r\n"), () -> "output made while the relay was down; seen "
                    + seen + "; events" + trace);
            stream.sendInput("after\n".getBytes());
            await(() -> seen.toString().contains("after\r\n"), "output after the restart");
            assertThat(seen.toString()).as(trace.toString()).isEqualTo("before\r\nwhile-down\r\nafter\r\n");
            assertThat(reconnects.get()).isGreaterThanOrEqualTo(2);
            stream.detach();
        }
    }

    /**
     * A terminal sees keys in the program's echo: asked to, its stream leaves every input event out,
     * locally and through the relay, replayed events after a resume included, while a watcher of the
     * same session still gets them all; a stream that listens only for output asks for it by itself.
     */
    @Test
    void aTerminalsStreamLeavesInputEventsOutLocallyThroughTheRelayAndAcrossAResume() throws Exception {
        try (CmdopClient remote = owner();
             CmdopClient local = CmdopClient.local(new CmdopHome(machineHome), ClientKind.CLIENT_KIND_CLI)) {
            var web1 = remote.terminal().onMachine("web-1");
            web1.create(CreateSessionRequest.newBuilder().setName("typing")
                    .addAllCommand(List.of("/bin/sh", "-c", "stty -echo; exec cat")).build());
            StringBuffer remoteSeen = new StringBuffer();
            StringBuffer localSeen = new StringBuffer();
            BlockingQueue<Event> remoteEvents = new LinkedBlockingQueue<>();
            BlockingQueue<Event> localEvents = new LinkedBlockingQueue<>();
            BlockingQueue<Event> watched = new LinkedBlockingQueue<>();
            TerminalStream remoteTerminal = web1.stream(Mode.MODE_OPERATOR).withoutInputEvents()
                    .onOutput(b -> remoteSeen.append(utf8(b))).onEvent(remoteEvents::add);
            TerminalStream localTerminal = local.terminal().stream(Mode.MODE_OBSERVER).withoutInputEvents()
                    .onOutput(b -> localSeen.append(utf8(b))).onEvent(localEvents::add);
            TerminalStream watcher = web1.stream(Mode.MODE_OBSERVER).onEvent(watched::add);
            TerminalStream outputOnly = local.terminal().stream(Mode.MODE_OBSERVER).onOutput(b -> { });
            assertThat(remoteTerminal.attach("typing", 80, 24).getInputEventsOmitted()).isTrue();
            assertThat(localTerminal.attach("typing", 0, 0).getInputEventsOmitted()).isTrue();
            assertThat(watcher.attach("typing", 0, 0).getInputEventsOmitted()).isFalse();
            assertThat(outputOnly.attach("typing", 0, 0).getInputEventsOmitted())
                    .as("no one here listens for events: the SDK asks for none").isTrue();

            remoteTerminal.sendInput("one\n".getBytes());
            Event typed = poll(watched, e -> e.hasInput() && e.getInput().getData().toStringUtf8().equals("one\n"));
            assertThat(typed.getInput().getSender().getPrincipal()).isEqualTo("owner@default");
            await(() -> remoteSeen.toString().contains("one\r\n") && localSeen.toString().contains("one\r\n"),
                    "the echo on both terminals");

            int port = relay.port();
            relay.close();
            local.terminal().sendInput("typing", "two\n".getBytes()); // replayed to the remote streams on resume
            relay = RelayServer.start(store, "127.0.0.1", port, RelayTls.load(relayHome.resolve("tls.p12")));
            poll(watched, e -> e.hasInput() && e.getInput().getData().toStringUtf8().equals("two\n"));
            remoteTerminal.sendInput("three\n".getBytes());
            await(() -> remoteSeen.toString().endsWith("two\r\nthree\r\n") && localSeen.toString().endsWith(
                    "two\r\nthree\r\n"), () -> "the echo after the resume; remote " + remoteSeen + ", local " + localSeen);
            poll(watched, e -> e.hasInput() && e.getInput().getData().toStringUtf8().equals("three\n"));

            assertThat(remoteEvents).as("through the relay").noneMatch(Event::hasInput).anyMatch(Event::hasOutput);
            assertThat(localEvents).as("locally").noneMatch(Event::hasInput).anyMatch(Event::hasOutput);
            assertThat(remoteTerminal.lastSeq()).as("the seqs left out are skipped, not renumbered")
                    .isGreaterThan(typed.getSeq());
            remoteTerminal.detach();
            localTerminal.detach();
            watcher.detach();
            outputOnly.detach();
        }
    }

    /** The machine's daemon again, forgetting a dropped client after 1 s instead of its default window. */
    private void restartDaemonWithOneSecondGrace() throws IOException {
        daemon.stop();
        daemon = Daemon.start(machineHome,
                DaemonConfig.defaults().withSession(SessionConfig.defaults().withGrace(Duration.ofSeconds(1))));
    }

    private static Terminal web1Online(CmdopClient remote) throws InterruptedException {
        await(() -> remote.fleet().machines().stream().anyMatch(Machine::getOnline), "web-1 back online");
        return remote.terminal().onMachine("web-1");
    }

    @Test
    void pastTheGraceWindowAStreamAttachesAfreshAndReportsWhatItMissed() throws Exception {
        restartDaemonWithOneSecondGrace();
        try (CmdopClient remote = owner();
             CmdopClient local = CmdopClient.local(new CmdopHome(machineHome), ClientKind.CLIENT_KIND_CLI)) {
            var web1 = web1Online(remote);
            web1.create(CreateSessionRequest.newBuilder().setName("quiet")
                    .addAllCommand(List.of("/bin/sh", "-c", "stty -echo; exec cat")).build());
            StringBuffer seen = new StringBuffer();
            BlockingQueue<io.cmdop.protocol.v1.Resync> resyncs = new LinkedBlockingQueue<>();
            TerminalStream stream = web1.stream(Mode.MODE_OPERATOR)
                    .onOutput(b -> seen.append(utf8(b)))
                    .onResync(resyncs::add);
            String firstClient = stream.attach("quiet", 80, 24).getClientId();
            stream.sendInput("before\n".getBytes());
            await(() -> seen.toString().contains("before\r\n"), "output before the relay went away");

            int port = relay.port();
            relay.close();
            local.terminal().sendInput("quiet", "while-down\n".getBytes());
            await(() -> local.terminal().getSession("quiet").getAttachedList().stream()
                    .noneMatch(c -> c.getClientId().equals(firstClient)), "the daemon to drop the remote client after its grace");
            relay = RelayServer.start(store, "127.0.0.1", port, RelayTls.load(relayHome.resolve("tls.p12")));

            io.cmdop.protocol.v1.Resync resync = resyncs.poll(30, TimeUnit.SECONDS);
            assertThat(resync).as("a resync after attaching afresh").isNotNull();
            assertThat(resync.getGap().getReason()).isEqualTo("token_expired");
            assertThat(resync.getGap().getToOffset() - resync.getGap().getFromOffset())
                    .as("the gap is exactly the output made while the client was away").isEqualTo("while-down\r\n".length());
            assertThat(resync.getSnapshot().getLinesList()).contains("while-down");
            assertThat(stream.clientId()).as("a new attachment").isNotEqualTo(firstClient);
            stream.sendInput("after\n".getBytes());
            await(() -> seen.toString().contains("after\r\n"), "live output on the new attachment");
            assertThat(seen.toString()).isEqualTo("before\r\nafter\r\n");
            stream.detach();
        }
    }

    /**
     * Output keeps coming while the stream attaches afresh: the resync must reach the client before
     * any output of the new attachment, which continues exactly where its screen ends. Delivered
     * after it, the screen would overwrite newer output.
     */
    @Test
    void afterAnAttachAfreshTheResyncComesBeforeTheNewAttachmentsOutput() throws Exception {
        restartDaemonWithOneSecondGrace();
        try (CmdopClient remote = owner();
             CmdopClient local = CmdopClient.local(new CmdopHome(machineHome), ClientKind.CLIENT_KIND_CLI)) {
            var web1 = web1Online(remote);
            web1.create(CreateSessionRequest.newBuilder().setName("ticking")
                    .addAllCommand(List.of("/bin/sh", "-c", "read go; i=0; while :; do i=$((i+1)); echo tick $i; done"))
                    .build());
            // Three streams, each recording what reached it in order, and on which thread: the offset range
            // of each output, or the screen of a resync. Callbacks on the transport thread are asked for,
            // so all of them must come from the call's one thread: that is what keeps them in order.
            List<List<String>> orders = new ArrayList<>();
            List<TerminalStream> streams = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                List<String> order = java.util.Collections.synchronizedList(new ArrayList<>());
                // As the CLI takes them: the transport thread goes straight on to the frames after the reply.
                TerminalStream stream = web1.stream(Mode.MODE_OPERATOR).callbacksOnTransportThread()
                        .onEvent(e -> {
                            if (e.hasOutput()) {
                                order.add("output " + e.getOutput().getOffset() + " "
                                        + (e.getOutput().getOffset() + e.getOutput().getData().size())
                                        + "@" + Thread.currentThread().getName());
                            }
                        })
                        .onResync(r -> order.add("resync " + r.getSnapshot().getOffset()
                                + "@" + Thread.currentThread().getName()));
                stream.attach("ticking", 80, 24);
                orders.add(order);
                streams.add(stream);
            }
            local.terminal().sendInput("ticking", "go\n".getBytes());
            List<String> clients = streams.stream().map(TerminalStream::clientId).toList();
            int port = relay.port();
            relay.close();
            await(() -> local.terminal().getSession("ticking").getAttachedList().stream()
                    .noneMatch(c -> clients.contains(c.getClientId())), "the daemon to drop the remote clients after its grace");
            List<Integer> before = orders.stream().map(List::size).toList();
            relay = RelayServer.start(store, "127.0.0.1", port, RelayTls.load(relayHome.resolve("tls.p12")));
            for (int i = 0; i < orders.size(); i++) {
                int stream = i;
                await(() -> orders.get(stream).size() > before.get(stream) + 50, () -> "stream " + stream
                        + "'s new output; it had " + before.get(stream) + " items before the relay came back, now "
                        + List.copyOf(orders.get(stream)).subList(before.get(stream), orders.get(stream).size()));
            }
            local.terminal().destroy("ticking");
            for (int i = 0; i < orders.size(); i++) {
                assertResyncFirstThenContiguous(orders.get(i), before.get(i), "stream " + i);
            }
        }
    }

    /**
     * A client asks for the screen while output keeps coming (a terminal that became smaller than
     * the session, say): the screen must stand exactly where it is in the stream, after the output
     * before it and before the output after it, locally and through the relay.
     */
    @Test
    void aRefreshBringsTheScreenInStreamOrderLocallyAndThroughTheRelay() throws Exception {
        try (CmdopClient remote = owner();
             CmdopClient local = CmdopClient.local(new CmdopHome(machineHome), ClientKind.CLIENT_KIND_CLI)) {
            var web1 = web1Online(remote);
            // Paced, so that no client (nor the relay's feed) falls behind: a resync for lagging would answer
            // the request too, with a gap, and this test is about the one with none.
            createPacedTicker(web1, "refreshed");
            List<TerminalStream> streams = List.of(local.terminal().stream(Mode.MODE_OBSERVER),
                    web1.stream(Mode.MODE_OBSERVER));
            List<List<String>> orders = new ArrayList<>();
            for (TerminalStream stream : streams) {
                List<String> order = java.util.Collections.synchronizedList(new ArrayList<>());
                recordingOrder(stream, order).attach("refreshed", 80, 24);
                assertThat(stream.supports(Features.REFRESH)).as("the daemon, and the relay, say they answer a refresh")
                        .isTrue();
                orders.add(order);
            }
            local.terminal().sendInput("refreshed", "go\n".getBytes());
            for (int i = 0; i < streams.size(); i++) {
                List<String> order = orders.get(i);
                await(() -> order.size() > 20, "output to stream " + i);
                streams.get(i).refresh();
                int stream = i;
                await(() -> List.copyOf(order).stream().anyMatch(o -> o.startsWith("requested ")),
                        () -> "the screen stream " + stream + " asked for; it had " + List.copyOf(order).stream()
                                .filter(o -> !o.startsWith("output ")).toList() + " and " + order.size() + " outputs");
                int asked = order.size();
                await(() -> order.size() > asked + 20, "output after the screen on stream " + i);
            }
            local.terminal().destroy("refreshed");
            for (int i = 0; i < orders.size(); i++) {
                assertOneRequestedScreenInStreamOrder(List.copyOf(orders.get(i)), "stream " + i);
            }
        }
    }

    /**
     * A refresh asked while the relay is down has no call to go on: the stream asks again once it
     * has resumed, and the screen still stands exactly where it is in the stream.
     */
    @Test
    void aRefreshAskedWhileTheRelayIsDownIsAskedAgainOnceTheStreamHasResumed() throws Exception {
        try (CmdopClient remote = owner();
             CmdopClient local = CmdopClient.local(new CmdopHome(machineHome), ClientKind.CLIENT_KIND_CLI)) {
            var web1 = web1Online(remote);
            createPacedTicker(web1, "refreshed-later");
            List<String> order = java.util.Collections.synchronizedList(new ArrayList<>());
            BlockingQueue<Boolean> reconnecting = new LinkedBlockingQueue<>();
            TerminalStream stream = recordingOrder(web1.stream(Mode.MODE_OBSERVER), order).onReconnecting(reconnecting::add);
            stream.attach("refreshed-later", 80, 24);
            local.terminal().sendInput("refreshed-later", "go\n".getBytes());
            await(() -> order.size() > 20, "output before the relay goes away");

            int port = relay.port();
            relay.close();
            assertThat(reconnecting.poll(20, TimeUnit.SECONDS)).as("the stream noticed the relay gone").isTrue();
            stream.refresh();
            relay = RelayServer.start(store, "127.0.0.1", port, RelayTls.load(relayHome.resolve("tls.p12")));
            assertThat(reconnecting.poll(30, TimeUnit.SECONDS)).as("the stream resumed").isFalse();
            await(() -> List.copyOf(order).stream().anyMatch(o -> o.startsWith("requested ")),
                    () -> "the screen asked for while the relay was down; had " + List.copyOf(order).stream()
                            .filter(o -> !o.startsWith("output ")).toList() + " and " + order.size() + " outputs");
            int asked = order.size();
            await(() -> order.size() > asked + 20, "output after the screen");
            local.terminal().destroy("refreshed-later");
            stream.detach();
            assertOneRequestedScreenInStreamOrder(List.copyOf(order), "the resumed stream");
        }
    }

    /**
     * A machine whose daemon is older than refresh (its hello lists no features) is never asked for
     * a screen in its feed, which it would ignore: its clients are told refresh is not supported
     * there, and a client that asks anyway is refused with that reason, its attachment intact.
     */
    @Test
    void aMachineWhoseDaemonIsOlderThanRefreshIsNeverAskedForOne() throws Exception {
        List<io.cmdop.protocol.v1.LinkDown.BodyCase> asked = java.util.Collections.synchronizedList(new ArrayList<>());
        // What an older daemon answers: the session by name, then an attach whose reply lists no features.
        try (RawLink old = RawLink.open(url, fingerprint, enrollRaw("old-1")).onDown((link, down) -> {
            asked.add(down.getBodyCase());
            answerAsAnOlderDaemon(link, down);
        }); CmdopClient remote = owner()) {
            bringOnline(old, remote);
            TerminalStream stream = remote.terminal().onMachine("old-1").stream(Mode.MODE_OBSERVER);
            stream.attach("old-session", 80, 24);

            assertThat(stream.supports(Features.REFRESH)).isFalse();
            assertThatThrownBy(stream::refresh).isInstanceOfSatisfying(CmdopException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.REASON_NOT_SUPPORTED));

            // A client that asks anyway (not the SDK, which knows better): refused, and still attached.
            BlockingQueue<io.cmdop.protocol.v1.ServerFrame> frames = new LinkedBlockingQueue<>();
            var call = rawAttach(frames);
            call.onNext(io.cmdop.protocol.v1.ClientFrame.newBuilder().setRequestId(1).setAttach(
                    io.cmdop.protocol.v1.AttachRequest.newBuilder().setMode(Mode.MODE_OBSERVER)
                            .setSession(io.cmdop.protocol.v1.SessionSelector.newBuilder().setMachine("old-1")
                                    .setSession("old-session"))).build());
            assertThat(frames.poll(20, TimeUnit.SECONDS).getAttached().getFeaturesList()).isEmpty();
            call.onNext(io.cmdop.protocol.v1.ClientFrame.newBuilder().setRequestId(2)
                    .setRefresh(io.cmdop.protocol.v1.RefreshFrame.getDefaultInstance()).build());
            io.cmdop.protocol.v1.ServerFrame refused = frames.poll(20, TimeUnit.SECONDS);
            assertThat(refused.getInReplyTo()).isEqualTo(2);
            assertThat(refused.getError().getReason()).isEqualTo(Reason.REASON_NOT_SUPPORTED);
            assertThat(refused.getError().getFatal()).isFalse();
            assertThat(refused.getError().getMessage()).contains("older than refresh");
            call.onCompleted();
            stream.detach();
            assertThat(asked).as("what the relay asked of the older daemon")
                    .doesNotContain(io.cmdop.protocol.v1.LinkDown.BodyCase.REFRESH_FEED);
        }
    }

    /** A machine enrolled in the fleet with no daemon behind it: its credential, for a {@link RawLink}. */
    private String enrollRaw(String name) {
        var enrolled = store.machines().enroll(
                store.joinKeys().create(fleet.fleet().id(), 1, Duration.ofHours(1)).secret(), name, "raw");
        return ((io.cmdop.relay.store.Verification.Accepted<io.cmdop.relay.store.EnrolledMachine>) enrolled)
                .value().credential();
    }

    /** The one session of the machine a {@link RawLink} plays. */
    private static final SessionInfo RAW_SESSION = SessionInfo.newBuilder().setId("s-old").setName("old-session")
            .setState(io.cmdop.protocol.v1.SessionState.SESSION_STATE_RUNNING)
            .setSize(io.cmdop.protocol.v1.Size.newBuilder().setCols(80).setRows(24)).build();

    /** Links {@code link} as machine old-1 with {@link #RAW_SESSION}, as an older daemon would (no features). */
    private static void bringOnline(RawLink link, CmdopClient remote) throws InterruptedException {
        link.send(LinkUp.newBuilder().setHello(io.cmdop.protocol.v1.AgentHello.newBuilder().setMachineName("old-1")
                .setAgentVersion("older").addSessions(RAW_SESSION)).build());
        await(() -> remote.fleet().machines().stream().anyMatch(m -> m.getName().equals("old-1") && m.getOnline()),
                "old-1 online");
    }

    /** What an older daemon answers: the session by name, and an attach with a reply that lists no features. */
    private static void answerAsAnOlderDaemon(RawLink link, io.cmdop.protocol.v1.LinkDown down) {
        switch (down.getBodyCase()) {
            case GET_SESSION -> link.send(LinkUp.newBuilder().setCallId(down.getCallId()).setSession(RAW_SESSION).build());
            case ATTACH_FRAME -> {
                if (down.getAttachFrame().hasAttach()) {
                    answerAttach(link, down);
                }
            }
            default -> { }
        }
    }

    private static void answerAttach(RawLink link, io.cmdop.protocol.v1.LinkDown attach) {
        link.send(LinkUp.newBuilder().setCallId(attach.getCallId()).setAttachFrame(
                io.cmdop.protocol.v1.ServerFrame.newBuilder().setInReplyTo(attach.getAttachFrame().getRequestId())
                        .setAttached(io.cmdop.protocol.v1.Attached.newBuilder().setClientId("c-" + attach.getCallId())
                                .setContinuityToken("s-old.token-" + attach.getCallId()).setSession(RAW_SESSION)
                                .setSnapshot(io.cmdop.protocol.v1.Screen.newBuilder().setSize(RAW_SESSION.getSize()))))
                .build());
    }

    /**
     * Two clients of one session attach at once; the second is refused while the first waits for
     * its answer. The first must still get the session's output: the refused one let go of the
     * session's feed, which the first holds too (its fan-out was taken before its attach was sent).
     */
    @Test
    void aClientRefusedWhileAnotherIsAttachingLeavesThatOnesFeedAlone() throws Exception {
        BlockingQueue<io.cmdop.protocol.v1.LinkDown> attaches = new LinkedBlockingQueue<>();
        try (RawLink machine = RawLink.open(url, fingerprint, enrollRaw("old-1")).onDown((link, down) -> {
            if (down.getBodyCase() == io.cmdop.protocol.v1.LinkDown.BodyCase.GET_SESSION) {
                answerAsAnOlderDaemon(link, down);
            } else if (down.hasAttachFrame() && down.getAttachFrame().hasAttach()) {
                attaches.add(down); // answered by the test, in the order it needs
            }
        }); CmdopClient remote = owner();
             var attaching = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            bringOnline(machine, remote);
            StringBuffer seen = new StringBuffer();
            TerminalStream first = remote.terminal().onMachine("old-1").stream(Mode.MODE_OBSERVER)
                    .onOutput(b -> seen.append(utf8(b)));
            var firstAttached = attaching.submit(() -> first.attach("old-session", 80, 24));
            io.cmdop.protocol.v1.LinkDown firstAttach = attaches.poll(20, TimeUnit.SECONDS);
            assertThat(firstAttach).as("the first attach reached the machine").isNotNull();

            var second = attaching.submit(
                    () -> remote.terminal().onMachine("old-1").stream(Mode.MODE_OBSERVER).attach("old-session", 80, 24));
            io.cmdop.protocol.v1.LinkDown secondAttach = attaches.poll(20, TimeUnit.SECONDS);
            assertThat(secondAttach).as("the second attach reached the machine").isNotNull();
            machine.send(LinkUp.newBuilder().setCallId(secondAttach.getCallId()).setEnd(io.cmdop.protocol.v1.CallEnd.newBuilder()
                    .setError(io.cmdop.protocol.v1.Error.newBuilder().setReason(Reason.REASON_LIMIT_REACHED)
                            .setMessage("too many attachments").setFatal(true))).build());
            assertThatThrownBy(() -> second.get(20, TimeUnit.SECONDS)).hasRootCauseInstanceOf(CmdopException.class);

            answerAttach(machine, firstAttach);
            firstAttached.get(20, TimeUnit.SECONDS);
            machine.send(LinkUp.newBuilder().setFeed(io.cmdop.protocol.v1.SessionFeed.newBuilder().setSessionId("s-old")
                    .addEvents(Event.newBuilder().setSeq(1).setOutput(io.cmdop.protocol.v1.Output.newBuilder()
                            .setOffset(0).setData(com.google.protobuf.ByteString.copyFromUtf8("still fed\r\n"))))).build());
            await(() -> seen.toString().contains("still fed"), () -> "the first client's output; it saw '" + seen + "'");
            first.detach();
        }
    }

    /** An Attach call to the relay with the owner's key, frames as they are. */
    private StreamObserver<io.cmdop.protocol.v1.ClientFrame> rawAttach(BlockingQueue<io.cmdop.protocol.v1.ServerFrame> frames) {
        io.grpc.ManagedChannel channel = io.cmdop.client.RelayChannels.open(io.cmdop.client.RelayEndpoint.parse(url),
                new io.cmdop.client.CertificatePin(fingerprint));
        rawChannels.add(channel);
        io.grpc.Metadata headers = new io.grpc.Metadata();
        headers.put(Authenticator.AUTHORIZATION, "Bearer " + fleet.ownerKey().secret());
        return io.cmdop.protocol.v1.SessionsGrpc.newStub(channel)
                .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers))
                .attach(new StreamObserver<>() {
                    @Override
                    public void onNext(io.cmdop.protocol.v1.ServerFrame frame) {
                        frames.add(frame);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
    }

    /** A session that prints a numbered line every 2 ms or so once it reads a line: slow enough that nobody lags. */
    private static void createPacedTicker(Terminal machine, String name) {
        machine.create(CreateSessionRequest.newBuilder().setName(name)
                .addAllCommand(List.of("/bin/sh", "-c", "read go; i=0; while :; do i=$((i+1)); echo tick $i; "
                        + "sleep 0.002; done"))
                .build());
    }

    /** Records each output's offset range and each resync's reason, gap and screen offset, in order. */
    private static TerminalStream recordingOrder(TerminalStream stream, List<String> order) {
        return stream.callbacksOnTransportThread()
                .onEvent(e -> {
                    if (e.hasOutput()) {
                        order.add("output " + e.getOutput().getOffset() + " "
                                + (e.getOutput().getOffset() + e.getOutput().getData().size()));
                    }
                })
                .onResync(r -> order.add(r.getGap().getReason() + " " + r.getGap().getFromOffset() + " "
                        + r.getGap().getToOffset() + " " + r.getSnapshot().getOffset()));
    }

    /** One requested screen, with an empty gap, between the output that ends where it stands and the output that starts there. */
    private static void assertOneRequestedScreenInStreamOrder(List<String> order, String what) {
        int at = order.indexOf(order.stream().filter(o -> o.startsWith("requested ")).findFirst().orElseThrow());
        String[] screen = order.get(at).split(" ");
        assertThat(screen[1]).as("%s: nothing missed: %s", what, order.get(at)).isEqualTo(screen[2]).isEqualTo(screen[3]);
        assertThat(order.get(at - 1)).as("%s: the output before the screen ends where it stands", what)
                .endsWith(" " + screen[3]);
        assertThat(order.get(at + 1)).as("%s: the output after it starts there", what)
                .startsWith("output " + screen[3] + " ");
        assertThat(order.stream().filter(o -> !o.startsWith("output ")).toList())
                .as("%s: one screen, nothing skipped", what).hasSize(1);
    }

    /**
     * A remote client that keeps falling behind a fast stream is skipped forward again and again,
     * while the feed goes on: each skip must say exactly what the client missed, and the output after
     * its screen must continue where the screen stands, with nothing lost between the two.
     */
    @Test
    void aRemoteClientSkippedForwardAgainAndAgainMissesNothingButItsGaps() throws Exception {
        int skips = 4;
        try (CmdopClient remote = owner();
             CmdopClient local = CmdopClient.local(new CmdopHome(machineHome), ClientKind.CLIENT_KIND_CLI)) {
            var web1 = web1Online(remote);
            web1.create(CreateSessionRequest.newBuilder().setName("fast")
                    .addAllCommand(List.of("/bin/sh", "-c", "read go; exec seq 1 1000000000")).build());
            List<String> order = java.util.Collections.synchronizedList(new ArrayList<>());
            // The 50th output after each screen (and the 50th of all), the client stops reading until the relay
            // counts it skipped forward: its queue at the relay overflowed, or the session's feed itself fell
            // behind at the machine (this JVM runs both, and seq, on 2 cores). It then reads on, at least to the
            // screen that skip brings, before it stops again. Callbacks run in order, one at a time, and stay off
            // the transport thread, which this JVM's daemon may share for its link.
            long[] skipsSeen = {skipsCounted()};
            int[] outputsSinceScreen = {0};
            TerminalStream stream = web1.stream(Mode.MODE_OBSERVER)
                    .onEvent(e -> {
                        if (!e.hasOutput()) {
                            return;
                        }
                        order.add("output " + e.getOutput().getOffset() + " "
                                + (e.getOutput().getOffset() + e.getOutput().getData().size()));
                        if (++outputsSinceScreen[0] == 50 && skipsSeen[0] < skips) {
                            try {
                                await(() -> skipsCounted() > skipsSeen[0], "the relay to skip the stalled client");
                            } catch (InterruptedException ex) {
                                Thread.currentThread().interrupt();
                            }
                            skipsSeen[0] = skipsCounted();
                        }
                    })
                    .onResync(r -> {
                        outputsSinceScreen[0] = 0;
                        order.add("resync " + r.getGap().getFromOffset() + " " + r.getGap().getToOffset()
                                + " " + r.getSnapshot().getOffset() + " " + r.getGap().getReason());
                    });
            stream.attach("fast", 80, 24);
            local.terminal().sendInput("fast", "go\n".getBytes());
            await(() -> List.copyOf(order).stream().filter(o -> o.startsWith("resync ")).count() >= skips,
                    () -> "the client skipped forward " + skips + " times; the relay counted " + skipsSeen[0] + ", "
                            + order.size() + " outputs, last " + (order.isEmpty() ? "none" : order.getLast()));
            int seen = order.size();
            await(() -> order.size() > seen + 20, "output after the last skip");
            local.terminal().destroy("fast");
            stream.detach();

            long expected = -1;
            for (String item : List.copyOf(order)) {
                String[] f = item.split(" ");
                if (f[0].equals("resync")) {
                    if (expected >= 0) {
                        assertThat(Long.parseLong(f[1])).as("the gap starts where the client's output stopped: %s", item)
                                .isEqualTo(expected);
                    }
                    assertThat(f[2]).as("the gap ends where the screen stands: %s", item).isEqualTo(f[3]);
                    expected = Long.parseLong(f[3]);
                    continue;
                }
                if (expected >= 0) {
                    assertThat(Long.parseLong(f[1])).as("output continues where the last output or screen ended: %s", item)
                            .isEqualTo(expected);
                }
                expected = Long.parseLong(f[2]);
            }
        }
    }

    /** Remote clients skipped forward, as the relay's metrics count them: at the relay or at the machine. */
    private long skipsCounted() {
        return relay.metricsText().lines()
                .filter(l -> l.startsWith("cmdop_queue_drops_total ") || l.startsWith("cmdop_feed_resyncs_total "))
                .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(' ') + 1))).sum();
    }

    private static void assertResyncFirstThenContiguous(List<String> order, int from, String what) {
        List<String> after;
        synchronized (order) {
            after = List.copyOf(order.subList(from, order.size()));
        }
        assertThat(after.getFirst()).as("%s: the first thing after attaching afresh; then %s", what, after.subList(0, 5))
                .startsWith("resync ");
        String thread = threadOf(after.getFirst());
        long expected = Long.parseLong(after.getFirst().substring("resync ".length(), after.getFirst().indexOf('@')));
        for (String item : after.subList(1, after.size())) {
            assertThat(threadOf(item)).as("%s: the thread of %s, after the resync's", what, item).isEqualTo(thread);
            String body = item.substring(0, item.indexOf('@'));
            if (body.startsWith("resync ")) {
                expected = Long.parseLong(body.substring("resync ".length())); // fell behind the ticker: skipped forward
                continue;
            }
            assertThat(body).as("%s: after the screen, output continuing where it ends", what)
                    .startsWith("output " + expected + " ");
            expected = Long.parseLong(body.substring(body.lastIndexOf(' ') + 1));
        }
    }

    private static String threadOf(String item) {
        return item.substring(item.indexOf('@') + 1);
    }

    @Test
    void repeatedFailedAuthenticationFromOneSourceIsRateLimited() {
        for (int i = 0; i < Authenticator.MAX_FAILURES; i++) {
            try (CmdopClient wrong = CmdopClient.remote(url, "cmdop_" + "x".repeat(16) + "_" + "y".repeat(52),
                    fingerprint, ClientKind.CLIENT_KIND_CLI)) {
                assertThatThrownBy(() -> wrong.fleet().machines())
                        .isInstanceOfSatisfying(CmdopException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REASON_UNAUTHENTICATED));
            }
        }
        try (CmdopClient rightKeyTooLate = owner()) {
            assertThatThrownBy(() -> rightKeyTooLate.fleet().machines())
                    .as("after the limit even a valid key from that source waits for the window to pass")
                    .isInstanceOfSatisfying(CmdopException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.REASON_LIMIT_REACHED);
                        assertThat(e.getMessage()).contains("too many failed authentications");
                    });
        }
        assertThat(store.apiKeys().verify(fleet.ownerKey().secret()).isAccepted()).as("the key itself is fine").isTrue();
    }

    @Test
    void aConnectionFloodIsRefusedWhileOpenConnectionsGoOn() throws Exception {
        List<SocketChannel> flood = new ArrayList<>();
        try (CmdopClient owner = owner()) {
            var web1 = owner.terminal().onMachine("web-1");
            web1.create(CreateSessionRequest.newBuilder().setName("busy").addCommand("/bin/cat").build());
            int extra = 10;
            for (int i = 0; i < GuardedConnector.MAX_OPEN_PER_SOURCE + extra; i++) {
                flood.add(connect());
            }
            await(() -> refused(flood) >= extra, "the relay to close the connections past what one source may hold");
            assertThat(refused(flood)).as("the others stay open").isLessThan(flood.size() - GuardedConnector.MAX_OPEN_PER_SOURCE + extra);
            assertThat(web1.sendInput("busy", "still-here\n".getBytes()).getInputId())
                    .as("a connection opened before the flood goes on").isPositive();
            for (SocketChannel c : flood) {
                c.close();
            }
            flood.clear();
            await(() -> {
                try (CmdopClient again = owner()) {
                    return again.fleet().machines().size() == 1;
                } catch (CmdopException e) {
                    return false;
                }
            }, "new connections accepted once the flood's are closed");

            for (int i = 0; i < GuardedConnector.MAX_NEW_PER_MINUTE; i++) {
                SocketChannel c = connect();
                if (i < GuardedConnector.MAX_NEW_PER_MINUTE - extra) {
                    c.close();
                } else {
                    flood.add(c);
                }
            }
            await(() -> refused(flood) == extra, "the relay to close connections past what one source may open a minute");
            assertThat(web1.sendInput("busy", "and-still\n".getBytes()).getInputId()).isPositive();
            assertThat(relay.metricsText()).containsPattern("cmdop_connections_refused_total [1-9]");
        } finally {
            for (SocketChannel c : flood) {
                c.close();
            }
        }
    }

    private SocketChannel connect() throws java.io.IOException {
        SocketChannel c = SocketChannel.open(new java.net.InetSocketAddress("127.0.0.1", relay.port()));
        c.configureBlocking(false);
        return c;
    }

    /** How many of these connections the relay closed (without a word: they never said anything either). */
    private static long refused(List<SocketChannel> connections) {
        return connections.stream().filter(c -> {
            try {
                return c.read(java.nio.ByteBuffer.allocate(1)) == -1;
            } catch (java.io.IOException reset) {
                return true;
            }
        }).count();
    }

    @Test
    void aMachineCredentialCannotLinkAsAnotherMachine() throws Exception {
        String credential = io.cmdop.daemon.RelaySettings.load(machineHome).orElseThrow().credential();
        try (RawLink link = RawLink.open(url, fingerprint, credential)) {
            io.grpc.Status refused = link.send(RawLink.hello("db-1")).awaitEnd();
            assertThat(refused.getCode()).isEqualTo(io.grpc.Status.Code.UNAUTHENTICATED);
            assertThat(refused.getDescription()).contains("cannot link as db-1");
        }
        try (CmdopClient owner = owner()) {
            assertThat(owner.fleet().machines()).extracting(Machine::getName).containsExactly("web-1");
        }
    }

    @Test
    void aMalformedOrOversizedMessageFromAMachineClosesOnlyItsLink() throws Exception {
        String credential = enrollRaw("db-1");
        byte[] truncated = {0x52, (byte) 0xff, (byte) 0xff, 0x7f}; // field 10 (hello), claiming 2 MiB that never come
        LinkUp oversized = LinkUp.newBuilder().setFeed(io.cmdop.protocol.v1.SessionFeed.newBuilder().setSessionId("s")
                .addEvents(Event.newBuilder().setOutput(io.cmdop.protocol.v1.Output.newBuilder()
                        .setData(com.google.protobuf.ByteString.copyFrom(new byte[2 * RelayServer.MAX_FRAME_BYTES]))))).build();
        Map<String, java.util.function.Function<RawLink, RawLink>> abuses = new LinkedHashMap<>();
        abuses.put("no hello first", l -> l.send(LinkUp.newBuilder().setPong(io.cmdop.protocol.v1.Ping.getDefaultInstance()).build()));
        abuses.put("a message without a body", l -> l.send(RawLink.hello("db-1")).send(LinkUp.getDefaultInstance()));
        abuses.put("bytes that are no message", l -> l.send(RawLink.hello("db-1")).sendBytes(truncated));
        abuses.put("an oversized message", l -> l.send(RawLink.hello("db-1")).send(oversized));
        Map<String, io.grpc.Status> endings = new LinkedHashMap<>();
        try (CmdopClient owner = owner()) {
            var web1 = owner.terminal().onMachine("web-1");
            web1.create(CreateSessionRequest.newBuilder().setName("bystander").addAllCommand(List.of("/bin/sh", "-c",
                    "stty -echo; exec cat")).build());
            for (var abuse : abuses.entrySet()) {
                try (RawLink link = RawLink.open(url, fingerprint, credential)) {
                    endings.put(abuse.getKey(), abuse.getValue().apply(link).awaitEnd());
                }
                assertThat(web1.sendInput("bystander", (abuse.getKey() + "\n").getBytes()).getInputId())
                        .as("web-1 still works after " + abuse.getKey()).isPositive();
            }
            assertThat(endings.get("no hello first").getDescription()).contains("a link starts with hello, not pong");
            assertThat(endings.get("a message without a body").getDescription()).contains("a link message without a body");
            // gRPC ends a call whose bytes do not parse before any of the relay's code sees them.
            assertThat(endings.get("bytes that are no message").getCode()).isEqualTo(io.grpc.Status.Code.UNKNOWN);
            assertThat(endings.get("an oversized message").getCode()).isEqualTo(io.grpc.Status.Code.RESOURCE_EXHAUSTED);
            await(() -> web1.screen("bystander", 0).getLinesList().contains("an oversized message"),
                    "every input reached web-1's session");
            assertThat(web1.screen("bystander", 0).getLinesList()).containsSubsequence(List.copyOf(abuses.keySet()));

            try (RawLink good = RawLink.open(url, fingerprint, credential)) {
                good.send(RawLink.hello("db-1"));
                await(() -> owner.fleet().machines().stream().anyMatch(m -> m.getName().equals("db-1") && m.getOnline()),
                        "db-1 links fine once it behaves");
            }
        }
    }

    @Test
    void anOversizedFrameClosesOnlyItsCall() {
        try (CmdopClient remote = owner()) {
            var web1 = remote.terminal().onMachine("web-1");
            web1.create(CreateSessionRequest.newBuilder().setName("big").addCommand("/bin/cat").build());
            assertThatThrownBy(() -> web1.sendInput("big", new byte[2 * 1024 * 1024]))
                    .isInstanceOfSatisfying(CmdopException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REASON_FRAME_TOO_LARGE));
            assertThat(web1.sendInput("big", "fine\n".getBytes()).getInputId()).isPositive();
            assertThat(remote.fleet().machines()).extracting(Machine::getOnline).containsExactly(true);
        }
    }

    @Test
    void aUsedContinuityTokenIsRefusedThroughTheRelay() throws Exception {
        try (CmdopClient remote = owner()) {
            var web1 = remote.terminal().onMachine("web-1");
            web1.create(CreateSessionRequest.newBuilder().setName("tokens").addCommand("/bin/cat").build());
            java.util.concurrent.CountDownLatch resumed = new java.util.concurrent.CountDownLatch(1);
            TerminalStream stream = web1.stream(Mode.MODE_OBSERVER).onReconnecting(on -> {
                if (!on) {
                    resumed.countDown();
                }
            });
            String first = stream.attach("tokens", 0, 0).getContinuityToken();
            stream.drop();
            assertThat(resumed.await(20, TimeUnit.SECONDS)).as("the stream resumed by itself").isTrue();
            assertThat(stream.continuityToken()).as("rotated").isNotEqualTo(first);
            TerminalStream thief = web1.stream(Mode.MODE_OBSERVER);
            assertThatThrownBy(() -> thief.resume(first, 0, 0))
                    .isInstanceOfSatisfying(CmdopException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REASON_TOKEN_INVALID));
            stream.detach();
        }
    }

    @Test
    void aChangedCertificateIsRefused() {
        String wrong = "SHA256:" + "A".repeat(43);
        try (CmdopClient client = CmdopClient.remote(url, fleet.ownerKey().secret(), wrong, ClientKind.CLIENT_KIND_CLI)) {
            assertThatThrownBy(() -> client.fleet().machines())
                    .isInstanceOfSatisfying(CmdopException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.REASON_UNAUTHENTICATED);
                        assertThat(e.getMessage()).contains("certificate changed").contains(fingerprint);
                    });
        }
    }

    /** Waits for a matching event among all received so far (nothing is consumed). */
    @Test
    void aRemoteClientUsesTheMachinesFilesAndTheRootHoldsThroughTheRelay() throws Exception {
        byte[] content = new byte[5 * 1024 * 1024 + 3];  // several windows of chunks: credit must flow
        new java.util.Random(7).nextBytes(content);
        try (CmdopClient remote = owner()) {
            Files web1 = remote.files().onMachine("web-1");
            web1.mkdir("incoming", false);
            FileTransfer up = web1.write("incoming/blob.bin", new java.io.ByteArrayInputStream(content), content.length,
                    TransferProgress.NONE);
            assertThat(up.sha256()).isEqualTo(sha256(content));
            assertThat(java.nio.file.Files.readAllBytes(filesRoot.resolve("incoming/blob.bin"))).isEqualTo(content);

            java.io.ByteArrayOutputStream back = new java.io.ByteArrayOutputStream();
            assertThat(web1.read("incoming/blob.bin", back, TransferProgress.NONE).sha256()).isEqualTo(up.sha256());
            assertThat(back.toByteArray()).isEqualTo(content);
            assertThat(web1.list("incoming")).extracting(FileEntry::name).containsExactly("blob.bin");
            assertThat(web1.move("incoming/blob.bin", "blob.bin", false).path()).isEqualTo("blob.bin");
            assertThat(web1.stat("blob.bin").size()).isEqualTo(content.length);
            assertThat(web1.delete("incoming", false)).isEqualTo(1);

            assertThatThrownBy(() -> web1.stat("../" + machineHome.getFileName() + "/machine.properties"))
                    .isInstanceOf(PathOutsideRootException.class);
            assertThatThrownBy(() -> web1.read("/etc/passwd", java.io.OutputStream.nullOutputStream(), TransferProgress.NONE))
                    .isInstanceOf(PathOutsideRootException.class);
            assertThatThrownBy(() -> web1.stat("missing.txt")).isInstanceOf(PathNotFoundException.class)
                    .hasMessageContaining("'missing.txt'");
            assertThatThrownBy(() -> remote.files().onMachine("web-9").stat("x"))
                    .isInstanceOfSatisfying(CmdopException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REASON_MACHINE_OFFLINE));
        }
    }

    @Test
    void guestsReadTheMachinesFilesButNeverChangeThem() throws Exception {
        java.nio.file.Files.writeString(filesRoot.resolve("notes.txt"), "for everyone's eyes");
        String guestKey;
        try (CmdopClient owner = owner()) {
            guestKey = owner.fleet().createApiKey("reader", Role.ROLE_GUEST).getSecret();
        }
        try (CmdopClient guest = CmdopClient.remote(url, guestKey, fingerprint, ClientKind.CLIENT_KIND_CLI)) {
            Files web1 = guest.files().onMachine("web-1");
            java.io.ByteArrayOutputStream read = new java.io.ByteArrayOutputStream();
            web1.read("notes.txt", read, TransferProgress.NONE);
            assertThat(read.toString(StandardCharsets.UTF_8)).isEqualTo("for everyone's eyes");
            assertThat(web1.list("")).extracting(FileEntry::name).containsExactly("notes.txt");
            assertThatThrownBy(() -> web1.write("notes.txt", new java.io.ByteArrayInputStream("defaced".getBytes()), 7,
                    TransferProgress.NONE)).isInstanceOfSatisfying(PermissionDeniedException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.REASON_ROLE_FORBIDS);
                        assertThat(e.getMessage()).contains("reader may only observe").contains("cannot write files");
                    });
            assertThatThrownBy(() -> web1.delete("notes.txt", false)).isInstanceOf(PermissionDeniedException.class);
            assertThatThrownBy(() -> web1.move("notes.txt", "gone.txt", false)).isInstanceOf(PermissionDeniedException.class);
            assertThatThrownBy(() -> web1.mkdir("mine", false)).isInstanceOf(PermissionDeniedException.class);
        }
        try (java.util.stream.Stream<Path> left = java.nio.file.Files.list(filesRoot)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("notes.txt");
        }
        assertThat(java.nio.file.Files.readString(filesRoot.resolve("notes.txt"))).isEqualTo("for everyone's eyes");
    }

    /** Uploads the SDK would never send, through the relay: cut off midway, and with a wrong checksum. */
    @Test
    void aRelayedUploadCutOffOrWithAWrongChecksumLeavesNoFile() throws Exception {
        java.nio.file.Files.writeString(filesRoot.resolve("db.dump"), "yesterday's dump");
        io.grpc.Metadata headers = new io.grpc.Metadata();
        headers.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
                "Bearer " + fleet.ownerKey().secret());
        io.grpc.ManagedChannel channel = io.cmdop.client.RelayChannels.open(io.cmdop.client.RelayEndpoint.parse(url),
                new io.cmdop.client.CertificatePin(fingerprint));
        try {
            var stub = io.cmdop.protocol.v1.FilesGrpc.newStub(channel)
                    .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers));
            RawUpload cut = new RawUpload();
            stub.write(cut);
            cut.send(io.cmdop.protocol.v1.WriteFileRequest.newBuilder().setHeader(io.cmdop.protocol.v1.WriteHeader
                    .newBuilder().setMachine("web-1").setPath("db.dump").setSize(50L * 1024 * 1024)).build());
            for (int i = 0; i < 4; i++) {
                cut.send(io.cmdop.protocol.v1.WriteFileRequest.newBuilder()
                        .setData(com.google.protobuf.ByteString.copyFrom(new byte[64 * 1024])).build());
            }
            await(() -> uploadsInProgress() == 1, "the upload's temporary file on the machine");
            cut.requests.cancel("the network went away", null);
            await(() -> uploadsInProgress() == 0, "the temporary file to be deleted");

            RawUpload wrong = new RawUpload();
            stub.write(wrong);
            wrong.send(io.cmdop.protocol.v1.WriteFileRequest.newBuilder().setHeader(io.cmdop.protocol.v1.WriteHeader
                    .newBuilder().setMachine("web-1").setPath("db.dump")).build());
            wrong.send(io.cmdop.protocol.v1.WriteFileRequest.newBuilder()
                    .setData(com.google.protobuf.ByteString.copyFromUtf8("today's dump")).build());
            wrong.send(io.cmdop.protocol.v1.WriteFileRequest.newBuilder().setSha256(sha256("tampered".getBytes())).build());
            Throwable refused = wrong.end.get(20, TimeUnit.SECONDS);
            assertThat(CmdopClient.translate((io.grpc.StatusRuntimeException) refused, url).reason())
                    .isEqualTo(Reason.REASON_CHECKSUM_MISMATCH);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        assertThat(java.nio.file.Files.readString(filesRoot.resolve("db.dump"))).isEqualTo("yesterday's dump");
        assertThat(uploadsInProgress()).isZero();
    }

    private long uploadsInProgress() {
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(filesRoot)) {
            return files.filter(p -> p.getFileName().toString().contains(".cmdop-upload-")).count();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** One Files.Write call driven message by message. */
    private static final class RawUpload implements io.grpc.stub.ClientResponseObserver<
            io.cmdop.protocol.v1.WriteFileRequest, io.cmdop.protocol.v1.WriteFileResponse> {
        final java.util.concurrent.CompletableFuture<Throwable> end = new java.util.concurrent.CompletableFuture<>();
        io.grpc.stub.ClientCallStreamObserver<io.cmdop.protocol.v1.WriteFileRequest> requests;

        @Override
        public void beforeStart(io.grpc.stub.ClientCallStreamObserver<io.cmdop.protocol.v1.WriteFileRequest> stream) {
            requests = stream;
        }

        void send(io.cmdop.protocol.v1.WriteFileRequest message) {
            requests.onNext(message);
        }

        @Override
        public void onNext(io.cmdop.protocol.v1.WriteFileResponse value) {
        }

        @Override
        public void onError(Throwable t) {
            end.complete(t);
        }

        @Override
        public void onCompleted() {
            end.complete(new AssertionError("the upload was accepted"));
        }
    }

    static Event poll(BlockingQueue<Event> events, java.util.function.Predicate<Event> matching)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            for (Event e : events) {
                if (matching.test(e)) {
                    return e;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no matching event within 20 s among " + events.size());
    }

    /** An HTTP GET on the relay's one port, trusting its pinned certificate. */
    private String get(String path) throws Exception {
        javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
        tls.init(null, new javax.net.ssl.TrustManager[] {new io.cmdop.client.CertificatePin(fingerprint)}, null);
        try (java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().sslContext(tls).build()) {
            return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + path)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        await(condition, () -> what);
    }

    /** As {@link #await(BooleanSupplier, String)}, with {@code what} read when it times out (a trace, say). */
    static void await(BooleanSupplier condition, java.util.function.Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what.get());
            }
            Thread.sleep(20);
        }
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}

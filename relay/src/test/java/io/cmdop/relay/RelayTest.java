package io.cmdop.relay;

import io.cmdop.client.CmdopClient;
import io.cmdop.client.CmdopException;
import io.cmdop.client.CmdopHome;
import io.cmdop.client.CommandResult;
import io.cmdop.client.TerminalStream;
import io.cmdop.daemon.Daemon;
import io.cmdop.daemon.DaemonConfig;
import io.cmdop.daemon.Enrollment;
import io.cmdop.protocol.v1.ClientKind;
import io.cmdop.protocol.v1.CreateSessionRequest;
import io.cmdop.protocol.v1.Event;
import io.cmdop.protocol.v1.Machine;
import io.cmdop.protocol.v1.Mode;
import io.cmdop.protocol.v1.Reason;
import io.cmdop.protocol.v1.Role;
import io.cmdop.protocol.v1.SessionInfo;
import io.cmdop.relay.store.CreatedJoinKey;
import io.cmdop.relay.store.NewFleet;
import io.cmdop.relay.store.RelayStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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

    private RelayStore store;
    private RelayServer relay;
    private Daemon daemon;
    private NewFleet fleet;
    private String url;
    private String fingerprint;

    @BeforeEach
    void start() throws Exception {
        store = RelayStore.open(RelayStore.embeddedUrl(relayHome));
        fleet = store.fleets().create("default", "owner", true);
        RelayTls tls = RelayTls.createSelfSigned(relayHome.resolve("tls.p12"), List.of("localhost", "127.0.0.1"));
        relay = RelayServer.start(store, "127.0.0.1", 0, tls);
        url = "https://127.0.0.1:" + relay.port();
        fingerprint = relay.fingerprint();
        CreatedJoinKey join = store.joinKeys().create(fleet.fleet().id(), 1, Duration.ofHours(1));
        Enrollment.enroll(machineHome, url, join.secret(), "web-1", fingerprint);
        daemon = Daemon.start(machineHome, DaemonConfig.defaults());
        try (CmdopClient owner = owner()) {
            await(() -> owner.fleet().machines().stream().anyMatch(Machine::getOnline), "web-1 online");
        }
    }

    @AfterEach
    void stop() {
        daemon.stop();
        relay.close();
        store.close();
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
            TerminalStream stream = web1.stream(Mode.MODE_OPERATOR)
                    .onOutput(b -> seen.append(utf8(b)))
                    .onReconnecting(on -> reconnects.incrementAndGet());
            stream.attach("quiet", 80, 24);
            stream.sendInput("before\n".getBytes());
            await(() -> seen.toString().contains("before\r\n"), "output before the restart");

            int port = relay.port();
            relay.close();
            try (CmdopClient local = CmdopClient.local(new CmdopHome(machineHome), ClientKind.CLIENT_KIND_CLI)) {
                local.terminal().sendInput("quiet", "while-down\n".getBytes());
            }
            relay = RelayServer.start(store, "127.0.0.1", port, RelayTls.load(relayHome.resolve("tls.p12")));
            await(() -> seen.toString().contains("while-down\r\n"), "output made while the relay was down");
            stream.sendInput("after\n".getBytes());
            await(() -> seen.toString().contains("after\r\n"), "output after the restart");
            assertThat(seen.toString()).isEqualTo("before\r\nwhile-down\r\nafter\r\n");
            assertThat(reconnects.get()).isGreaterThanOrEqualTo(2);
            stream.detach();
        }
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
    void aMachineCredentialCannotLinkAsAnotherMachine() throws Exception {
        String credential = io.cmdop.daemon.RelaySettings.load(machineHome).orElseThrow().credential();
        io.grpc.ManagedChannel channel = io.cmdop.client.RelayChannels.open(io.cmdop.client.RelayEndpoint.parse(url),
                new io.cmdop.client.CertificatePin(fingerprint));
        try {
            io.grpc.Metadata headers = new io.grpc.Metadata();
            headers.put(Authenticator.AUTHORIZATION, "Bearer " + credential);
            java.util.concurrent.CompletableFuture<Throwable> ended = new java.util.concurrent.CompletableFuture<>();
            var up = io.cmdop.protocol.v1.AgentLinkGrpc.newStub(channel)
                    .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers))
                    .connect(new io.grpc.stub.StreamObserver<>() {
                        public void onNext(io.cmdop.protocol.v1.LinkDown down) { }
                        public void onError(Throwable t) { ended.complete(t); }
                        public void onCompleted() { ended.complete(null); }
                    });
            up.onNext(io.cmdop.protocol.v1.LinkUp.newBuilder().setHello(io.cmdop.protocol.v1.AgentHello.newBuilder()
                    .setMachineName("db-1").setAgentVersion("x")).build());
            Throwable refused = ended.get(20, TimeUnit.SECONDS);
            assertThat(refused).isInstanceOf(io.grpc.StatusRuntimeException.class);
            assertThat(io.grpc.Status.fromThrowable(refused).getCode()).isEqualTo(io.grpc.Status.Code.UNAUTHENTICATED);
            assertThat(refused.getMessage()).contains("cannot link as db-1");
        } finally {
            channel.shutdownNow();
        }
        try (CmdopClient owner = owner()) {
            assertThat(owner.fleet().machines()).extracting(Machine::getName).containsExactly("web-1");
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
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}

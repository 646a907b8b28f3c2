package io.cmdop.relay;

import io.cmdop.client.CmdopClient;
import io.cmdop.client.TerminalStream;
import io.cmdop.protocol.v1.AttachRequest;
import io.cmdop.protocol.v1.Attached;
import io.cmdop.protocol.v1.ClientFrame;
import io.cmdop.protocol.v1.ClientInfo;
import io.cmdop.protocol.v1.ClientKind;
import io.cmdop.protocol.v1.CreateSessionRequest;
import io.cmdop.protocol.v1.CreatedShareLink;
import io.cmdop.protocol.v1.Event;
import io.cmdop.protocol.v1.InputFrame;
import io.cmdop.protocol.v1.ListMachinesRequest;
import io.cmdop.protocol.v1.ListMachinesResponse;
import io.cmdop.protocol.v1.Mode;
import io.cmdop.protocol.v1.Reason;
import io.cmdop.protocol.v1.ServerFrame;
import io.cmdop.protocol.v1.SessionSelector;
import io.cmdop.protocol.v1.Size;
import io.cmdop.protocol.v1.WebFrame;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

import static org.assertj.core.api.Assertions.assertThat;

/** The /ws carrier and the console's page, against a real relay and daemon, spoken to by a plain WebSocket client. */
class WebCarrierTest {
    @TempDir
    Path relayHome;
    @TempDir
    Path machineHome;

    private LinkedRelay fixture;

    @BeforeEach
    void start() throws Exception {
        fixture = new LinkedRelay(relayHome, machineHome);
        try (CmdopClient owner = owner()) {
            owner.terminal().onMachine("web-1").create(CreateSessionRequest.newBuilder().setName("build")
                    .addAllCommand(List.of("/bin/sh", "-c", "stty -echo; exec cat")).build());
        }
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    private CmdopClient owner() {
        return fixture.client(fixture.fleet.ownerKey().secret());
    }

    private String origin() {
        return fixture.url;
    }

    @Test
    void theConsolePageIsServedUnderAStrictContentSecurityPolicy() throws Exception {
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        String csp = page.headers().firstValue("content-security-policy").orElseThrow();
        assertThat(csp).contains("default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'")
                .doesNotContain("unsafe-inline").doesNotContain("unsafe-eval");
        String nonce = csp.replaceAll(".*'nonce-([^']+)'.*", "$1");
        assertThat(page.body()).contains(nonce).doesNotContain("{{nonce}}");
        assertThat(get("/").headers().firstValue("content-security-policy").orElseThrow())
                .as("a fresh nonce per page").doesNotContain(nonce);
        assertThat(page.headers().firstValue("x-content-type-options")).hasValue("nosniff");
        assertThat(page.headers().firstValue("referrer-policy")).hasValue("no-referrer");

        HttpResponse<String> script = get("/assets/console.js");
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/javascript"));
        assertThat(get("/share").statusCode()).isEqualTo(200);
        assertThat(get("/assets/..%2fRelayServer.class").statusCode()).isIn(400, 404);
        assertThat(get("/assets/nothing.js").statusCode()).isEqualTo(404);
        assertThat(get("/etc/passwd").statusCode()).isEqualTo(404);
    }

    @Test
    void aBrowserSignsInAttachesAndTypesThroughTheSameSessionsServiceAsGrpcClients() throws Exception {
        BlockingQueue<Event> cliEvents = new LinkedBlockingQueue<>();
        try (CmdopClient cli = owner(); WebSocketPeer web = fixture.socket(origin())) {
            TerminalStream watch = cli.terminal().onMachine("web-1").stream(Mode.MODE_OBSERVER).onEvent(cliEvents::add);
            watch.attach("build", 0, 0);

            WebFrame signedIn = web.signIn(fixture.fleet.ownerKey().secret()).await(WebFrame::hasSignedIn);
            assertThat(signedIn.getSignedIn().getMember()).isEqualTo("owner");
            assertThat(signedIn.getSignedIn().getFleet()).isEqualTo("default");

            web.start(1, "cmdop.v1.Fleet/ListMachines").message(1, ListMachinesRequest.getDefaultInstance()).halfClose(1);
            ListMachinesResponse machines = web.awaitMessage(1, ListMachinesResponse.parser(), m -> true);
            assertThat(machines.getMachinesList()).singleElement().satisfies(m -> assertThat(m.getOnline()).isTrue());
            assertThat(web.await(f -> f.getCall() == 1 && f.hasStatus()).getStatus().getCode()).isZero();

            web.start(2, "cmdop.v1.Sessions/Attach").message(2, ClientFrame.newBuilder().setAttach(AttachRequest.newBuilder()
                    .setSession(SessionSelector.newBuilder().setMachine("web-1").setSession("build"))
                    .setMode(Mode.MODE_OPERATOR).setClient(ClientInfo.newBuilder().setKind(ClientKind.CLIENT_KIND_WEB))
                    .setSize(Size.newBuilder().setCols(100).setRows(30))).build());
            Attached attached = web.awaitMessage(2, ServerFrame.parser(), ServerFrame::hasAttached).getAttached();
            assertThat(attached.getMode()).isEqualTo(Mode.MODE_OPERATOR);
            assertThat(attached.getPrincipal()).isEqualTo("owner@default");
            assertThat(attached.getContinuityToken()).isNotEmpty();

            web.message(2, ClientFrame.newBuilder().setInput(InputFrame.newBuilder()
                    .setData(com.google.protobuf.ByteString.copyFromUtf8("from-the-browser\n"))).build());
            web.awaitMessage(2, ServerFrame.parser(), f -> f.hasEvent() && f.getEvent().hasOutput()
                    && f.getEvent().getOutput().getData().toStringUtf8().contains("from-the-browser"));
            Event input = RelayTest.poll(cliEvents, e -> e.hasInput());
            assertThat(input.getInput().getData().toStringUtf8()).isEqualTo("from-the-browser\n");
            assertThat(input.getInput().getSender().getKind()).as("attributed to the browser").isEqualTo(ClientKind.CLIENT_KIND_WEB);
            assertThat(input.getInput().getSender().getPrincipal()).isEqualTo("owner@default");
            assertThat(input.getInput().getSender().getClientId()).isEqualTo(attached.getClientId());
            watch.detach();
        }
    }

    @Test
    void aWrongKeyIsRefusedWithAClearErrorAndClosesOnlyThatSocket() throws Exception {
        try (WebSocketPeer wrong = fixture.socket(origin()); WebSocketPeer right = fixture.socket(origin())) {
            WebFrame error = wrong.signIn("cmdop_" + "a".repeat(16) + "_" + "b".repeat(52)).await(WebFrame::hasError);
            assertThat(error.getError().getReason()).isEqualTo(Reason.REASON_UNAUTHENTICATED);
            assertThat(error.getError().getMessage()).contains("the API key is not known");
            assertThat(error.getError().getFatal()).isTrue();
            assertThat(wrong.awaitClose().code()).isEqualTo(1008);
            assertThat(right.signIn(fixture.fleet.ownerKey().secret()).await(WebFrame::hasSignedIn)).isNotNull();
        }
    }

    @Test
    void aSocketFromAForeignOriginIsRefusedBeforeItCanSignIn() throws Exception {
        try (WebSocketPeer foreign = fixture.socket("https://evil.example")) {
            WebFrame error = foreign.await(WebFrame::hasError);
            assertThat(error.getError().getMessage()).isEqualTo("origin https://evil.example is not allowed");
            WebSocketPeer.Closed closed = foreign.awaitClose();
            assertThat(closed.code()).isEqualTo(1008);
            assertThat(closed.reason()).contains("origin https://evil.example is not allowed");
        }
        try (WebSocketPeer program = fixture.socket(null)) {
            assertThat(program.signIn(fixture.fleet.ownerKey().secret()).await(WebFrame::hasSignedIn))
                    .as("a program that sends no Origin is not a browser").isNotNull();
        }
    }

    @Test
    void malformedTextAndOversizedFramesCloseOnlyTheirSocket() throws Exception {
        try (WebSocketPeer bystander = fixture.socket(origin())) {
            bystander.signIn(fixture.fleet.ownerKey().secret()).await(WebFrame::hasSignedIn);
            try (WebSocketPeer garbage = fixture.socket(origin())) {
                garbage.sendRaw(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
                assertThat(garbage.await(WebFrame::hasError).getError().getReason()).isEqualTo(Reason.REASON_MALFORMED_FRAME);
                assertThat(garbage.awaitClose().code()).isEqualTo(1007);
            }
            try (WebSocketPeer text = fixture.socket(origin())) {
                text.sendText("{\"hello\":1}");
                assertThat(text.await(WebFrame::hasError).getError().getMessage()).contains("text messages");
                assertThat(text.awaitClose().code()).isEqualTo(1003);
            }
            try (WebSocketPeer early = fixture.socket(origin())) {
                early.start(1, "cmdop.v1.Fleet/WhoAmI");
                assertThat(early.await(WebFrame::hasError).getError().getMessage()).contains("first frame must be sign_in");
            }
            try (WebSocketPeer big = fixture.socket(origin())) {
                big.signIn(fixture.fleet.ownerKey().secret()).await(WebFrame::hasSignedIn);
                big.start(1, "cmdop.v1.Sessions/Attach").message(1, ClientFrame.newBuilder().setInput(InputFrame.newBuilder()
                        .setData(com.google.protobuf.ByteString.copyFrom(new byte[2 * 1024 * 1024]))).build());
                WebFrame error = big.await(WebFrame::hasError);
                assertThat(error.getError().getReason()).isEqualTo(Reason.REASON_FRAME_TOO_LARGE);
                assertThat(big.awaitClose().code()).isEqualTo(1009);
            }
            try (WebSocketPeer wrongBytes = fixture.socket(origin())) {
                wrongBytes.signIn(fixture.fleet.ownerKey().secret()).await(WebFrame::hasSignedIn);
                wrongBytes.start(1, "cmdop.v1.Sessions/Attach").send(WebFrame.newBuilder().setCall(1)
                        .setMessage(com.google.protobuf.ByteString.copyFrom(new byte[] {(byte) 0xff, 1, 2})).build());
                WebFrame status = wrongBytes.await(f -> f.getCall() == 1 && f.hasStatus());
                assertThat(status.getStatus().getReason()).as("a call's bad message ends that call")
                        .isEqualTo(Reason.REASON_MALFORMED_FRAME);
                wrongBytes.start(2, "cmdop.v1.Nope/Nothing");
                assertThat(wrongBytes.await(f -> f.getCall() == 2 && f.hasStatus()).getStatus().getMessage())
                        .contains("no method 'cmdop.v1.Nope/Nothing'");
            }
            try (WebSocketPeer odd = fixture.socket(origin())) {
                odd.signIn("cmdop_\u00e9t\u00e9");
                assertThat(odd.await(WebFrame::hasError).getError().getMessage()).isEqualTo("the credential is malformed");
            }
            try (WebSocketPeer repeats = fixture.socket(origin())) {
                repeats.signIn(fixture.fleet.ownerKey().secret()).await(WebFrame::hasSignedIn);
                repeats.start(1, "cmdop.v1.Fleet/WhoAmI").message(1, io.cmdop.protocol.v1.WhoAmIRequest.getDefaultInstance())
                        .halfClose(1).halfClose(1).message(1, io.cmdop.protocol.v1.WhoAmIRequest.getDefaultInstance());
                assertThat(repeats.await(f -> f.getCall() == 1 && f.hasStatus()).getStatus().getCode())
                        .as("a repeated half_close or a late message is ignored").isZero();
                repeats.start(2, "cmdop.v1.Fleet/WhoAmI").message(2, io.cmdop.protocol.v1.WhoAmIRequest.getDefaultInstance())
                        .halfClose(2);
                assertThat(repeats.awaitMessage(2, io.cmdop.protocol.v1.Identity.parser(), i -> true).getMember())
                        .as("the socket goes on").isEqualTo("owner");
            }
            bystander.start(7, "cmdop.v1.Fleet/WhoAmI").message(7, io.cmdop.protocol.v1.WhoAmIRequest.getDefaultInstance())
                    .halfClose(7);
            assertThat(bystander.awaitMessage(7, io.cmdop.protocol.v1.Identity.parser(), i -> true).getMember())
                    .as("the other socket is unaffected").isEqualTo("owner");
        }
    }

    @Test
    void aShareLinkOpensItsOneSessionAsAnObserverUntilItIsRevoked() throws Exception {
        CreatedShareLink link;
        try (CmdopClient owner = owner()) {
            owner.terminal().onMachine("web-1").create(CreateSessionRequest.newBuilder().setName("private")
                    .addCommand("/bin/cat").build());
            link = owner.fleet().createShareLink("web-1", "build", Duration.ofHours(1), false);
        }
        assertThat(link.getToken()).startsWith("cmdop_share_");
        try (WebSocketPeer viewer = fixture.socket(origin())) {
            WebFrame signedIn = viewer.signIn(link.getToken()).await(WebFrame::hasSignedIn);
            assertThat(signedIn.getSignedIn().getShare().getSessionName()).isEqualTo("build");
            assertThat(signedIn.getSignedIn().getShare().getMode()).isEqualTo(Mode.MODE_OBSERVER);

            viewer.start(1, "cmdop.v1.Sessions/Attach").message(1, attach("private", Mode.MODE_OBSERVER));
            assertThat(viewer.awaitMessage(1, ServerFrame.parser(), ServerFrame::hasError).getError().getReason())
                    .as("another session of the machine").isEqualTo(Reason.REASON_ROLE_FORBIDS);
            viewer.start(2, "cmdop.v1.Sessions/Attach").message(2, attach("build", Mode.MODE_OPERATOR));
            assertThat(viewer.awaitMessage(2, ServerFrame.parser(), ServerFrame::hasError).getError().getReason())
                    .as("an observer link cannot operate").isEqualTo(Reason.REASON_ROLE_FORBIDS);
            viewer.start(3, "cmdop.v1.Fleet/ListMachines").message(3, ListMachinesRequest.getDefaultInstance()).halfClose(3);
            assertThat(viewer.await(f -> f.getCall() == 3 && f.hasStatus()).getStatus().getReason())
                    .isEqualTo(Reason.REASON_ROLE_FORBIDS);

            viewer.start(4, "cmdop.v1.Sessions/Attach").message(4, attach("build", Mode.MODE_OBSERVER));
            Attached attached = viewer.awaitMessage(4, ServerFrame.parser(), ServerFrame::hasAttached).getAttached();
            assertThat(attached.getMode()).isEqualTo(Mode.MODE_OBSERVER);
            assertThat(attached.getPrincipal()).isEqualTo("share:" + link.getLink().getId() + "@default");
            try (CmdopClient owner = owner()) {
                assertThat(owner.fleet().shareLinks()).singleElement().satisfies(l -> assertThat(l.getViews()).isEqualTo(1));
                owner.fleet().revokeShareLink(link.getLink().getId());
            }
            ServerFrame ended = viewer.awaitMessage(4, ServerFrame.parser(), ServerFrame::hasError);
            assertThat(ended.getError().getMessage()).isEqualTo("the share link was revoked");
            assertThat(ended.getError().getFatal()).isTrue();
        }
        try (WebSocketPeer again = fixture.socket(origin())) {
            assertThat(again.signIn(link.getToken()).await(WebFrame::hasError).getError().getMessage())
                    .contains("the share link has been revoked");
        }
    }

    @Test
    void onlyAdminsAndOwnersMakeOperatorLinksWhichMayType() throws Exception {
        String memberKey;
        try (CmdopClient owner = owner()) {
            memberKey = owner.fleet().createApiKey("dev", io.cmdop.protocol.v1.Role.ROLE_MEMBER).getSecret();
        }
        try (CmdopClient member = fixture.client(memberKey)) {
            assertThat(member.fleet().createShareLink("web-1", "build", Duration.ofHours(1), false).getLink().getMode())
                    .isEqualTo(Mode.MODE_OBSERVER);
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> member.fleet().createShareLink("web-1", "build", Duration.ofHours(1), true))
                    .isInstanceOfSatisfying(io.cmdop.client.CmdopException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.REASON_ROLE_FORBIDS));
            assertThat(member.fleet().shareLinks()).as("a member sees the links it made").hasSize(1);
        }
        CreatedShareLink operatorLink;
        try (CmdopClient owner = owner()) {
            operatorLink = owner.fleet().createShareLink("web-1", "build", Duration.ofHours(1), true);
            assertThat(owner.fleet().shareLinks()).as("an owner sees the fleet's").hasSize(2);
        }
        try (WebSocketPeer guest = fixture.socket(origin())) {
            guest.signIn(operatorLink.getToken()).await(WebFrame::hasSignedIn);
            guest.start(1, "cmdop.v1.Sessions/Attach").message(1, attach("build", Mode.MODE_OPERATOR));
            assertThat(guest.awaitMessage(1, ServerFrame.parser(), ServerFrame::hasAttached).getAttached().getMode())
                    .isEqualTo(Mode.MODE_OPERATOR);
            guest.message(1, ClientFrame.newBuilder().setInput(InputFrame.newBuilder()
                    .setData(com.google.protobuf.ByteString.copyFromUtf8("typed-through-a-link\n"))).build());
            guest.awaitMessage(1, ServerFrame.parser(), f -> f.hasEvent() && f.getEvent().hasInput()
                    && f.getEvent().getInput().getSender().getPrincipal().startsWith("share:"));
        }
    }

    private static ClientFrame attach(String session, Mode mode) {
        return ClientFrame.newBuilder().setAttach(AttachRequest.newBuilder()
                .setSession(SessionSelector.newBuilder().setMachine("web-1").setSession(session)).setMode(mode)
                .setClient(ClientInfo.newBuilder().setKind(ClientKind.CLIENT_KIND_WEB))).build();
    }

    private HttpResponse<String> get(String path) throws Exception {
        javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
        tls.init(null, new javax.net.ssl.TrustManager[] {new io.cmdop.client.CertificatePin(fixture.fingerprint)}, null);
        try (HttpClient http = HttpClient.newBuilder().sslContext(tls).build()) {
            return http.send(HttpRequest.newBuilder(URI.create(fixture.url + path)).build(), HttpResponse.BodyHandlers.ofString());
        }
    }
}

package io.cmdop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.cmdop.client.CmdopClient;
import io.cmdop.client.CmdopException;
import io.cmdop.client.TerminalStream;
import io.cmdop.protocol.v1.ClientKind;
import io.cmdop.protocol.v1.CreateSessionRequest;
import io.cmdop.protocol.v1.Mode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A relay process, a daemon process linked to it, remote clients: the relay's contract as users meet it. */
@Timeout(180)
class RelayIT {
    private CliHome relayHome;
    private CliHome machineHome;
    private CliHome.Live relay;
    private int port;
    private String url;
    private String ownerKey;
    private String fingerprint;

    @BeforeEach
    void start() throws IOException {
        relayHome = CliHome.create();
        machineHome = CliHome.create();
        JsonNode init = relayHome.json("relay", "init", "--json");
        ownerKey = init.path("owner_key").asText();
        fingerprint = init.path("fingerprint").asText();
        assertThat(ownerKey).startsWith("cmdop_");
        assertThat(init.path("join_key").asText()).startsWith("cmdop_enroll_");
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        url = "https://127.0.0.1:" + port;
        relay = startRelay();
        // Long enough to ride out a relay restart, short enough to see a dead machine given up on.
        machineHome.writeConfig("session:\n  grace: 15s\n");
        machineHome.ok("agent", "start", "--relay", url, "--join-key", init.path("join_key").asText(),
                "--fingerprint", fingerprint, "--name", "web-1");
        machineHome.agentPid();
        machineHome.ok("login", "--relay", url, "--key", ownerKey, "--fingerprint", fingerprint);
        CliHome.Await.until("web-1 online", () -> {
            JsonNode machines = machineHome.json("machines", "list", "--json");
            return machines.size() == 1 && machines.get(0).path("online").asBoolean() ? machines : null;
        });
    }

    private CliHome.Live startRelay() {
        CliHome.Live live = relayHome.spawn("relay", "start", "--listen", "127.0.0.1:" + port);
        live.awaitLine("relay listening", 0, l -> l.startsWith("relay listening on https://127.0.0.1:" + port));
        return live;
    }

    @AfterEach
    void stop() {
        if (machineHome != null) {
            machineHome.close();
        }
        if (relayHome != null) {
            relayHome.close();
        }
    }

    private static String tail(java.nio.file.Path file) {
        try {
            List<String> all = java.nio.file.Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - 15), all.size()));
        } catch (IOException e) {
            return "(no " + file + ")";
        }
    }

    @Test
    void everySessionVerbWorksRemotelyAndRolesAreEnforced() {
        machineHome.ok("session", "create", "--machine", "web-1", "--name", "build");
        JsonNode listed = machineHome.json("session", "list", "--machine", "web-1", "--json");
        assertThat(listed.findValuesAsText("name")).contains("build");
        CliHome.Result run = machineHome.run("session", "run", "web-1/build", "echo remote-$((6*7)); false");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.stdout()).contains("remote-42");
        machineHome.ok("session", "send", "web-1/build", "--enter", "echo sent-$((2+3))");
        CliHome.Await.until("sent-5 on the remote screen", () -> {
            String screen = machineHome.ok("session", "screen", "web-1/build").stdout();
            return screen.lines().anyMatch("sent-5"::equals) ? screen : null;
        });
        CliHome.Result exec = machineHome.run("exec", "web-1", "echo exec-out; exit 7");
        assertThat(exec.exitCode()).isEqualTo(7);
        assertThat(exec.stdout()).isEqualTo("exec-out\n");

        JsonNode guest = machineHome.json("keys", "create", "--name", "auditor", "--role", "guest", "--json");
        try (CmdopClient asGuest = CmdopClient.remote(url, guest.path("secret").asText(), fingerprint,
                ClientKind.CLIENT_KIND_CLI)) {
            assertThatThrownBy(() -> asGuest.terminal().onMachine("web-1").sendInput("build", "x".getBytes()))
                    .isInstanceOfSatisfying(CmdopException.class, e -> assertThat(e.reasonName()).isEqualTo("ROLE_FORBIDS"));
        }
        JsonNode keys = machineHome.json("keys", "list", "--json");
        String guestId = guest.path("id").asText();
        assertThat(keys.findValuesAsText("id")).contains(guestId);
        machineHome.ok("keys", "revoke", guestId);
        try (CmdopClient revoked = CmdopClient.remote(url, guest.path("secret").asText(), fingerprint,
                ClientKind.CLIENT_KIND_CLI)) {
            assertThatThrownBy(() -> revoked.terminal().onMachine("web-1").list())
                    .isInstanceOfSatisfying(CmdopException.class, e -> {
                        assertThat(e.reasonName()).isEqualTo("UNAUTHENTICATED");
                        assertThat(e.getMessage()).contains("revoked");
                    });
        }
        CliHome.Result wrongPin = machineHome.run("login", "--relay", url, "--key", ownerKey,
                "--fingerprint", "SHA256:" + "B".repeat(43));
        assertThat(wrongPin.exitCode()).isNotZero();
        assertThat(wrongPin.stderr()).contains("certificate changed");
    }

    @Test
    void execRunsOnSeveralMachinesAtOnceAndSaysWhichFailed() throws IOException {
        try (CliHome web2 = CliHome.create(); CliHome db1 = CliHome.create()) {
            for (var machine : java.util.Map.of("web-2", web2, "db-1", db1).entrySet()) {
                String joinKey = machineHome.json("join-keys", "create", "--json").path("secret").asText();
                machine.getValue().ok("agent", "start", "--relay", url, "--join-key", joinKey, "--fingerprint",
                        fingerprint, "--name", machine.getKey());
            }
            db1.ok("agent", "stop");
            // web-2 alone takes its time: the file is in its own home.
            java.nio.file.Files.writeString(web2.userHome().resolve("slow"), "");
            CliHome.Await.until("web-2 online", () -> {
                for (JsonNode m : machineHome.json("machines", "list", "--json")) {
                    if (m.path("name").asText().equals("web-2") && m.path("online").asBoolean()) {
                        return m;
                    }
                }
                return null;
            });

            CliHome.Result r = machineHome.run("exec", "--machines", "web-1,web-2, db-1,web-1,nope", "--timeout", "3s",
                    "--json", "[ -f ~/slow ] && sleep 30; echo done-$((6*7))");
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            JsonNode all = CliHome.JSON.readTree(r.stdout());
            JsonNode results = all.path("results");
            List<String> named = new java.util.ArrayList<>();
            results.fieldNames().forEachRemaining(named::add);
            assertThat(named).as("each machine once, in the order named").containsExactly("web-1", "web-2", "db-1", "nope");
            assertThat(results.path("web-1").path("exit_code").asInt()).isZero();
            assertThat(results.path("web-1").path("output").asText()).isEqualTo("done-42\n");
            assertThat(results.path("web-1").path("duration_ms").asLong()).isNotNegative();
            assertThat(results.path("web-2").path("error").path("reason").asText()).isEqualTo("TIMEOUT");
            assertThat(results.path("db-1").path("error").path("reason").asText()).isEqualTo("MACHINE_OFFLINE");
            assertThat(results.path("nope").path("error").path("message").asText()).contains("nope");
            assertThat(all.path("timed_out").toString()).isEqualTo("[\"web-2\"]");

            CliHome.Result plain = machineHome.run("exec", "--machines", "web-1", "echo plain-$((2+2))");
            assertThat(plain.exitCode()).isZero();
            assertThat(plain.stdout()).startsWith("== web-1: exit 0, ").contains("plain-4\n");
        }
    }

    @Test
    void aNodeJsClientBuiltFromTheProtoFilesWatchesAndExecsThroughTheRelay() throws Exception {
        machineHome.ok("session", "create", "--machine", "web-1", "--name", "shared");
        try (NodeClient node = NodeClient.start("127.0.0.1:" + port, fingerprint, ownerKey, "web-1", "shared",
                "node-sees-42")) {
            JsonNode machines = node.next("machines");
            assertThat(machines.toString()).isEqualTo("[{\"name\":\"web-1\",\"online\":true}]");
            JsonNode attached = node.next("attached");
            assertThat(attached.path("session").asText()).isEqualTo("shared");
            assertThat(attached.path("mode").asText()).isEqualTo("MODE_OBSERVER");
            machineHome.ok("session", "send", "web-1/shared", "--enter", "echo node-sees-$((6*7))");
            assertThat(node.next("seen").asText()).contains("node-sees-42");
            JsonNode exec = node.next("exec");
            assertThat(exec.path("exit_code").asInt()).isEqualTo(3);
            assertThat(exec.path("output").asText()).isEqualTo("from-node-42\n");
            assertThat(node.awaitExit()).isZero();
        }
    }

    @Test
    void filesGoBothWaysThroughTheRelayAndGuestsOnlyRead(@org.junit.jupiter.api.io.TempDir java.nio.file.Path local)
            throws IOException {
        java.nio.file.Path root = machineHome.userHome();
        java.nio.file.Path report = java.nio.file.Files.writeString(local.resolve("report.txt"), "sent through the relay\n");
        machineHome.ok("files", "mkdir", "web-1:inbox");
        machineHome.ok("files", "put", report.toString(), "web-1:inbox/");
        assertThat(java.nio.file.Files.readString(root.resolve("inbox/report.txt"))).isEqualTo("sent through the relay\n");
        JsonNode listed = machineHome.json("files", "ls", "web-1:inbox", "--json");
        assertThat(listed.findValuesAsText("name")).containsExactly("report.txt");
        machineHome.ok("files", "get", "web-1:inbox/report.txt", local.resolve("back.txt").toString());
        assertThat(java.nio.file.Files.readString(local.resolve("back.txt"))).isEqualTo("sent through the relay\n");
        machineHome.ok("files", "mv", "web-1:inbox/report.txt", "web-1:report.txt");
        CliHome.Result outside = machineHome.run("files", "get", "web-1:../../etc/hostname", "-");
        assertThat(outside.exitCode()).isEqualTo(1);
        assertThat(outside.stderr()).contains("[PATH_OUTSIDE_ROOT]");

        JsonNode guest = machineHome.json("keys", "create", "--name", "reader", "--role", "guest", "--json");
        try (CmdopClient asGuest = CmdopClient.remote(url, guest.path("secret").asText(), fingerprint,
                ClientKind.CLIENT_KIND_CLI)) {
            var files = asGuest.files().onMachine("web-1");
            java.io.ByteArrayOutputStream read = new java.io.ByteArrayOutputStream();
            files.read("report.txt", read, io.cmdop.client.TransferProgress.NONE);
            assertThat(read.toString(StandardCharsets.UTF_8)).isEqualTo("sent through the relay\n");
            assertThatThrownBy(() -> files.delete("report.txt", false))
                    .isInstanceOfSatisfying(CmdopException.class, e -> assertThat(e.reasonName()).isEqualTo("ROLE_FORBIDS"));
        }
        machineHome.ok("files", "rm", "-r", "web-1:inbox", "web-1:report.txt");
        assertThat(root.resolve("report.txt")).doesNotExist();
        assertThat(root.resolve("inbox")).doesNotExist();
    }

    @Test
    void aRemoteSessionIsUsedInARealTerminal() {
        machineHome.ok("session", "create", "--machine", "web-1", "--name", "shell");
        RealTerminal terminal = RealTerminal.open(machineHome);
        try {
            terminal.typeLine("cmdop session attach web-1/shell");
            terminal.awaitText("shell as operator");
            terminal.typeLine("echo remote-$((7*6)) in $PWD");
            terminal.await("remote-42", s -> s.lines().anyMatch(l -> l.equals("remote-42 in " + machineHome.userHome())));
            terminal.press("C-]");
            terminal.awaitText("[cmdop] detached from shell");
        } finally {
            terminal.close();
        }
    }

    @Test
    void whenTheDaemonIsKilledRemoteClientsAreToldTheMachineWentAway() throws Exception {
        try (CmdopClient client = CmdopClient.remote(url, ownerKey, fingerprint, ClientKind.CLIENT_KIND_SDK)) {
            var web1 = client.terminal().onMachine("web-1");
            web1.create(CreateSessionRequest.newBuilder().setName("doomed").addCommand("/bin/cat").build());
            CompletableFuture<Throwable> closed = new CompletableFuture<>();
            AtomicInteger reconnects = new AtomicInteger();
            TerminalStream stream = web1.stream(Mode.MODE_OBSERVER)
                    .onReconnecting(on -> reconnects.incrementAndGet())
                    .onClosed(closed::complete);
            stream.attach("doomed", 0, 0);
            long pid = machineHome.agentPid();
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            Throwable end = closed.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(end).isInstanceOfSatisfying(CmdopException.class, e -> {
                assertThat(e.reasonName()).isEqualTo("MACHINE_OFFLINE");
                assertThat(e.getMessage()).contains("web-1").contains("connected");
            });
            assertThat(reconnects.get()).as("it tried to resume before giving up").isPositive();
            CliHome.Await.until("web-1 offline", () -> {
                JsonNode machines = machineHome.json("machines", "list", "--json");
                return machines.get(0).path("online").asBoolean() ? null : machines;
            });
            CliHome.Result list = machineHome.run("session", "list", "--machine", "web-1");
            assertThat(list.exitCode()).isNotZero();
            assertThat(list.stderr()).contains("no machine named 'web-1' is connected");
        }
    }

    @Test
    void killingTheRelayMidStreamLosesNoByteAndRepeatsNone() throws Exception {
        int lines = 20_000;
        try (CmdopClient client = CmdopClient.remote(url, ownerKey, fingerprint, ClientKind.CLIENT_KIND_SDK)) {
            var web1 = client.terminal().onMachine("web-1");
            web1.create(CreateSessionRequest.newBuilder().setName("stream").addAllCommand(List.of("/bin/sh", "-c",
                    "stty -echo; read go; i=0; while [ $i -lt " + lines + " ]; do echo line-$i; i=$((i+1)); "
                            + "if [ $((i % 200)) = 0 ]; then sleep 0.05; fi; done; echo END")).build());
            StringBuffer received = new StringBuffer();
            AtomicInteger reconnects = new AtomicInteger();
            CompletableFuture<Throwable> closed = new CompletableFuture<>();
            TerminalStream stream = web1.stream(Mode.MODE_OPERATOR)
                    .onOutput(b -> received.append(new String(b, StandardCharsets.UTF_8)))
                    .onReconnecting(on -> {
                        if (on) {
                            reconnects.incrementAndGet();
                        }
                    })
                    .onClosed(closed::complete);
            stream.attach("stream", 0, 0);
            stream.sendInput("go\n".getBytes());
            CliHome.Await.until("output under way", () -> received.indexOf("line-3000\r\n") >= 0 ? true : null);

            relay.kill();
            relay = startRelay();

            CliHome.Await.until("the end of the stream after the restart",
                    () -> received.indexOf("END\r\n") >= 0 ? true : null,
                    () -> "reconnects " + reconnects.get() + ", closed " + closed.getNow(null) + ", received "
                            + received.length() + " chars ending " + received.substring(Math.max(0, received.length() - 40))
                            + "\ndaemon log:\n" + tail(machineHome.dir().resolve("logs/daemon.0.log"))
                            + "\nrelay:\n" + String.join("\n", relay.lines()));
            assertThat(reconnects.get()).as("the stream had to resume").isGreaterThanOrEqualTo(1);
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < lines; i++) {
                expected.append("line-").append(i).append("\r\n");
            }
            expected.append("END\r\n");
            assertThat(received.toString()).as("every byte, in order, exactly once").isEqualTo(expected.toString());
            assertThat(closed.get(20, java.util.concurrent.TimeUnit.SECONDS))
                    .as("the stream ends with the session, without an error").isNull();
        }
    }
}

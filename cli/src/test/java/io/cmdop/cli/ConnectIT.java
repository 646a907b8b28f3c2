package io.cmdop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** `cmdop connect` in a real terminal: the machine's active session, created when there is none. */
@Timeout(120)
class ConnectIT {
    private static CliHome cli;
    private RealTerminal terminal;

    @BeforeAll
    static void startDaemon() {
        cli = CliHome.create();
        cli.startAgent();
    }

    @AfterAll
    static void stopDaemon() {
        cli.close();
    }

    @AfterEach
    void closeTerminal() {
        if (terminal != null) {
            terminal.close();
        }
    }

    @Test
    void withNoSessionConnectCreatesOneAndAttaches() {
        for (JsonNode s : running()) {
            cli.ok("session", "destroy", s.path("id").asText());
        }
        assertThat(running()).isEmpty();

        terminal = RealTerminal.open(cli);
        terminal.typeLine("cd /usr/share && cmdop connect");
        terminal.awaitText("as operator");

        List<JsonNode> sessions = running();
        assertThat(sessions).as("connect created exactly one session").hasSize(1);
        JsonNode created = sessions.getFirst();
        String name = created.path("name").asText();
        assertThat(terminal.screen()).contains("cmdop: " + name + " as operator");
        assertThat(created.path("attached")).hasSize(1);
        JsonNode me = created.path("attached").get(0);
        assertThat(me.path("kind").asText()).isEqualTo("cli");
        assertThat(me.path("mode").asText()).isEqualTo("operator");
        assertThat(me.path("connected").asBoolean()).isTrue();

        terminal.typeLine("echo connected-$((8*8)) in $PWD");
        terminal.await("connected-64", s -> s.lines().anyMatch("connected-64 in /usr/share"::equals));
        cli.awaitScreen(created.path("id").asText(), "connected-64");

        terminal.press("C-]");
        terminal.awaitText("[cmdop] detached from " + name);
    }

    @Test
    void withSessionsConnectAttachesToTheNewestRunningOne() {
        cli.ok("session", "create", "--name", "older");
        cli.ok("session", "create", "--name", "newer");
        cli.ok("session", "create", "--name", "newest-but-ended", "--", "true");
        CliHome.Await.until("newest-but-ended to exit", () -> cli.listed("newest-but-ended")
                .filter(s -> s.path("state").asText().equals("exited")).orElse(null));
        cli.ok("session", "send", "newer", "--enter", "echo i-am-newer");
        cli.awaitScreen("newer", "i-am-newer");

        terminal = RealTerminal.open(cli);
        terminal.typeLine("cmdop connect");
        String screen = terminal.await("the newest running session",
                s -> s.contains("cmdop: newer as operator") && s.lines().anyMatch("i-am-newer"::equals));
        assertThat(screen).doesNotContain("cmdop: older");
        assertThat(cli.listed("newer").orElseThrow().path("attached")).hasSize(1);
        assertThat(cli.listed("older").orElseThrow().path("attached")).isEmpty();

        terminal.press("C-]");
        terminal.awaitText("[cmdop] detached from newer");
    }

    private static List<JsonNode> running() {
        List<JsonNode> running = new ArrayList<>();
        for (JsonNode s : cli.json("session", "list", "--json")) {
            if (s.path("state").asText().equals("running")) {
                running.add(s);
            }
        }
        return running;
    }
}

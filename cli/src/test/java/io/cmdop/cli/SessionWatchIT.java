package io.cmdop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.cmdop.cli.CliHome.Live;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * `cmdop session watch` as a background process: the event stream one JSON object a line, what
 * other clients do appearing in it, and what happens to a watcher that is killed. The daemon of
 * this class keeps a dropped client for a short grace window (configured in its config.yaml).
 */
@Timeout(120)
class SessionWatchIT {
    /** Long enough to see the dropped client listed as disconnected with a CLI call or two, short enough to wait out. */
    private static final String GRACE = "5s";

    private static CliHome cli;

    @BeforeAll
    static void startDaemon() {
        cli = CliHome.create();
        cli.writeConfig("session:\n  grace: " + GRACE + "\n");
        cli.startAgent();
    }

    @AfterAll
    static void stopDaemon() {
        cli.close();
    }

    @Test
    void inputFromAnotherProcessAppearsAttributedThenItsOutput() {
        cli.ok("session", "create", "--name", "watched");
        Live first = cli.spawn("session", "watch", "watched");
        String firstId = awaitAttached(first, "watched");

        Live second = cli.spawn("session", "watch", "watched");
        String secondId = awaitAttached(second, "watched", firstId);
        assertThat(secondId).isNotEqualTo(firstId);
        int joined = first.awaitLine("a joined event for the second watcher", 0,
                l -> CliHome.has(l, "type", "joined") && CliHome.parse(l).path("client").path("client_id").asText().equals(secondId));
        JsonNode joinedEvent = CliHome.parse(first.lines().get(joined));
        assertThat(joinedEvent.path("client").path("kind").asText()).isEqualTo("cli");
        assertThat(joinedEvent.path("client").path("mode").asText()).isEqualTo("observer");

        cli.ok("session", "send", "watched", "--enter", "echo watched-$((2+3))");

        Predicate<String> ourInput = l -> CliHome.has(l, "type", "input")
                && CliHome.parse(l).path("data").asText().equals("echo watched-$((2+3))\r");
        int inputAt = first.awaitLine("the input event of `session send`", 0, ourInput);
        JsonNode input = CliHome.parse(first.lines().get(inputAt));
        assertThat(input.path("input_id").asLong()).as(input.toString()).isPositive();
        assertThat(input.path("sender").path("principal").asText()).isEqualTo(System.getProperty("user.name"));
        assertThat(input.path("sender").path("kind").asText()).isEqualTo("cli");
        assertThat(input.path("sender").path("mode").asText()).isEqualTo("operator");
        assertThat(input.path("sender").path("client_id").asText()).isNotBlank()
                .isNotEqualTo(firstId).isNotEqualTo(secondId);

        // Its effect follows it in the stream: the command's output, after the input.
        first.awaitLine("output containing watched-5 after the input", inputAt + 1,
                l -> CliHome.has(l, "type", "output") && outputSince(first, inputAt).contains("watched-5"));

        // Every watcher sees the same event with the same sequence number and input id.
        int inSecond = second.awaitLine("the same input event", 0, ourInput);
        JsonNode same = CliHome.parse(second.lines().get(inSecond));
        assertThat(same.path("seq").asLong()).isEqualTo(input.path("seq").asLong());
        assertThat(same.path("input_id").asLong()).isEqualTo(input.path("input_id").asLong());
    }

    @Test
    void aKilledWatcherIsKeptDisconnectedForTheGraceWindowThenDropped() {
        cli.ok("session", "create", "--name", "grace");
        Live survivor = cli.spawn("session", "watch", "grace");
        String survivorId = awaitAttached(survivor, "grace");
        Live victim = cli.spawn("session", "watch", "grace");
        String victimId = awaitAttached(victim, "grace", survivorId);
        assertThat(attachedClient("grace", victimId).orElseThrow().path("connected").asBoolean()).isTrue();

        victim.kill();

        // The session does not care: it keeps working, and the other watcher keeps seeing it.
        assertThat(cli.ok("session", "run", "grace", "echo still-$((3+4))").stdout()).isEqualTo("still-7\n");
        survivor.awaitLine("output still-7", 0, l -> CliHome.has(l, "type", "output") && l.contains("still-7"));

        // Within the grace window the dropped client is still listed, as disconnected ...
        JsonNode held = CliHome.Await.until("the killed watcher listed as connected: false",
                () -> attachedClient("grace", victimId).filter(c -> !c.path("connected").asBoolean()).orElse(null));
        assertThat(held.path("kind").asText()).isEqualTo("cli");
        // ... and after it, gone.
        CliHome.Await.until("the killed watcher to be dropped after the grace window",
                () -> attachedClient("grace", victimId).isEmpty() ? true : null);
        survivor.awaitLine("a left event for the killed watcher", 0, l -> CliHome.has(l, "type", "left")
                && CliHome.parse(l).path("client").path("client_id").asText().equals(victimId));
        assertThat(attachedClient("grace", survivorId).orElseThrow().path("connected").asBoolean()).isTrue();
        assertThat(survivor.isAlive()).isTrue();
    }

    /**
     * Waits for the watcher's first line, `attached`, and returns the watcher's own client id: the one
     * attached client in it that is not among {@code others} (who were attached before it).
     */
    private static String awaitAttached(Live watcher, String session, String... others) {
        int at = watcher.awaitLine("the attached greeting", 0, l -> CliHome.has(l, "type", "attached"));
        assertThat(at).as("`attached` comes first").isZero();
        JsonNode hello = CliHome.parse(watcher.lines().get(at));
        assertThat(hello.path("session").path("name").asText()).isEqualTo(session);
        assertThat(hello.path("screen").path("lines").isArray()).isTrue();
        List<JsonNode> newcomers = new java.util.ArrayList<>();
        hello.path("session").path("attached").forEach(c -> {
            if (!List.of(others).contains(c.path("client_id").asText())) {
                newcomers.add(c);
            }
        });
        assertThat(newcomers).as("the watcher itself, listed in its greeting: " + hello.path("session")).hasSize(1);
        JsonNode self = newcomers.getFirst();
        assertThat(self.path("mode").asText()).isEqualTo("observer");
        assertThat(self.path("kind").asText()).isEqualTo("cli");
        assertThat(self.path("connected").asBoolean()).isTrue();
        return self.path("client_id").asText();
    }

    private static Optional<JsonNode> attachedClient(String session, String clientId) {
        JsonNode s = cli.listed(session).orElseThrow(() -> new AssertionError(session + " is not listed"));
        for (JsonNode c : s.path("attached")) {
            if (c.path("client_id").asText().equals(clientId)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    private static String outputSince(Live watcher, int index) {
        StringBuilder text = new StringBuilder();
        List<String> lines = watcher.lines();
        for (String l : lines.subList(index + 1, lines.size())) {
            if (CliHome.has(l, "type", "output")) {
                text.append(CliHome.parse(l).path("data").asText());
            }
        }
        return text.toString();
    }
}

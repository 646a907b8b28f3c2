package io.cmdop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.cmdop.cli.CliHome.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sessions driven from scripts: the one-shot `session` commands and `exec`, their output, JSON and
 * exit codes. One daemon for the class; every test uses its own session names.
 */
@Timeout(120)
class SessionScriptingIT {
    private static CliHome cli;

    @BeforeAll
    static void startDaemon() {
        cli = CliHome.create();
        cli.startAgent();
    }

    @AfterAll
    static void stopDaemon() {
        cli.close();
    }

    @Test
    void createAndListAsJson() {
        Instant before = Instant.now().minusSeconds(1);
        JsonNode created = cli.json("session", "create", "--name", "build", "--json");
        assertThat(created.path("id").asText()).isNotBlank();
        assertThat(created.path("name").asText()).isEqualTo("build");
        assertThat(created.path("command").isArray()).as(created.toString()).isTrue();
        assertThat(created.path("command")).as("the login shell").isNotEmpty();
        assertThat(created.path("state").asText()).isEqualTo("running");
        assertThat(created.has("exit_code")).isTrue();
        assertThat(created.path("exit_code").isNull()).as(created.toString()).isTrue();
        assertThat(Instant.parse(created.path("created_at").asText())).isBetween(before, Instant.now().plusSeconds(1));
        assertThat(created.path("size").path("cols").asInt()).isEqualTo(80);
        assertThat(created.path("size").path("rows").asInt()).isEqualTo(24);
        assertThat(created.path("attached").isArray()).isTrue();
        assertThat(created.path("attached")).as("nobody is attached to a new session").isEmpty();

        JsonNode listed = cli.listed("build").orElseThrow(() -> new AssertionError("build is not listed"));
        assertThat(listed.path("id").asText()).isEqualTo(created.path("id").asText());
        assertThat(listed.path("state").asText()).isEqualTo("running");
        assertThat(listed.path("exit_code").isNull()).isTrue();
        assertThat(listed.path("command")).isEqualTo(created.path("command"));

        // A program of one's own, and a size of one's own.
        JsonNode cat = cli.json("session", "create", "--name", "build-cat", "--cols", "120", "--rows", "40",
                "--json", "--", "cat");
        assertThat(cat.path("command").get(0).asText()).isEqualTo("cat");
        assertThat(cat.path("command")).hasSize(1);
        assertThat(cat.path("size").path("cols").asInt()).isEqualTo(120);
        assertThat(cat.path("size").path("rows").asInt()).isEqualTo(40);

        Result taken = cli.run("session", "create", "--name", "build");
        assertThat(taken.exitCode()).as(taken.toString()).isNotZero();
        assertThat(taken.stderr()).contains("build").contains("NAME_TAKEN");
    }

    @Test
    void sendTypesIntoTheSessionAndScreenShowsIt() {
        cli.ok("session", "create", "--name", "typing");
        cli.ok("session", "send", "typing", "--enter", "echo hello-$((6*7))");
        String screen = cli.awaitScreen("typing", "hello-42");
        assertThat(screen.lines()).as("the typed line and its output, as on a terminal")
                .anyMatch(l -> l.endsWith("echo hello-$((6*7))"))
                .contains("hello-42");
    }

    @Test
    void runPrintsTheCommandsOutputAndExitsWithItsCode() {
        cli.ok("session", "create", "--name", "runner");

        Result abc = cli.ok("session", "run", "runner", "printf abc");
        assertThat(abc.stdout()).as("exactly the command's output, no prompt, no added newline").isEqualTo("abc");

        Result three = cli.run("session", "run", "runner", "sh -c 'exit 3'");
        assertThat(three.exitCode()).as(three.toString()).isEqualTo(3);
        Result falsy = cli.run("session", "run", "runner", "false");
        assertThat(falsy.exitCode()).as(falsy.toString()).isEqualTo(1);

        JsonNode json = cli.json("session", "run", "--json", "runner", "echo json-$((1+2))");
        assertThat(json.path("command_id").asText()).isNotBlank();
        assertThat(json.path("exit_code").asInt()).isZero();
        assertThat(json.path("output").asText()).isEqualTo("json-3\n");

        Result failedJson = cli.run("session", "run", "--json", "runner", "echo oops; sh -c 'exit 5'");
        assertThat(failedJson.exitCode()).as(failedJson.toString()).isEqualTo(5);
        assertThat(failedJson.stdout()).contains("\"exit_code\" : 5").contains("oops\\n");
    }

    @Test
    void execRunsACommandInAFreshSessionAndExitsWithItsCode() throws Exception {
        Result plain = cli.run("exec", "echo hi; exit 7");
        assertThat(plain.exitCode()).as(plain.toString()).isEqualTo(7);
        assertThat(plain.stdout()).isEqualTo("hi\n");

        Result json = cli.run("exec", "echo hi; exit 7", "--json");
        assertThat(json.exitCode()).as(json.toString()).isEqualTo(7);
        JsonNode r = CliHome.JSON.readTree(json.stdout());
        assertThat(r.path("command_id").asText()).isNotBlank();
        assertThat(r.path("exit_code").asInt()).isEqualTo(7);
        assertThat(r.path("output").asText()).isEqualTo("hi\n");
    }

    @Test
    void signalInterruptsTheForegroundProgram() {
        cli.ok("session", "create", "--name", "sig");
        cli.ok("session", "send", "sig", "--enter", "sh -c 'echo sleeping-$((5*5)); exec sleep 100'");
        // Printed by the program itself, so it already holds the terminal's foreground when we signal.
        cli.awaitScreen("sig", "sleeping-25");
        Result busy = cli.run("session", "run", "sig", "echo too-early");
        assertThat(busy.exitCode()).as("the shell is busy with sleep: " + busy).isNotZero();
        assertThat(busy.stderr()).contains("SHELL_BUSY");

        cli.ok("session", "signal", "sig", "INT");

        // The prompt is back long before sleep's 100 s: the next command runs, and sees sleep's fate.
        Result back = CliHome.Await.until("`session run sig` to be accepted after INT", () -> {
            Result r = cli.run("session", "run", "sig", "echo back-$?");
            return r.stderr().contains("SHELL_BUSY") ? null : r;
        });
        assertThat(back.exitCode()).as(back.toString()).isZero();
        assertThat(back.stdout()).as("sleep ended by SIGINT (128+2)").isEqualTo("back-130\n");
    }

    @Test
    void destroyEndsTheSession() {
        JsonNode doomed = cli.json("session", "create", "--name", "doomed", "--json");
        Result destroy = cli.ok("session", "destroy", "doomed");
        assertThat(destroy.stdout()).contains("doomed").contains(doomed.path("id").asText());

        cli.listed("doomed").ifPresent(s -> assertThat(s.path("state").asText())
                .as("a destroyed session is gone or exited: " + s).isEqualTo("exited"));
        Result run = cli.run("session", "run", "doomed", "echo still-there");
        assertThat(run.exitCode()).as(run.toString()).isNotZero();
        assertThat(run.stdout()).doesNotContain("still-there");
    }

    @Test
    void anUnknownSessionIsNamedWithItsReason() {
        List<List<String>> commands = List.of(
                List.of("session", "screen", "no-such-session"),
                List.of("session", "send", "no-such-session", "x"),
                List.of("session", "run", "no-such-session", "true"),
                List.of("session", "signal", "no-such-session", "INT"),
                List.of("session", "destroy", "no-such-session"),
                List.of("session", "watch", "no-such-session"));
        List<String> problems = new ArrayList<>();
        for (List<String> command : commands) {
            Result r = cli.run(command.toArray(String[]::new));
            if (r.exitCode() == 0 || !r.stderr().contains("'no-such-session'")
                    || !r.stderr().contains("SESSION_NOT_FOUND")) {
                problems.add(r.toString());
            }
        }
        assertThat(problems).as("each command names the session asked for and the reason, and fails").isEmpty();
    }
}

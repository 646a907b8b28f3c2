package io.cmdop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.cmdop.cli.CliHome.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * `cmdop agent start|status|stop|run` as a user runs them, and the training run whose AOT cache the
 * `./cmdop` launcher starts them with; each test has its own fresh home.
 */
@Timeout(120)
class AgentLifecycleIT {
    private CliHome cli;

    @BeforeEach
    void freshHome() {
        cli = CliHome.create();
    }

    @AfterEach
    void stopEverything() {
        cli.close();
    }

    @Test
    void startStatusStopOfTheDaemon() throws IOException {
        Result before = cli.run("agent", "status");
        assertThat(before.exitCode()).as(before.toString()).isNotZero();
        assertThat(before.stdout()).contains("not running").contains("cmdop agent start");

        Result noDaemon = cli.run("session", "list");
        assertThat(noDaemon.exitCode()).as(noDaemon.toString()).isNotZero();
        assertThat(noDaemon.stderr()).contains("not running").contains("cmdop agent start");

        Result start = cli.ok("agent", "start");
        assertThat(start.stdout()).contains("started");
        // `agent start` returns only when the daemon answers: the very next command is served.
        assertThat(cli.ok("session", "list", "--json").stdout().trim()).isEqualTo("[ ]");

        JsonNode status = cli.json("agent", "status", "--json");
        long pid = status.path("pid").asLong();
        cli.adoptDaemon(pid);
        assertThat(status.path("running").asBoolean()).as(status.toString()).isTrue();
        assertThat(pid).isPositive();
        assertThat(cli.isDaemonAlive(pid)).as("pid %d is a live `agent run` process", pid).isTrue();
        Path socket = Path.of(status.path("socket").asText());
        assertThat(socket).isEqualTo(cli.socket());
        assertThat(socket.getParent()).isEqualTo(cli.dir());
        assertThat(Path.of(status.path("home").asText())).isEqualTo(cli.dir());
        assertThat(start.stdout()).contains("pid " + pid).contains(socket.toString());

        // Only this user may talk to the daemon.
        assertThat(Files.getPosixFilePermissions(socket))
                .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));

        assertThat(status.path("rss_bytes").asLong()).as("the daemon's resident memory").isGreaterThan(10_000_000L);
        cli.ok("session", "create", "--name", "measured", "--", "/bin/sh", "-c", "exec cat");
        Result list = cli.ok("session", "list");
        assertThat(list.stdout().lines().findFirst().orElse("")).contains("MEMORY");
        assertThat(list.stdout().lines().filter(l -> l.contains("measured")).findFirst().orElse(""))
                .as("what the daemon holds for the session: its screen, at least").containsPattern(" \\d+\\.\\d KiB ");
        assertThat(cli.ok("agent", "status").stdout()).containsPattern("MiB resident \\(sessions hold \\d+\\.\\d KiB\\)");

        Result again = cli.ok("agent", "start");
        assertThat(again.stdout()).contains("already running").contains("pid " + pid);
        assertThat(cli.agentPid()).as("a second start starts no second daemon").isEqualTo(pid);

        Result stop = cli.ok("agent", "stop");
        assertThat(stop.stdout()).contains("stopped").contains("pid " + pid);
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                .as("daemon pid %d is gone once `agent stop` returns", pid).isFalse();
        assertThat(socket).doesNotExist();

        Result after = cli.run("agent", "status");
        assertThat(after.exitCode()).isNotZero();
        assertThat(after.stdout()).contains("not running");
        Result stopAgain = cli.ok("agent", "stop");
        assertThat(stopAgain.stdout()).contains("not running");
    }

    @Test
    void startRecoversFromTheStaleSocketOfAKilledDaemon() {
        long first = cli.startAgent();
        cli.ok("session", "create", "--name", "before-crash");

        cli.killDaemon(first);
        assertThat(cli.socket()).as("kill -9 leaves the socket file behind").exists();

        Result status = cli.run("agent", "status");
        assertThat(status.exitCode()).as(status.toString()).isNotZero();
        assertThat(status.stdout()).contains("not running");
        Result list = cli.run("session", "list");
        assertThat(list.exitCode()).as(list.toString()).isNotZero();
        assertThat(list.stderr()).contains("not running").contains("cmdop agent start");

        Result start = cli.ok("agent", "start");
        assertThat(start.stdout()).contains("started");
        long second = cli.agentPid();
        assertThat(second).isNotEqualTo(first);
        assertThat(cli.listed("before-crash")).as("sessions die with their daemon").isEmpty();
        cli.ok("session", "create", "--name", "after-crash");
        Result run = cli.ok("session", "run", "after-crash", "echo recovered-$((40+2))");
        assertThat(run.stdout()).isEqualTo("recovered-42\n");
    }

    @Test
    void aSignalStopsTheDaemonAsAgentStopDoesWithItsLogWrittenToTheEnd() throws IOException {
        long pid = cli.startAgent();
        cli.ok("session", "create", "--name", "at-stop");

        cli.terminateDaemon(pid);
        assertThat(cli.socket()).as("an orderly stop removes the socket").doesNotExist();
        List<String> log = Files.readAllLines(cli.dir().resolve("logs").resolve("daemon.0.log"));
        assertThat(log).anyMatch(line -> line.endsWith("Daemon: stopping"));
        assertThat(log.getLast()).endsWith("Daemon: stopped; 1 running session(s) hung up");
        assertThat(Files.readString(cli.dir().resolve("logs").resolve("daemon.out")))
                .as("nothing failed to be logged").doesNotContain("ErrorManager").doesNotContain("Exception");

        cli.ok("agent", "start");
        assertThat(cli.listed("at-stop")).as("sessions end with their daemon").isEmpty();
    }

    @Test
    void aSecondDaemonOnTheSameHomeIsRefused() {
        long pid = cli.startAgent();

        Result second = cli.run("agent", "run");
        assertThat(second.exitCode()).as(second.toString()).isNotZero();
        assertThat(second.stderr()).contains("already running").contains(cli.dir().toString())
                .contains("pid " + pid);

        // The first daemon is unharmed and still serves its socket.
        assertThat(cli.agentPid()).isEqualTo(pid);
        assertThat(cli.socket()).exists();
        cli.ok("session", "create", "--name", "still-served");
        assertThat(cli.ok("session", "run", "still-served", "echo fine").stdout()).isEqualTo("fine\n");
    }

    @Test
    void anInvalidConfigIsRefusedNamingFileLineAndKey() {
        Path config = cli.dir().resolve("config.yaml");
        cli.writeConfig("""
                session:
                  grace: soon
                  colour: blue
                """);
        Result badValue = cli.run("agent", "start");
        assertThat(badValue.exitCode()).as(badValue.toString()).isNotZero();
        assertThat(badValue.stderr()).contains(config + ":2:").contains("session.grace").contains("soon");
        assertThat(cli.socket()).doesNotExist();
        assertThat(cli.run("agent", "status").stdout()).contains("not running");

        // The unknown key is reported too, once the value before it is fixed.
        cli.writeConfig("""
                session:
                  grace: 5s
                  colour: blue
                """);
        Result unknownKey = cli.run("agent", "start");
        assertThat(unknownKey.exitCode()).as(unknownKey.toString()).isNotZero();
        assertThat(unknownKey.stderr()).contains(config + ":3:").contains("session.colour").contains("unknown key");
        assertThat(cli.socket()).doesNotExist();

        cli.writeConfig("""
                session:
                  grace: 5s
                """);
        cli.startAgent();
    }

    @Test
    void theTrainingRecordsACacheFromWhichTheCliLoadsItsClasses() throws IOException {
        Path cache = cli.dir().resolveSibling("cmdop.aot");
        Result training = cli.runWithJvmOptions(List.of("-XX:AOTCacheOutput=" + cache), "aot-training");
        assertThat(training.exitCode()).as(training.toString()).isZero();
        assertThat(training.stdout()).as("the attach it trains on detached cleanly").contains("[cmdop] detached from training");
        assertThat(cli.socket()).as("its daemon is gone with it").doesNotExist();
        assertThat(cache).isRegularFile();

        Result status = cli.runWithJvmOptions(List.of("-XX:AOTCache=" + cache, "-Xlog:class+load=info:stdout"),
                "agent", "status");
        assertThat(status.stdout()).contains("not running");
        for (String trained : List.of("io.cmdop.cli.Main", "io.cmdop.cli.AgentCommand$Status",
                "io.cmdop.cli.InteractiveAttach", "io.cmdop.client.CmdopClient")) {
            assertThat(status.stdout()).contains(" " + trained + " source: shared objects file");
        }
        long loaded = status.stdout().lines().filter(l -> l.contains("source: ")).count();
        long cached = status.stdout().lines().filter(l -> l.contains("source: shared objects file")).count();
        assertThat(cached).as("classes from the cache, of %d loaded", loaded).isGreaterThan(loaded * 9 / 10);
    }

    @Test
    void theAotTrainingRefusesAHomeInUse() throws IOException {
        cli.writeConfig("detach_key: ctrl-b\n");
        Result r = cli.run("aot-training");
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_ERROR);
        assertThat(r.stderr()).contains("CMDOP_HOME must name an empty directory").contains(cli.dir().toString());
        assertThat(cli.socket()).doesNotExist();
        try (var left = Files.list(cli.dir())) {
            assertThat(left).as("the home is left as it was").hasSize(1);
        }
    }
}

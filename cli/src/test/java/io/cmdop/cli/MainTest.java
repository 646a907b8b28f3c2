package io.cmdop.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line as a whole: help and mistakes see every command, though a named one is built alone. */
class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream savedOut;
    private PrintStream savedErr;

    @BeforeEach
    void capture() {
        savedOut = System.out;
        savedErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(savedOut);
        System.setErr(savedErr);
    }

    @Test
    void helpListsEveryCommandButTheHiddenOne() {
        assertThat(Main.run("--help")).isZero();
        String usage = out.toString(StandardCharsets.UTF_8);
        for (Class<?> command : Main.COMMANDS) {
            Command c = command.getAnnotation(Command.class);
            if (c.hidden()) {
                assertThat(usage).doesNotContain(c.name());
            } else {
                assertThat(usage).contains("  " + c.name() + " ");
            }
        }
    }

    @Test
    void helpForACommandAndACommandsOwnHelpShowItsSubcommands() {
        assertThat(Main.run("help", "session")).as("%s", err).isZero();
        assertThat(Main.run("session", "--help")).as("%s", err).isZero();
        assertThat(Main.run("session", "attach", "-h")).as("%s", err).isZero();
        String usage = out.toString(StandardCharsets.UTF_8);
        assertThat(usage.split("Usage: cmdop session \\[", -1)).hasSize(3);
        assertThat(usage).contains("attach").contains("destroy").contains("Usage: cmdop session attach");
    }

    @Test
    void aMistypedCommandIsAUsageErrorThatSuggestsTheRightOne() {
        assertThat(Main.run("sesion", "list")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("'sesion'").contains("session");
    }

    @Test
    void aMistypedSubcommandIsAUsageErrorThatSuggestsTheRightOne() {
        assertThat(Main.run("session", "lst")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("'lst'").contains("list");
        assertThat(Main.run("fleet", "craete", "x")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("'craete'").contains("create");
    }
}

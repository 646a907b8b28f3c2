package io.cmdop.cli;

import io.cmdop.cli.CliHome.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * `cmdop session attach` in a real terminal (a tmux pane with a shell): what the user sees, what
 * their keys do, and the state their terminal is left in. One daemon for the class; every test has
 * its own session names and its own terminal.
 */
@Timeout(120)
class InteractiveAttachIT {
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
    void attachShowsTheScreenTakesKeysDetachesAndRestoresTheTerminal() {
        cli.ok("session", "create", "--name", "build");
        cli.ok("session", "send", "build", "--enter", "echo before-attach-$((3*3))");
        cli.awaitScreen("build", "before-attach-9");

        terminal = RealTerminal.open(cli);
        terminal.typeLine("cmdop session attach build");
        // At once: what was typed earlier, and a status line naming the session and the mode.
        String attached = terminal.await("the session's screen and the status line",
                s -> s.contains("before-attach-9") && s.contains("cmdop: build as operator"));
        assertThat(attached).contains("ctrl-] detaches");

        terminal.typeLine("echo typed-$((1+1))");
        terminal.await("typed-2 on its own line", s -> s.lines().anyMatch("typed-2"::equals));
        assertThat(cli.awaitScreen("build", "typed-2").lines()).contains("typed-2");

        terminal.press("C-]");
        terminal.awaitText("[cmdop] detached from build");
        assertTerminalRestored();
        // A detach is a clean leave, not a dropped connection kept for its grace window.
        CliHome.Await.until("build to have nobody attached after the detach",
                () -> cli.listed("build").orElseThrow().path("attached").isEmpty() ? true : null);

        // The session lives on without us; reattaching shows it again.
        terminal.typeLine("clear; cmdop session attach build");
        terminal.await("the screen again after reattach",
                s -> s.contains("before-attach-9") && s.lines().anyMatch("typed-2"::equals)
                        && s.contains("cmdop: build as operator"));
        terminal.press("C-]");
        terminal.awaitText("[cmdop] detached from build");
    }

    /**
     * The attach reads its keyboard on the client's event loop, which sends each key on (no thread
     * hand-off per key); a thread of its own is only for a keyboard the loop cannot watch. Both
     * type correctly, so the threads of the running CLI are what tells them apart.
     */
    @Test
    void keysAreReadByTheClientsEventLoopNotByAThreadOfTheirOwn() throws IOException {
        cli.ok("session", "create", "--name", "keys-on-loop");
        terminal = RealTerminal.open(cli);
        terminal.typeLine("cmdop session attach keys-on-loop");
        terminal.await("the status line", s -> s.contains("cmdop: keys-on-loop as operator"));
        terminal.typeLine("echo loop-$((4+4))");
        terminal.await("loop-8 on its own line", s -> s.lines().anyMatch("loop-8"::equals));

        ProcessHandle attach = ProcessHandle.allProcesses()
                .filter(p -> String.join(" ", p.info().arguments().orElse(new String[0]))
                        .endsWith("session attach keys-on-loop"))
                .findFirst().orElseThrow(() -> new AssertionError("no running `session attach keys-on-loop`"));
        List<String> threads = new java.util.ArrayList<>();
        try (var tasks = Files.list(Path.of("/proc", String.valueOf(attach.pid()), "task"))) {
            for (Path task : tasks.toList()) {
                threads.add(Files.readString(task.resolve("comm")).strip()); // a thread's name, cut to 15 bytes
            }
        }
        assertThat(threads).as("the CLI's threads").contains("cmdop-client-io").doesNotContain("cmdop-keys");

        terminal.press("C-]");
        terminal.awaitText("[cmdop] detached from keys-on-loop");
    }

    @Test
    void anObserverSeesButItsKeysNeverReachTheSession() {
        cli.ok("session", "create", "--name", "watch-only");
        cli.ok("session", "send", "watch-only", "--enter", "echo observed-$((4*4))");
        cli.awaitScreen("watch-only", "observed-16");

        terminal = RealTerminal.open(cli);
        terminal.typeLine("cmdop session attach --observer watch-only");
        terminal.await("the screen and an observer status line",
                s -> s.contains("observed-16") && s.contains("cmdop: watch-only as observer"));

        terminal.typeLine("echo sneaky-$((9*9))");
        terminal.awaitText("observer mode: your keystrokes are not sent");

        // An operator's input after ours is applied and shown to the observer; ours never was.
        cli.ok("session", "send", "watch-only", "--enter", "echo operator-$((5*5))");
        String screen = cli.awaitScreen("watch-only", "operator-25");
        assertThat(screen).doesNotContain("sneaky");
        terminal.await("live output reaching the observer", s -> s.lines().anyMatch("operator-25"::equals));
        assertThat(terminal.screen()).doesNotContain("sneaky-81");

        terminal.press("C-]");
        terminal.awaitText("[cmdop] detached from watch-only");
        assertThat(cli.ok("session", "screen", "watch-only").stdout()).doesNotContain("sneaky");
    }

    /** Each attached terminal hears who joins and who leaves, not only who was there when it attached. */
    @Test
    void theStatusLineSaysWhoJoinsAndWhoLeaves() {
        cli.ok("session", "create", "--name", "pair");
        String me = System.getProperty("user.name");
        terminal = RealTerminal.open(cli);
        terminal.typeLine("cmdop session attach pair");
        terminal.await("the first client's status line", s -> s.contains("cmdop: pair as operator, nobody else here"));

        try (RealTerminal second = RealTerminal.open(cli)) {
            second.typeLine("cmdop session attach --observer pair");
            second.await("the second client's status line naming the first",
                    s -> s.contains("cmdop: pair as observer, also here: " + me + " (cli, operator)"));
            terminal.await("the first client told of the second",
                    s -> s.contains("cmdop: " + me + " (cli, observer) joined pair, 1 other here"));

            second.press("C-]");
            second.awaitText("[cmdop] detached from pair");
            terminal.await("the first client told the second left",
                    s -> s.contains("cmdop: " + me + " (cli, observer) left pair (detached), nobody else here"));
        }
        terminal.press("C-]");
        terminal.awaitText("[cmdop] detached from pair");
    }

    /**
     * A session larger than the terminal, drawn as a full-screen program draws: a marker at both ends
     * of every row, the cursor left in the bottom-right corner. The terminal shows the part around the
     * cursor, every row where it belongs, none wrapped onto the next (which is what the program's bytes
     * would do in it).
     */
    @Test
    void aTerminalSmallerThanTheSessionShowsThePartAroundTheCursor() {
        int cols = RealTerminal.COLS + 20;
        int rows = RealTerminal.ROWS + 10;
        cli.ok("session", "create", "--name", "wide", "--cols", String.valueOf(cols), "--rows", String.valueOf(rows),
                "--", "sh", "-c", "printf '\\033[2J'; y=1; while [ $y -le " + rows + " ]; do "
                        + "printf '\\033[%d;1Hleft%02d\\033[%d;" + (cols - 6) + "Hright%02d' $y $y $y $y; y=$((y+1)); done; "
                        + "printf '\\033[" + rows + ";" + cols + "H'; read x");
        cli.awaitScreen("wide", "right" + rows);

        terminal = RealTerminal.open(cli);
        terminal.typeLine("cmdop session attach --observer wide");
        terminal.awaitText("cmdop: wide as observer (session " + cols + "x" + rows + ", terminal "
                + RealTerminal.COLS + "x" + RealTerminal.ROWS + ": showing the part around the cursor)");
        assertShowsTheRightEdgeOfTheLastRows();
        // Grown to fit the session, the terminal shows all of it, each row whole.
        terminal.resize(cols + 5, rows + 2);
        String whole = terminal.await("the whole session once the terminal fits", s -> s.lines()
                .anyMatch(("left01" + " ".repeat(cols - 13) + "right01")::equals));
        assertThat(whole.lines()).contains("left" + rows + " ".repeat(cols - 13) + "right" + rows);
        // Shrunk again, the attach (which kept no copy of the screen while it fitted) asks for the
        // session's screen and shows the same part from it.
        terminal.resize(RealTerminal.COLS, RealTerminal.ROWS);
        terminal.await("the part around the cursor again", s -> s.lines().findFirst()
                .filter((" ".repeat(RealTerminal.COLS - 7) + "right11")::equals).isPresent());
        assertShowsTheRightEdgeOfTheLastRows();
        terminal.press("C-]");
        terminal.awaitText("[cmdop] detached from wide");

        // An operator's attach gives the session its size (policy `latest`): the whole screen shows.
        terminal.typeLine("clear; cmdop session attach wide");
        String status = terminal.await("the operator's status line", s -> s.contains("cmdop: wide as operator"));
        assertThat(status).doesNotContain("showing the part");
        assertThat(cli.listed("wide").orElseThrow().path("size").path("cols").asInt()).isEqualTo(RealTerminal.COLS);
        terminal.press("C-]");
        terminal.awaitText("[cmdop] detached from wide");
    }

    /** The status line covers the bottom row; every row above it shows the session's row 10 further down. */
    private void assertShowsTheRightEdgeOfTheLastRows() {
        List<String> shown = terminal.rows();
        for (int y = 0; y < RealTerminal.ROWS - 1; y++) {
            String expected = " ".repeat(RealTerminal.COLS - 7) + "right%02d".formatted(y + 11);
            assertThat(shown.get(y)).as("row %d of %s", y, shown).isEqualTo(expected);
        }
    }

    @Test
    void whenTheSessionsProgramExitsTheClientSaysSoAndReturnsToTheShell() {
        cli.ok("session", "create", "--name", "short", "--", "sh", "-c", "read x; echo bye $x");

        terminal = RealTerminal.open(cli);
        terminal.typeLine("cmdop session attach short");
        terminal.awaitText("cmdop: short as operator");
        terminal.typeLine("now");
        String ended = terminal.awaitText("[cmdop] session short ended (exit code 0)");
        assertThat(ended.lines()).contains("bye now");

        assertTerminalRestored();
    }

    @Test
    void aPasteArrivesWholeInAFewInputsNotOneAKeystroke() throws IOException {
        int size = 100_000;
        StringBuilder text = new StringBuilder();
        for (int line = 0; text.length() < size; line++) {
            text.append("%05d pasted into the session, byte for byte\n".formatted(line));
        }
        String pasted = text.substring(0, size);
        Path received = cli.userHome().resolve("pasted.txt");
        cli.ok("session", "create", "--name", "paste", "--", "sh", "-c",
                "stty raw -echo; head -c " + size + " > \"$0\"; stty sane; echo all-pasted", received.toString());
        CliHome.Live watcher = cli.spawn("session", "watch", "paste");
        watcher.awaitLine("the watcher's attach", 0, l -> CliHome.has(l, "type", "attached"));

        terminal = RealTerminal.open(cli);
        terminal.typeLine("cmdop session attach paste");
        terminal.awaitText("cmdop: paste as operator");
        terminal.paste(pasted);
        terminal.awaitText("[cmdop] session paste ended (exit code 0)");

        assertThat(Files.readString(received)).as("what the program read").isEqualTo(pasted);
        watcher.awaitLine("the session's exit", 0, l -> CliHome.has(l, "type", "exited"));
        long inputs = watcher.lines().stream().filter(l -> CliHome.has(l, "type", "input")).count();
        assertThat(inputs).as("input events for a paste of %d bytes", size).isBetween(1L, size / 100L); // one a byte before: 100,000
    }

    @Test
    void whenTheDaemonDiesTheClientSaysSoAndTheDetachKeyStillGetsTheUserOut() {
        try (CliHome own = CliHome.create()) {
            long daemon = own.startAgent();
            own.ok("session", "create", "--name", "doomed");
            terminal = RealTerminal.open(own);
            terminal.typeLine("cmdop session attach doomed");
            terminal.awaitText("cmdop: doomed as operator");

            own.killDaemon(daemon);
            terminal.awaitText("connection lost, reconnecting: keys are not sent meanwhile");
            terminal.press("C-]");
            terminal.awaitText("[cmdop] detached from doomed");
            assertTerminalRestored();
        }
    }

    @Test
    void attachWithoutATerminalIsAClearError() {
        cli.ok("session", "create", "--name", "no-tty");
        for (String[] command : new String[][] {{"session", "attach", "no-tty"}, {"connect"}}) {
            Result r = cli.run(command);
            assertThat(r.exitCode()).as(r.toString()).isNotZero();
            assertThat(r.stderr()).as(r.toString()).contains("needs a terminal");
        }
        assertThat(cli.listed("no-tty").orElseThrow().path("attached")).isEmpty();
    }

    /**
     * The pane's shell works as before cmdop ran: a line read by the shell's plain `read` (no
     * readline) is echoed as typed and ends at Enter — neither holds if cmdop left the tty raw.
     */
    private void assertTerminalRestored() {
        String back = terminal.await("the shell's prompt after cmdop's last word", s -> s.lines()
                .dropWhile(l -> !l.startsWith("[cmdop]")).anyMatch(RealTerminal.PROMPT.trim()::equals));
        assertThat(back).as("cmdop's status line is gone with it").doesNotContain("ctrl-] detaches");
        terminal.typeLine("read line; echo \"got-$line\"");
        terminal.typeLine("plain-typing");
        String after = terminal.await("the shell reading a line", s -> s.lines().anyMatch("got-plain-typing"::equals));
        assertThat(after.lines()).as("the typed line is echoed").contains("plain-typing");
        terminal.typeLine("echo ok-$((2+3))");
        String ok = terminal.await("echo ok", s -> s.lines().anyMatch("ok-5"::equals));
        assertThat(ok).contains(RealTerminal.PROMPT + "echo ok-$((2+3))");
    }
}

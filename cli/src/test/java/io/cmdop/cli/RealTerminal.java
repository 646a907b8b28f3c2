package io.cmdop.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * A real terminal for interactive commands: a 100x30 tmux pane running an interactive bash (prompt
 * {@value #PROMPT}) whose {@code cmdop} is the jar under test and whose {@code CMDOP_HOME} is the
 * given home. It runs on its own tmux server ({@code tmux -L cmdop-it-RANDOM -f /dev/null}), which
 * {@link #close} kills — no other tmux server is ever touched.
 */
final class RealTerminal implements AutoCloseable {
    static final int COLS = 100;
    static final int ROWS = 30;
    static final String PROMPT = "pane$ ";

    private final String server;
    private final Path userHome;

    private RealTerminal(String server, Path userHome) {
        this.server = server;
        this.userHome = userHome;
    }

    /** A new pane with a shell at its prompt. */
    static RealTerminal open(CliHome cli) {
        String server = "cmdop-it-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        // The shell's settings live in its rc file: tmux gives a pane the PATH of the `tmux` command, and
        // the `sh -c` tmux starts a pane with drops PS1 from the environment.
        Path rc = cli.launcher().resolveSibling("pane.bashrc");
        try {
            Files.writeString(rc, "PS1=" + CliHome.shellQuote(PROMPT) + "\n"
                    + "export CMDOP_HOME=" + CliHome.shellQuote(cli.dir().toString()) + "\n"
                    + "export PATH=" + CliHome.shellQuote(cli.launcher().getParent().toString()) + ":\"$PATH\"\n"
                    + "unset PROMPT_COMMAND\nHISTFILE=/dev/null\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RealTerminal t = new RealTerminal(server, cli.userHome());
        t.tmux("new-session", "-d", "-s", "it", "-x", String.valueOf(COLS), "-y", String.valueOf(ROWS),
                "-c", cli.launcher().getParent().getParent().toString(),
                "bash --noprofile --rcfile " + CliHome.shellQuote(rc.toString()));
        try {
            t.awaitText(PROMPT.trim());
        } catch (AssertionError | RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }

    /** Types {@code text} literally, then Enter. */
    void typeLine(String text) {
        type(text);
        press("Enter");
    }

    /** Types {@code text} literally (no key names). */
    void type(String text) {
        tmux("send-keys", "-t", "it", "-l", text);
    }

    /** Pastes {@code text} as one burst, byte for byte, as a terminal does with the clipboard. */
    void paste(String text) {
        try {
            Path buffer = Files.createTempFile(userHome, "paste", ".txt");
            Files.writeString(buffer, text);
            tmux("load-buffer", "-b", "it", buffer.toString());
            tmux("paste-buffer", "-r", "-d", "-b", "it", "-t", "it");
            Files.delete(buffer);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Presses keys by tmux name: {@code Enter}, {@code C-]}, ... */
    void press(String... keys) {
        List<String> args = new ArrayList<>(List.of("send-keys", "-t", "it"));
        args.addAll(List.of(keys));
        tmux(args.toArray(String[]::new));
    }

    /** Resizes the terminal, as a user dragging its window does (the program in it gets SIGWINCH). */
    void resize(int cols, int rows) {
        tmux("resize-window", "-t", "it", "-x", String.valueOf(cols), "-y", String.valueOf(rows));
    }

    /** What the pane shows now, one line per row (trailing blanks trimmed by tmux). */
    String screen() {
        return tmux("capture-pane", "-p", "-t", "it");
    }

    /** The pane's rows as a list. */
    List<String> rows() {
        return screen().lines().toList();
    }

    /** Waits until the pane shows {@code text}; returns the screen. */
    String awaitText(String text) {
        return await("'" + text + "'", s -> s.contains(text));
    }

    /** Waits until the pane's screen satisfies {@code test}; returns that screen. */
    String await(String what, Predicate<String> test) {
        AtomicReference<String> last = new AtomicReference<>("");
        return CliHome.Await.until("the terminal to show " + what, () -> {
            String s = screen();
            last.set(s);
            return test.test(s) ? s : null;
        }, last::get);
    }

    /** Kills this test's tmux server (and with it the shell and whatever cmdop runs in it). */
    @Override
    public void close() {
        try {
            tmux("kill-server");
        } catch (AssertionError | RuntimeException e) {
            // already gone (its last shell exited)
        }
    }

    private String tmux(String... args) {
        List<String> command = new ArrayList<>(List.of("tmux", "-L", server, "-f", "/dev/null"));
        command.addAll(List.of(args));
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().remove("TMUX"); // even when the build itself runs inside tmux
            pb.environment().put("HOME", userHome.toString());
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("tmux " + String.join(" ", args) + " hung");
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new AssertionError("tmux " + String.join(" ", args) + " failed (" + p.exitValue() + "): " + text);
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}

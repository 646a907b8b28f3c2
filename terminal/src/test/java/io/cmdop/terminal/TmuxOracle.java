package io.cmdop.terminal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A private tmux server used as the reference terminal: it shows given bytes in a pane of a given size and
 * reads back what tmux made of them. It runs on its own socket ({@code tmux -L}), never touches other
 * servers, and is killed by {@link #close()}.
 */
final class TmuxOracle implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final long TIMEOUT_MILLIS = 20_000;
    /** Everything read back besides the cells; the title goes last because it may contain spaces. */
    private static final String STATE_FORMAT = "#{cursor_x} #{cursor_y} #{cursor_flag} #{alternate_on}"
            + " #{insert_flag} #{keypad_cursor_flag} #{keypad_flag} #{mouse_standard_flag} #{mouse_button_flag}"
            + " #{mouse_all_flag} #{mouse_sgr_flag} #{mouse_utf8_flag} #{origin_flag} #{wrap_flag}"
            + " #{scroll_region_upper} #{scroll_region_lower} #{history_size} #{pane_title}";

    private final String socket = "cmdop-oracle-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
    private final Path dir;
    private int panes;

    TmuxOracle() {
        try {
            dir = Files.createTempDirectory("cmdop-tmux-oracle");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // An idle session keeps the server alive between renders: a server whose last session ends exits,
        // and a render starting at that moment would find it gone.
        tmux("new-session", "-d", "-s", "keepalive", "exec sleep 3600");
    }

    /** What tmux shows after the bytes were written to a fresh pane of {@code cols} x {@code rows}. */
    TmuxScreen render(int cols, int rows, byte[] bytes) {
        return render(cols, rows, bytes, cols, rows);
    }

    /** Like {@link #render(int, int, byte[])}, then the window is resized to {@code newCols} x {@code newRows}. */
    TmuxScreen render(int cols, int rows, byte[] bytes, int newCols, int newRows) {
        String session = "p" + (++panes);
        String marker = "done-" + session + "-" + System.nanoTime();
        Path file = dir.resolve(session + ".bin");
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Raw mode: the bytes must reach tmux unchanged (no LF -> CRLF) and tmux's answers must not echo.
        // The OSC 7 marker after the data changes only tmux's pane_path: seeing it means all bytes before
        // it went through tmux's parser, since a pane's output is processed in order.
        String command = "stty raw -echo; cat '" + file + "'; printf '\\033]7;file://oracle/" + marker
                + "\\033\\\\'; exec sleep 3600";
        tmux("new-session", "-d", "-s", session, "-x", Integer.toString(cols), "-y", Integer.toString(rows), command);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
        while (!tmux("display-message", "-p", "-t", session, "#{pane_path}").strip().endsWith(marker)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("tmux did not finish showing " + bytes.length + " bytes within "
                        + TIMEOUT_MILLIS + " ms");
            }
            Thread.onSpinWait();
        }
        if (newCols != cols || newRows != rows) {
            tmux("resize-window", "-t", session, "-x", Integer.toString(newCols), "-y", Integer.toString(newRows));
        }
        String state = tmux("display-message", "-p", "-t", session, STATE_FORMAT);
        String[] fields = state.strip().split(" ", 18);
        String history = fields[16].equals("0") ? "" : tmux("capture-pane", "-p", "-S", "-", "-E", "-1", "-t", session);
        String cells = tmux("capture-pane", "-p", "-e", "-N", "-t", session);
        String normal = null;
        if (fields[3].equals("1")) {
            normal = tmux("capture-pane", "-p", "-e", "-N", "-a", "-t", session);
        }
        tmux("kill-session", "-t", session);
        return TmuxScreen.parse(newCols, newRows, fields, cells, normal, history);
    }

    private String tmux(String... args) {
        List<String> command = new ArrayList<>(List.of("tmux", "-L", socket, "-f", "/dev/null"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("LC_ALL", "C.UTF-8");
        builder.environment().remove("TMUX");
        try {
            Process process = builder.start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("tmux " + args[0] + " did not finish");
            }
            String text = new String(output, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new AssertionError("tmux " + String.join(" ", args) + " failed: " + text);
            }
            return text;
        } catch (IOException e) {
            throw new AssertionError("tmux is needed as the reference terminal; is it installed?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Kills this oracle's server (and only it) and removes its socket and files. */
    @Override
    public void close() {
        try {
            Path socketPath = Path.of(tmux("display-message", "-p", "-t", "keepalive", "#{socket_path}").strip());
            tmux("kill-server");
            Files.deleteIfExists(socketPath); // tmux leaves the socket file behind
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

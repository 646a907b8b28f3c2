package io.cmdop.cli;

import sun.misc.Signal;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;

/**
 * The process's own terminal (stdin and stdout a tty), set through {@code stty}. One short process
 * does what a terminal library does through native calls, and takes a tenth of the time: JLine's
 * foreign-function terminal spent ~110 ms of every attach's start generating its native bindings.
 */
final class Tty implements UserTerminal {
    private final OutputStream out = new FileOutputStream(FileDescriptor.out);
    /** Unbuffered: up to 4 KiB a read, so a paste leaves as a few input frames, not one per byte. */
    private final InputStream in = new FileInputStream(FileDescriptor.in);
    private final String saved;
    private volatile int cols;
    private volatile int rows;

    private Tty(String saved, int cols, int rows) {
        this.saved = saved;
        this.cols = cols;
        this.rows = rows;
    }

    /** The terminal as it is now; nothing changed yet. */
    static Tty open() {
        List<String> lines = stty("stty -g; stty size");
        if (lines.size() < 2) {
            throw new UserException("cannot read the terminal's settings (stty printed " + lines + ")");
        }
        int[] size = parseSize(lines.get(1));
        return new Tty(lines.getFirst(), size[0], size[1]);
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public OutputStream output() {
        return out;
    }

    @Override
    public InputStream input() {
        return in;
    }

    @Override
    public OptionalInt inputDescriptor() {
        return OptionalInt.of(0);
    }

    @Override
    public void enterRawMode() {
        stty("stty raw -echo -echonl -iexten");
    }

    @Override
    public void restore() {
        stty("stty " + saved);
    }

    /**
     * Each signal is handled on a thread of its own: one at a time, each reading the size anew, so
     * that the last size set is the terminal's last size. A resize since {@link #open} counts too.
     */
    @Override
    public void onResize(Runnable listener) {
        Signal.handle(new Signal("WINCH"), signal -> resized(listener));
        resized(listener);
    }

    private synchronized void resized(Runnable listener) {
        int[] size;
        try {
            size = parseSize(stty("stty size").stream().findFirst().orElse(""));
        } catch (RuntimeException e) {
            return; // the terminal is going away (or stty failed): the last size stands, nothing on the screen
        }
        if (size[0] != cols || size[1] != rows) {
            cols = size[0];
            rows = size[1];
            listener.run();
        }
    }

    /** "rows cols" as stty prints them; 0 for a terminal that does not know its size. */
    private static int[] parseSize(String line) {
        String[] parts = line.trim().split("\\s+");
        try {
            return new int[] {Integer.parseInt(parts[1]), Integer.parseInt(parts[0])};
        } catch (RuntimeException e) {
            throw new UserException("cannot read the terminal's size (stty printed '" + line + "')");
        }
    }

    /** Runs {@code script} with the terminal as its stdin; returns what it printed. */
    private static List<String> stty(String script) {
        try {
            Process p = new ProcessBuilder("/bin/sh", "-c", script)
                    .redirectInput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int exit = p.waitFor();
            if (exit != 0) {
                throw new UserException("`" + script + "` failed with exit code " + exit);
            }
            return printed.lines().toList();
        } catch (IOException e) {
            throw new UserException("cannot set the terminal: running /bin/sh for stty failed (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserException("interrupted while setting the terminal");
        }
    }
}

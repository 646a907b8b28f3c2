package io.cmdop.terminal;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * A headless xterm-compatible terminal: bytes a program wrote go in, the screen a user would see comes out.
 * Pure and single-threaded: no I/O, no threads, no locks; callers serialize access. Behaviour follows tmux,
 * which serves as the oracle in the tests, so a client joining late sees what tmux would show.
 */
public final class VirtualTerminal {
    private final int scrollbackLines;
    private Screen screen;
    private Parser parser;
    private Consumer<byte[]> replies = reply -> { };
    private Consumer<ShellMark> marks = mark -> { };
    private Consumer<RuntimeException> faults = fault -> { };

    /**
     * @param scrollbackLines how many lines that scrolled off the normal screen are kept (0 for none)
     */
    public VirtualTerminal(int cols, int rows, int scrollbackLines) {
        checkSize(cols, rows);
        if (scrollbackLines < 0) {
            throw new IllegalArgumentException("scrollbackLines must not be negative: " + scrollbackLines);
        }
        this.scrollbackLines = scrollbackLines;
        startBlank(cols, rows);
    }

    private void startBlank(int cols, int rows) {
        screen = new Screen(cols, rows, scrollbackLines);
        parser = new Parser(screen);
        parser.onReply(replies);
        parser.onShellMark(marks);
    }

    private static void checkSize(int cols, int rows) {
        if (cols < 1 || rows < 1 || cols > 10_000 || rows > 10_000) {
            throw new IllegalArgumentException("terminal size out of range: " + cols + "x" + rows);
        }
    }

    /**
     * Processes output of the program: UTF-8 text and control sequences, possibly cut anywhere.
     * Never fails on what a program writes: should the model itself fail (a bug of ours), it starts
     * over blank at the same size, tells {@link #onFault}, and reads the rest of the data, from the
     * byte (or run of text) it failed on, into the fresh model: the session's output goes on, and a
     * shell mark in it still counts. A second fault within one call drops the rest of that call's data.
     */
    public void feed(byte[] data, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, data.length);
        int end = offset + length;
        int from = offset;
        for (int attempt = 0; attempt < 2 && from < end; attempt++) {
            try {
                parser.feed(data, from, end - from, offset);
                return;
            } catch (RuntimeException e) {
                // Never back before where this attempt began, never past the end.
                from = Math.max(from, Math.min(parser.position(), end));
                startBlank(screen.cols, screen.rows);
                faults.accept(e);
            }
        }
    }

    /** Changes the size as xterm does: content is kept (not reflowed) and the cursor stays on screen. */
    public void resize(int cols, int rows) {
        checkSize(cols, rows);
        screen.resize(cols, rows);
    }

    public int cols() {
        return screen.cols;
    }

    public int rows() {
        return screen.rows;
    }

    /** The live state, for a {@link Viewport} drawing it. */
    Screen screen() {
        return screen;
    }

    /** An immutable copy of the current state, independent of later output. */
    public ScreenSnapshot snapshot() {
        return snapshot(Integer.MAX_VALUE);
    }

    /** As {@link #snapshot()}, with only the latest {@code scrollbackLines} lines of scrollback: cheaper to take. */
    public ScreenSnapshot snapshot(int scrollbackLines) {
        return new ScreenSnapshot(screen, Math.max(0, scrollbackLines));
    }

    /**
     * Receives the answers to device status (ESC[5n, ESC[6n) and device attributes (ESC[c, ESC[>c)
     * queries, which must be written back to the program's PTY. Called synchronously from {@link #feed}.
     */
    public void onReply(Consumer<byte[]> replies) {
        this.replies = Objects.requireNonNull(replies, "replies");
        parser.onReply(replies);
    }

    /**
     * Receives the shell-integration marks (OSC 133) in the output, in stream order, each when its
     * terminator is fed. Called synchronously from {@link #feed}.
     */
    public void onShellMark(Consumer<ShellMark> marks) {
        this.marks = Objects.requireNonNull(marks, "marks");
        parser.onShellMark(marks);
    }

    /** Receives the faults {@link #feed} recovered from: each one is a bug to report. */
    public void onFault(Consumer<RuntimeException> faults) {
        this.faults = Objects.requireNonNull(faults, "faults");
    }
}

package io.cmdop.terminal;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * A headless xterm-compatible terminal: bytes a program wrote go in, the screen a user would see comes out.
 * Pure and single-threaded: no I/O, no threads, no locks; callers serialize access. Behaviour follows tmux,
 * which serves as the oracle in the tests, so a client joining late sees what tmux would show.
 */
public final class VirtualTerminal {
    private static final byte LINE_FEED = '\n';
    private static final byte CARRIAGE_RETURN = '\r';
    private static final byte ESC = 0x1B;

    private final int scrollbackLines;
    private final HeldOutput held = new HeldOutput(this::parsePlain);
    /** Bytes read for the cursor and the pen only, for the tests. */
    private long stateOnlyBytes;
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
     * <p>
     * Streaming plain output (text and colours, no other sequence: {@link PlainOutput}) is held
     * back ({@link HeldOutput}): copied aside, up to 1 MiB, and parsed when that is full, when other
     * output comes, or when the screen is read or resized; nothing can tell the difference. Parsed
     * in one go, the part of it whose lines scroll out of the scrollback before its end is read for
     * the cursor and the pen only: a stream of logs costs a fraction of writing every cell of lines
     * nobody will see. While the screen is read too often for held output to grow that long, output
     * is parsed as it comes.
     */
    public void feed(byte[] data, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, data.length);
        int end = offset + length;
        if (!held.take(data, offset, end, parser.atGround() && screen.scrollsIntoScrollback())) {
            held.release();
            parse(data, offset, end);
        }
    }

    /**
     * Parses plain output, which moves the cursor only forward and down. On the normal screen scrolled
     * whole, up to its last {@code rows + scrollbackLines} line feeds it changes no cell that will be
     * left after them: if it scrolled before them, the cursor is at the bottom, every one of them
     * scrolls, and every line there was goes out of the scrollback; if not, it wrote only on the rows
     * down to the cursor's, and those go. So that part is read for the cursor and the pen only, and
     * most of it not at all ({@link #stateFrom}).
     */
    private boolean parsePlain(byte[] data, int offset, int end) {
        int kept = offset;
        if (screen.scrollsIntoScrollback()) {
            int lineFeeds = screen.rows + scrollbackLines;
            kept = Math.max(offset, ByteSearch.nthLastIndexOf(data, offset, end, LINE_FEED, lineFeeds));
        }
        if (kept > offset) {
            stateOnlyBytes += kept - offset;
            int from = stateFrom(data, offset, kept);
            if (from > offset) {
                screen.cy = screen.rows - 1;
                parser.skip(from - offset);
            }
            screen.discarding = true;
            try {
                parse(data, Math.max(offset, from), kept);
            } finally {
                screen.discarding = false;
            }
        }
        parse(data, kept, end);
        return kept > offset;
    }

    /**
     * Where reading plain output {@code data[offset, kept)} for the cursor and the pen may start, or
     * -1 if at its start: its last carriage return or its last SGR reset, whichever comes first, if at
     * least {@code rows} line feeds come before it. From there on the column and the pen are what
     * that output makes them, whatever they were; before it, the line feeds took the cursor to the
     * bottom row, where plain output leaves it; and nothing else of the state can change.
     */
    private int stateFrom(byte[] data, int offset, int kept) {
        int carriageReturn = ByteSearch.nthLastIndexOf(data, offset, kept, CARRIAGE_RETURN, 1);
        int reset = kept;
        do {
            reset = ByteSearch.nthLastIndexOf(data, offset, reset, ESC, 1);
        } while (reset >= 0 && !PlainOutput.resetsPen(data, reset, kept));
        int from = Math.min(carriageReturn, reset);
        return from >= 0 && ByteSearch.nthLastIndexOf(data, offset, from, LINE_FEED, screen.rows) >= 0 ? from : -1;
    }

    private void parse(byte[] data, int offset, int end) {
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

    /**
     * Parses the output held back and lets go of the memory set aside for it: for a program whose
     * output went quiet, so that a session idle after streaming does not keep up to 1 MiB of it.
     */
    public void settle() {
        held.release();
    }

    /**
     * Packs the scrollback lines added since the last call to what they hold: a line of a log to about
     * a seventh of its memory. For now and then (once a second, say), not after every line: packed lines
     * cannot be reused for the lines that scroll in after them, unpacked ones are.
     */
    public void packScrollback() {
        screen.scrollback.pack();
    }

    /** Memory set aside for output held back, at most 1 MiB: what {@link #settle} gives back. */
    public int heldBytes() {
        return held.bufferBytes();
    }

    /**
     * About the memory the model holds: the screen's cells, the scrollback's lines, the output held
     * back. Walks the scrollback: for a listing now and then, not for every byte of output.
     */
    public long memoryBytes() {
        return screen.memoryBytes() + held.bufferBytes();
    }

    /** Changes the size as xterm does: content is kept (not reflowed) and the cursor stays on screen. */
    public void resize(int cols, int rows) {
        checkSize(cols, rows);
        held.settleForRead();
        screen.resize(cols, rows);
    }

    public int cols() {
        return screen.cols;
    }

    public int rows() {
        return screen.rows;
    }

    long stateOnlyBytes() {
        return stateOnlyBytes;
    }

    /** The live state, for a {@link Viewport} drawing it. */
    Screen screen() {
        held.settleForRead();
        return screen;
    }

    /** An immutable copy of the current state, independent of later output. */
    public ScreenSnapshot snapshot() {
        return snapshot(Integer.MAX_VALUE);
    }

    /** As {@link #snapshot()}, with only the latest {@code scrollbackLines} lines of scrollback: cheaper to take. */
    public ScreenSnapshot snapshot(int scrollbackLines) {
        held.settleForRead();
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

    /**
     * Receives the faults the model recovered from, in {@link #feed} or while parsing held output
     * before the screen is read or resized: each one is a bug to report.
     */
    public void onFault(Consumer<RuntimeException> faults) {
        this.faults = Objects.requireNonNull(faults, "faults");
    }
}

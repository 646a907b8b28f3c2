package io.cmdop.cli;

import io.cmdop.protocol.v1.Screen;
import io.cmdop.protocol.v1.Size;
import io.cmdop.terminal.Viewport;
import io.cmdop.terminal.CellText;
import io.cmdop.terminal.VirtualTerminal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * What the user's terminal shows of an attached session. While the terminal is at least the
 * session's size it gets the session's output as it comes. While it is smaller it shows the part
 * of the session's screen around the cursor, as tmux does, from a copy of that screen kept here:
 * the session's bytes, drawn for a larger terminal, would wrap and scroll into a garbled screen.
 * The copy is kept only while it is needed (a busy session costs it a third of a core): a
 * terminal that becomes smaller asks for the session's screen in stream order ({@code refresh})
 * and shows the view from it; until it comes, output passes as before. A daemon or relay older
 * than refresh cannot send that screen: then the copy is kept all along.
 *
 * <p>Output that arrives before the first screen waits behind it: the screen comes with the
 * attach's reply and starts with a terminal reset, which would wipe what was written before it.
 * Past {@link #MAX_HELD_BYTES} the stream's thread waits for the screen, as a slow terminal holds
 * a stream back; nothing is lost.
 */
final class SessionDisplay {
    /** Far more than can arrive between the attach's reply and the drawing of its screen. */
    static final int MAX_HELD_BYTES = 4 * 1024 * 1024;
    /** How long a terminal that shrank waits for the session to take its size before showing the view. */
    static final long FOLLOW_NANOS = 500_000_000L;
    private static final byte[] RESET = "\u001bc".getBytes(StandardCharsets.US_ASCII);

    private final Consumer<byte[]> terminal;
    private final Runnable refresh;
    private int cols;
    private int rows;
    private final Viewport viewport;
    private int sessionCols;
    private int sessionRows;
    /** The session's screen while the terminal shows the view of it (or all along, see {@link #keepsCopy}); else null. */
    private VirtualTerminal session;
    /** The terminal is smaller than the session and shows the part of it around the cursor. */
    private boolean viewing;
    /** The session's screen cannot be asked for (an older daemon or relay): the copy is kept all along. */
    private boolean keepsCopy;
    /** A screen was asked for and has not come yet. */
    private boolean refreshing;
    /** What came before the first screen, in order; null once it is drawn or the display closed. */
    private List<Runnable> held = new ArrayList<>();
    private int heldBytes;
    private boolean closed;
    private final LongSupplier clock;
    /**
     * Set while the session is expected to take the terminal's new size (an operator's): switching
     * to the view and back at every step of a window being dragged would redraw everything twice.
     */
    private boolean awaitingFollow;
    private long followDeadline;
    /** What the status line last said; null until it says something. */
    private String statusText;

    /**
     * A display writing to {@code terminal}, which is {@code cols} by {@code rows}; {@code refresh}
     * asks for the session's screen in stream order, to come to {@link #resync}.
     */
    SessionDisplay(Consumer<byte[]> terminal, Runnable refresh, int cols, int rows) {
        this(terminal, refresh, cols, rows, System::nanoTime);
    }

    SessionDisplay(Consumer<byte[]> terminal, Runnable refresh, int cols, int rows, LongSupplier clock) {
        this.terminal = terminal;
        this.refresh = refresh;
        this.clock = clock;
        this.cols = Math.max(1, cols);
        this.rows = Math.max(1, rows);
        this.viewport = new Viewport(this.cols, this.rows);
    }

    /**
     * The attach's screen, then what waited behind it. {@code canRefresh}: the daemon or relay
     * sends the session's screen in stream order when asked.
     */
    synchronized void screen(Screen screen, boolean canRefresh) {
        if (closed) {
            return;
        }
        keepsCopy = !canRefresh;
        draw(screen);
        if (held != null) {
            held.forEach(Runnable::run);
            held = null;
            notifyAll();
        }
    }

    /** A fresh screen in the stream's order (asked for, or after the client fell behind): everything is drawn again. */
    synchronized void resync(Screen screen) {
        inOrder(() -> draw(screen), 0);
    }

    /** The session's output. */
    synchronized void output(byte[] bytes) {
        inOrder(() -> {
            if (awaitingFollow && clock.getAsLong() - followDeadline >= 0) {
                awaitingFollow = false; // the session kept its size (its resize policy): show the view
                showAnew();
            }
            if (session != null) {
                session.feed(bytes, 0, bytes.length);
            }
            terminal.accept(viewing ? viewport.render(session) : bytes);
        }, bytes.length);
    }

    /** The session changed size, at this point of its output. */
    synchronized void sessionResized(Size size) {
        inOrder(() -> {
            sessionCols = Math.max(1, size.getCols());
            sessionRows = Math.max(1, size.getRows());
            if (session != null) {
                session.resize(sessionCols, sessionRows);
            }
            awaitingFollow = false;
            showAnew();
        }, 0);
    }

    /**
     * The user's terminal changed size. {@code sessionFollows}: the session is expected to take
     * that size (this client is an operator), so a terminal now smaller waits a moment for it.
     */
    synchronized void terminalResized(int cols, int rows, boolean sessionFollows) {
        this.cols = Math.max(1, cols);
        this.rows = Math.max(1, rows);
        viewport.resize(this.cols, this.rows);
        if (held != null || closed) {
            return;
        }
        awaitingFollow = sessionFollows && !fits();
        if (awaitingFollow) {
            followDeadline = clock.getAsLong() + FOLLOW_NANOS;
        } else {
            showAnew();
        }
    }

    /**
     * A message on the bottom row in reverse video, as screen does; the program's next redraw of
     * those cells replaces it, in the view as well (the cursor and pen are saved around it). The
     * message fills the row exactly, measured in cells: one more would scroll the user's screen.
     */
    synchronized void status(String text) {
        if (closed) {
            return;
        }
        statusText = text;
        terminal.accept(statusLine());
    }

    /** The attach is over: nothing more is drawn, and a stream waiting for the first screen goes on. */
    synchronized void close() {
        closed = true;
        held = null;
        notifyAll();
    }

    /** True while the terminal shows the part of a larger session around its cursor. */
    synchronized boolean viewing() {
        return viewing;
    }

    private void inOrder(Runnable draw, int bytes) {
        while (held != null && heldBytes + bytes > MAX_HELD_BYTES) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the client is stopping: the terminal is restored, not drawn
                return;
            }
        }
        if (closed) {
            return;
        }
        if (held != null) {
            held.add(draw);
            heldBytes += bytes;
        } else {
            draw.run();
        }
    }

    private void draw(Screen screen) {
        refreshing = false;
        sessionCols = Math.max(1, screen.getSize().getCols());
        sessionRows = Math.max(1, screen.getSize().getRows());
        byte[] ansi = screen.getAnsi().toByteArray();
        viewing = !fits();
        if (viewing || keepsCopy) {
            session = new VirtualTerminal(sessionCols, sessionRows, 0);
            session.feed(ansi, 0, ansi.length);
        } else {
            session = null;
        }
        if (viewing) {
            viewport.invalidate();
            redraw(viewport.render(session));
        } else {
            redraw(ansi);
        }
    }

    /**
     * After a change of either size: the view follows it, a terminal that fits again gets the whole
     * screen and then the output as it comes, and one that no longer fits asks for the screen.
     */
    private void showAnew() {
        if (fits()) {
            if (viewing) {
                redraw(session.snapshot(0).toAnsi(0));
                viewing = false;
                if (!keepsCopy) {
                    session = null;
                }
            }
        } else if (viewing) {
            terminal.accept(viewport.render(session));
        } else if (session != null) {
            viewing = true; // from the copy kept all along
            viewport.invalidate();
            redraw(viewport.render(session));
        } else if (!refreshing) {
            refreshing = true;
            refresh.run();
        }
    }

    /**
     * The whole screen drawn anew from a reset, and the status line again: the reset wiped it, not
     * the program (an operator's attach that the session then follows would lose it at once).
     */
    private void redraw(byte[] screen) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(screen.length + 256);
        out.writeBytes(RESET);
        out.writeBytes(screen);
        if (statusText != null) {
            out.writeBytes(statusLine());
        }
        terminal.accept(out.toByteArray());
    }

    /** The status line on the bottom row, the cursor and pen saved around it. */
    private byte[] statusLine() {
        return ("\u001b7\u001b[" + rows + ";1H\u001b[7m" + CellText.fit(statusText, cols) + "\u001b[0m\u001b8")
                .getBytes(StandardCharsets.UTF_8);
    }

    private boolean fits() {
        return cols >= sessionCols && rows >= sessionRows;
    }
}

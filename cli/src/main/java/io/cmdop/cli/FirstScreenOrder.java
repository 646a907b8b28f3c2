package io.cmdop.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Keeps an attach's output behind its first screen. The screen comes with the attach's reply and is
 * drawn after a terminal reset; output that arrives in between, on the transport thread, would be
 * written before the reset and wiped by it. It is held and written right after the screen instead.
 * Past {@link #MAX_HELD_BYTES} the transport thread waits for the drawing, which is already under
 * way on the attaching thread and needs nothing from the transport: the stream is held back, as by
 * a slow terminal, and nothing is lost.
 */
final class FirstScreenOrder {
    /** Far more than can arrive between the reply and the drawing. */
    static final int MAX_HELD_BYTES = 4 * 1024 * 1024;

    private final Consumer<byte[]> terminal;
    /** Null once the screen is drawn. */
    private List<byte[]> held = new ArrayList<>();
    private int heldBytes;

    FirstScreenOrder(Consumer<byte[]> terminal) {
        this.terminal = terminal;
    }

    /** Output (or a redraw) in the order the stream delivers it. */
    synchronized void output(byte[] bytes) {
        while (held != null && heldBytes + bytes.length > MAX_HELD_BYTES) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the client is stopping: the terminal is restored, not drawn
                return;
            }
        }
        if (held == null) {
            terminal.accept(bytes);
        } else {
            held.add(bytes);
            heldBytes += bytes.length;
        }
    }

    /** Draws the first screen, then whatever came after it. */
    synchronized void screen(byte[] screen) {
        terminal.accept(screen);
        held.forEach(terminal);
        held = null;
        notifyAll();
    }
}

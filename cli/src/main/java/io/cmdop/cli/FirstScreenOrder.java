package io.cmdop.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Keeps an attach's output behind its first screen. The screen comes with the attach's reply and is
 * drawn after a terminal reset; output that arrives in between, on the transport thread, would be
 * written before the reset and wiped by it. It is held and written right after the screen instead.
 */
final class FirstScreenOrder {
    /** Far more than can arrive between the reply and the drawing; past it, output is dropped, not held. */
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
        if (held == null) {
            terminal.accept(bytes);
        } else if (heldBytes + bytes.length <= MAX_HELD_BYTES) {
            held.add(bytes);
            heldBytes += bytes.length;
        }
    }

    /** Draws the first screen, then whatever came after it. */
    synchronized void screen(byte[] screen) {
        terminal.accept(screen);
        held.forEach(terminal);
        held = null;
    }
}

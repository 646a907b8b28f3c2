package io.cmdop.session;

import io.cmdop.terminal.ScreenSnapshot;

/**
 * The screen at one point of the event stream: live output continues at {@code offset}, and the
 * next event has a seq greater than {@code seq}.
 */
public record ScreenState(ScreenSnapshot screen, long offset, long seq) {
    /** Roughly the bytes it takes to send, for the accounting of bounded queues: a few per cell. */
    int weight() {
        return 256 + 4 * screen.cols() * (screen.rows() + screen.scrollbackSize());
    }
}

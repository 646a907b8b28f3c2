package io.cmdop.session;

import io.cmdop.terminal.ScreenSnapshot;

/**
 * The screen at one point of the event stream: live output continues at {@code offset}, and the
 * next event has a seq greater than {@code seq}.
 */
public record ScreenState(ScreenSnapshot screen, long offset, long seq) {
}

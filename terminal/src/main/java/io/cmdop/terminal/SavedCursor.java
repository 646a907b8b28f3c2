package io.cmdop.terminal;

/**
 * What DECSC (ESC 7, CSI s) and DECSET 1049 save and give back: position, pen and character sets.
 * {@code x} may equal the width (a pending wrap), which restoring clamps, as tmux does; for the alternate
 * screen's save, -1 means the position was never saved (47 and 1047 save only the pen).
 */
record SavedCursor(int x, int y, long pen, Charset g0, Charset g1, boolean shiftOut, boolean origin) {
    static final SavedCursor HOME = new SavedCursor(0, 0, Style.DEFAULT, Charset.ASCII, Charset.ASCII, false, false);
}

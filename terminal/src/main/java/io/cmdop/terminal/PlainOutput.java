package io.cmdop.terminal;

/**
 * Recognizes plain output: text, UTF-8, controls other than backspace and the character-set shifts
 * (SO, SI), and SGR sequences (colours). Nothing in it moves the cursor up, changes screens, scroll
 * region, modes or character set, asks for a reply or carries a shell mark, and what it does to the
 * cursor and pen does not depend on the screen's content: so once it runs on the normal screen with
 * the whole screen as scroll region, every line feed at the bottom scrolls a line into the
 * scrollback, and a carriage return and an SGR reset leave column and pen as they would be anyway.
 * Backspace is left out because at column 0 it climbs onto the line above if that one wrapped,
 * which is content.
 * <p>
 * Reads chunk after chunk, so a sequence may be cut between two chunks.
 */
final class PlainOutput {
    private static final int TEXT = 0;
    private static final int ESCAPE = 1;
    private static final int SGR = 2;

    private int state = TEXT;

    /** Starts over, at a point where the parser reads text (no sequence under way). */
    void restart() {
        state = TEXT;
    }

    /**
     * Reads {@code data[from, to)} as the continuation of what it read since {@link #restart}; false
     * at the first byte that is not plain output, after which it must be restarted.
     */
    boolean accepts(byte[] data, int from, int to) {
        int i = from;
        while (i < to) {
            if (state == TEXT) {
                int control = ByteSearch.indexOfControl(data, i, to);
                if (control < 0) {
                    return true;
                }
                int b = data[control];
                if (b == 0x08 || b == 0x0E || b == 0x0F) {
                    return false;
                }
                i = control + 1;
                if (b != 0x1B) {
                    continue;
                }
                state = ESCAPE;
            }
            if (state == ESCAPE) {
                if (i == to) {
                    return true;
                }
                if (data[i++] != '[') {
                    return false;
                }
                state = SGR;
            }
            for (; i < to; i++) {
                int b = data[i];
                if (b == 'm') {
                    state = TEXT;
                    i++;
                    break;
                }
                if (b < '0' || b > ';') { // digits, ':' and ';' only: no private marker, no intermediate
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Whether the SGR sequence whose ESC is at {@code esc} in plain output resets the pen: its first
     * parameter is 0 or empty.
     */
    static boolean resetsPen(byte[] data, int esc, int to) {
        int i = esc + 2;
        if (i < to && data[i] == '0') {
            i++;
        }
        return i < to && (data[i] == 'm' || data[i] == ';');
    }
}

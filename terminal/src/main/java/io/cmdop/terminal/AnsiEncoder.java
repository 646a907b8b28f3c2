package io.cmdop.terminal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a {@link ScreenSnapshot} as the bytes that redraw it on a fresh terminal of the same size: what a
 * client joining a live session is sent before the live stream continues.
 */
final class AnsiEncoder {
    /** Undoes everything {@link #encode} may set, so the result does not depend on what came before. */
    private static final String RESET = "\033[?1049l\033[0m\033[r\033[?6l\033[?7h\033[4l\033[?1l\033>"
            + "\033[?2004l\033[?1000l\033[?1002l\033[?1003l\033[?1004l\033[?1005l\033[?1006l\033[?12l"
            + "\033[?25h\033[0 q\033(B\033)B\017\033[H\033[2J";

    private final ScreenSnapshot snapshot;
    private final StringBuilder out = new StringBuilder();
    private long current = Style.DEFAULT;

    private AnsiEncoder(ScreenSnapshot snapshot) {
        this.snapshot = snapshot;
    }

    static byte[] encode(ScreenSnapshot snapshot, int scrollbackLines) {
        AnsiEncoder encoder = new AnsiEncoder(snapshot);
        encoder.write(scrollbackLines);
        return encoder.out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private void write(int scrollbackLines) {
        ScreenSnapshot s = snapshot;
        out.append(RESET);
        // The normal screen is drawn from the top, line after line: once more lines than rows have been
        // written, the earliest ones have scrolled into the receiving terminal's own scrollback.
        List<Line> normal = new ArrayList<>();
        List<Line> scrollback = s.scrollbackLines();
        normal.addAll(scrollback.subList(scrollback.size() - Math.min(scrollbackLines, scrollback.size()),
                scrollback.size()));
        normal.addAll(List.of(s.normalScreenLines()));
        drawLines(normal);
        if (s.alternateScreen()) {
            // Entering saves the pen and, with 1049, the position, for the program's way back.
            SavedCursor back = s.alternateSaved();
            boolean position = back.x() >= 0;
            if (position) {
                moveTo(Math.min(back.x(), s.cols() - 1), back.y());
            }
            setPen(back.pen());
            out.append(position ? "\033[?1049h" : "\033[?47h").append("\033[H");
            drawLines(List.of(s.screenLines()));
        }
        writeTabStops();
        writeSavedCursor();
        if (s.scrollTop() != 0 || s.scrollBottom() != s.rows() - 1) {
            out.append("\033[").append(s.scrollTop() + 1).append(';').append(s.scrollBottom() + 1).append('r');
        }
        writeCursor();
        writeModes();
        setPen(s.pen());
        out.append("\033(").append(s.g0().finalByte()).append("\033)").append(s.g1().finalByte());
        if (s.shiftOut()) {
            out.append('\016');
        }
        if (!s.title().isEmpty()) {
            out.append("\033]2;").append(s.title()).append("\033\\");
        }
    }

    /** Draws lines from the top row down; a full line that wrapped is continued by autowrap, as it was. */
    private void drawLines(List<Line> lines) {
        out.append("\033[H");
        for (int i = 0; i < lines.size(); i++) {
            Line line = lines.get(i);
            int used = drawLine(line);
            if (i == lines.size() - 1) {
                break;
            }
            boolean continues = line.wrapped && used == snapshot.cols() && lines.get(i + 1).usedCells() > 0;
            if (!continues) {
                setPen(Style.DEFAULT); // new lines scrolled in take the pen's background
                out.append("\r\n");
            }
        }
    }

    /** Draws one line's cells up to its last non-default one; returns how many columns it covered. */
    private int drawLine(Line line) {
        int cols = snapshot.cols();
        int end = Math.min(line.usedCells(), cols);
        for (int x = 0; x < end; x++) {
            int c = line.chars[x];
            setPen(line.styles[x]);
            boolean whole = (c & Line.WIDE) == 0
                    ? (c & Line.PADDING) == 0
                    : x + 1 < cols && (line.chars[x + 1] & Line.PADDING) != 0;
            if (whole) {
                out.append(line.text(x));
                if ((c & Line.WIDE) != 0) {
                    x++;
                }
            } else {
                out.append(' '); // half of a wide character whose other half is gone keeps its column
            }
        }
        return end;
    }

    private void writeTabStops() {
        TabStops tabs = snapshot.tabs();
        if (tabs.isDefault()) {
            return;
        }
        out.append("\033[3g");
        for (int x = 0; x < snapshot.cols(); x++) {
            if (tabs.isSet(x)) {
                moveTo(x, 0);
                out.append("\033H");
            }
        }
    }

    /** Re-creates what DECSC saved, so that a later ESC 8 by the program lands where it expects. */
    private void writeSavedCursor() {
        SavedCursor saved = snapshot.savedCursor();
        if (saved.equals(SavedCursor.HOME)) {
            return;
        }
        moveTo(Math.min(saved.x(), snapshot.cols() - 1), saved.y());
        setPen(saved.pen());
        out.append("\033(").append(saved.g0().finalByte()).append("\033)").append(saved.g1().finalByte());
        out.append(saved.shiftOut() ? '\016' : '\017');
        if (saved.origin()) {
            out.append("\033[?6h");
            moveTo(Math.min(saved.x(), snapshot.cols() - 1), saved.y() - snapshot.scrollTop());
        }
        out.append("\0337");
        if (saved.origin()) {
            out.append("\033[?6l");
        }
        out.append("\033(B\033)B\017");
    }

    /**
     * Places the cursor. A pending wrap cannot be set by a sequence, so the character in the last column is
     * written again, which leaves the cursor in exactly that state.
     */
    private void writeCursor() {
        ScreenSnapshot s = snapshot;
        int y = s.cursorY();
        if (s.modes().origin) {
            out.append("\033[?6h");
            y -= s.scrollTop();
        }
        if (!s.wrapPending()) {
            moveTo(s.cursorX(), y);
            return;
        }
        Line line = s.screenLines()[s.cursorY()];
        int x = s.cols() - 1;
        if ((line.chars[x] & Line.PADDING) != 0 && x > 0 && (line.chars[x - 1] & Line.WIDE) != 0) {
            x--;
        }
        moveTo(x, y);
        setPen(line.styles[x]);
        out.append(line.text(x).isEmpty() ? " " : line.text(x));
    }

    private void writeModes() {
        Modes m = snapshot.modes();
        if (!m.autowrap) out.append("\033[?7l");
        if (m.insert) out.append("\033[4h");
        if (m.applicationCursor) out.append("\033[?1h");
        if (m.applicationKeypad) out.append("\033=");
        if (m.bracketedPaste) out.append("\033[?2004h");
        if (m.mouse != Modes.MouseTracking.OFF) out.append("\033[?").append(m.mouse.mode).append('h');
        if (m.focusEvents) out.append("\033[?1004h");
        if (m.mouseUtf8) out.append("\033[?1005h");
        if (m.mouseSgr) out.append("\033[?1006h");
        if (m.cursorBlink) out.append("\033[?12h");
        if (snapshot.cursorStyle() != 0) out.append("\033[").append(snapshot.cursorStyle()).append(" q");
        if (!m.cursorVisible) out.append("\033[?25l");
    }

    private void moveTo(int x, int y) {
        out.append("\033[").append(y + 1).append(';').append(x + 1).append('H');
    }

    private void setPen(long style) {
        if (style != current) {
            Style.appendSgr(out, style);
            current = style;
        }
    }
}

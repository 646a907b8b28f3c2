package io.cmdop.terminal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The state of a {@link VirtualTerminal} at one moment, deep-copied so that it never changes: what a client
 * joining now must show, either read cell by cell or replayed as bytes with {@link #toAnsi(boolean)}.
 */
public final class ScreenSnapshot {
    private final int cols;
    private final int rows;
    private final Line[] screen;
    private final Line[] normalScreen;
    private final List<Line> scrollback;
    private final int cursorX;
    private final int cursorY;
    private final boolean alternate;
    private final String title;
    private final Modes modes;
    private final int scrollTop;
    private final int scrollBottom;
    private final long pen;
    private final Charset g0;
    private final Charset g1;
    private final boolean shiftOut;
    private final SavedCursor savedCursor;
    private final SavedCursor alternateSaved;
    private final TabStops tabs;
    private final int cursorStyle;

    ScreenSnapshot(Screen s, int scrollbackLines) {
        cols = s.cols;
        rows = s.rows;
        screen = copy(s.lines);
        normalScreen = s.alternate ? copy(s.normalLines()) : screen;
        int from = Math.max(0, s.scrollback.size() - scrollbackLines);
        List<Line> history = new ArrayList<>(s.scrollback.size() - from);
        for (int i = from; i < s.scrollback.size(); i++) {
            history.add(s.scrollback.copy(i)); // trimmed: a long scrollback is mostly short lines
        }
        scrollback = Collections.unmodifiableList(history);
        cursorX = s.cx;
        cursorY = s.cy;
        alternate = s.alternate;
        title = s.title;
        modes = s.modes.copy();
        scrollTop = s.top;
        scrollBottom = s.bottom;
        pen = s.pen;
        g0 = s.g0;
        g1 = s.g1;
        shiftOut = s.shiftOut;
        savedCursor = s.savedCursor();
        alternateSaved = s.alternateSaved;
        tabs = s.tabs.copy();
        cursorStyle = s.cursorStyle;
    }

    private static Line[] copy(Line[] lines) {
        Line[] result = new Line[lines.length];
        for (int i = 0; i < lines.length; i++) {
            result[i] = lines[i].copy();
        }
        return result;
    }

    public int cols() {
        return cols;
    }

    public int rows() {
        return rows;
    }

    /** The visible screen as plain text, one string per row, trailing blanks trimmed. */
    public List<String> lines() {
        return texts(List.of(screen));
    }

    /** How many lines of history it holds. */
    public int scrollbackSize() {
        return scrollback.size();
    }

    /** Lines that scrolled off the normal screen, oldest first, as plain text. */
    public List<String> scrollback() {
        return texts(scrollback);
    }

    private static List<String> texts(List<Line> lines) {
        List<String> result = new ArrayList<>(lines.size());
        for (Line line : lines) {
            result.add(line.text());
        }
        return Collections.unmodifiableList(result);
    }

    /** The visible lines joined by '\n'. */
    public String text() {
        return String.join("\n", lines());
    }

    /** The cursor's column, 0-based; on the last column while a wrap is pending. */
    public int cursorX() {
        return Math.min(cursorX, cols - 1);
    }

    public int cursorY() {
        return cursorY;
    }

    /**
     * True after a character was written in the last column with autowrap on: the cursor stays there and
     * the next character goes to the start of the next line.
     */
    public boolean wrapPending() {
        return cursorX == cols;
    }

    public boolean cursorVisible() {
        return modes.cursorVisible;
    }

    public boolean alternateScreen() {
        return alternate;
    }

    /** The window title set by OSC 0 or OSC 2; empty if none was set. */
    public String title() {
        return title;
    }

    /** The cell at column {@code x}, row {@code y} of the visible screen. */
    public Cell cell(int x, int y) {
        return cellOf(screen[y], x);
    }

    /** The cell at column {@code x} of scrollback line {@code index} (0 = oldest). */
    public Cell scrollbackCell(int x, int index) {
        return cellOf(scrollback.get(index), x);
    }

    private Cell cellOf(Line line, int x) {
        if (x < 0 || x >= cols) {
            throw new IndexOutOfBoundsException("column " + x + " of " + cols);
        }
        if (x >= line.cols()) {
            return Cell.of(" ", 1, Style.DEFAULT); // past the kept part of a scrollback line: blank
        }
        return Cell.of(line.text(x), line.width(x), line.styles[x]);
    }

    /**
     * Bytes that, written to a freshly reset terminal of the same size, reproduce this state: scrollback
     * (optionally), every cell, the normal screen beneath an active alternate screen, scroll region, tab
     * stops, saved cursor, cursor position, pending wrap and visibility, character sets, pen, and the modes
     * that change how input is encoded or output drawn. It begins by resetting everything it sets.
     */
    public byte[] toAnsi(boolean includeScrollback) {
        return toAnsi(includeScrollback ? Integer.MAX_VALUE : 0);
    }

    /** As {@link #toAnsi(boolean)}, with only the latest {@code scrollbackLines} lines of scrollback. */
    public byte[] toAnsi(int scrollbackLines) {
        return AnsiEncoder.encode(this, Math.max(0, scrollbackLines));
    }

    // Package-private state for the encoder and tests.

    Line[] screenLines() {
        return screen;
    }

    Line[] normalScreenLines() {
        return normalScreen;
    }

    List<Line> scrollbackLines() {
        return scrollback;
    }

    int rawCursorX() {
        return cursorX;
    }

    Modes modes() {
        return modes;
    }

    int scrollTop() {
        return scrollTop;
    }

    int scrollBottom() {
        return scrollBottom;
    }

    long pen() {
        return pen;
    }

    Charset g0() {
        return g0;
    }

    Charset g1() {
        return g1;
    }

    boolean shiftOut() {
        return shiftOut;
    }

    SavedCursor savedCursor() {
        return savedCursor;
    }

    SavedCursor alternateSaved() {
        return alternateSaved;
    }

    TabStops tabs() {
        return tabs;
    }

    int cursorStyle() {
        return cursorStyle;
    }
}

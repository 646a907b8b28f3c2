package io.cmdop.terminal;

import java.util.Arrays;

/**
 * The terminal's state and every operation that changes it: the normal and alternate grids, the cursor,
 * the pen, character sets, scroll region, tab stops and modes. The {@link Parser} decides which operation
 * a byte sequence means; this class decides what it does. Semantics follow tmux, the project's oracle,
 * including its cursor model: {@code cx == cols} is the "pending wrap" state after writing the last column.
 */
final class Screen {
    /** Largest UTF-8 size of one cell's text (character plus combining marks), as in tmux. */
    private static final int MAX_CLUSTER_BYTES = 21;

    int cols;
    int rows;
    Line[] lines;
    private Line[] normalLines;
    /** Made blank on entering the alternate screen, dropped on leaving: a shell's session never has one. */
    private Line[] altLines;
    boolean alternate;
    final Scrollback scrollback;

    int cx;
    int cy;
    long pen = Style.DEFAULT;
    Charset g0 = Charset.ASCII;
    Charset g1 = Charset.ASCII;
    boolean shiftOut;
    int top;
    int bottom;
    final Modes modes = new Modes();
    TabStops tabs;
    int cursorStyle;
    String title = "";
    private SavedCursor saved = SavedCursor.HOME;
    /** Cursor and pen saved by DECSET 1049 on entering the alternate screen; null when none was saved. */
    SavedCursor alternateSaved;
    /** Reused by {@link #moveLines} so that scrolling a region allocates nothing. */
    private Line[] scratch = new Line[0];
    /** Last ASCII character printed, for REP; -1 once anything else happened. */
    int lastChar = -1;
    /**
     * Plain output whose lines will scroll out of the scrollback is being read: cursor, pen and the
     * rest of the state follow it, but no cell is written and no line scrolled. Only the operations
     * plain output reaches ({@link PlainOutput}) heed it.
     */
    boolean discarding;

    Screen(int cols, int rows, int scrollbackLines) {
        this.cols = cols;
        this.rows = rows;
        normalLines = blankLines(rows, cols);
        lines = normalLines;
        scrollback = new Scrollback(scrollbackLines);
        bottom = rows - 1;
        tabs = new TabStops(cols);
    }

    private static Line[] blankLines(int rows, int cols) {
        Line[] result = new Line[rows];
        for (int y = 0; y < rows; y++) {
            result[y] = new Line(cols);
        }
        return result;
    }

    /** A line feed at the bottom pushes the top line into the scrollback: the normal screen, scrolled whole. */
    boolean scrollsIntoScrollback() {
        return !alternate && top == 0 && bottom == rows - 1;
    }

    /** Both grids' lines and the scrollback's. */
    long memoryBytes() {
        return memoryBytes(normalLines) + memoryBytes(altLines) + scrollback.memoryBytes();
    }

    private static long memoryBytes(Line[] lines) {
        if (lines == null) {
            return 0;
        }
        long bytes = MemorySize.array(lines.length, 4);
        for (Line line : lines) {
            bytes += line.memoryBytes();
        }
        return bytes;
    }

    /** The normal screen's lines, also while the alternate screen is shown. */
    Line[] normalLines() {
        return normalLines;
    }

    // ---- printing -------------------------------------------------------------------------------------

    /** Prints a run of printable ASCII bytes; the common case, kept free of per-character branching. */
    void printAscii(byte[] data, int from, int to) {
        Charset charset = shiftOut ? g1 : g0;
        if (charset != Charset.ASCII || modes.insert || !modes.autowrap) {
            for (int i = from; i < to; i++) {
                print(data[i]);
            }
            return;
        }
        while (from < to) {
            if (cx >= cols) {
                wrap();
            }
            int n = Math.min(to - from, cols - cx);
            int end = cx + n;
            if (!discarding) {
                Line line = lines[cy];
                clearLeftHalfBeforeRun(line, cx);
                clearRightHalves(line, end);
                int[] chars = line.chars;
                for (int i = 0; i < n; i++) {
                    chars[cx + i] = data[from + i];
                }
                Arrays.fill(line.styles, cx, end, pen);
                if (line.clusters != null) {
                    Arrays.fill(line.clusters, cx, end, null);
                }
            }
            cx = end;
            from += n;
        }
        lastChar = data[to - 1];
    }

    /** Prints one character through the active character set. */
    void print(int cp) {
        boolean ascii = cp < 0x80;
        if (ascii) {
            cp = (shiftOut ? g1 : g0).map(cp);
        }
        int width = CharWidth.of(cp);
        if (width == 0) {
            combine(cp);
            lastChar = -1;
            return;
        }
        put(cp, width);
        lastChar = ascii ? cp : -1;
    }

    /** REP: prints {@code cp}, the last ASCII character, again, at most to the end of the line (as tmux). */
    void repeat(int cp, int n) {
        if (cp < 0) {
            return;
        }
        n = Math.min(n, cols - cx);
        for (int i = 0; i < n; i++) {
            put(cp, 1);
        }
    }

    /**
     * Writes one character at the cursor. Without autowrap the cursor then sticks at the last column, except
     * on a screen too narrow for the character, where tmux (by unsigned arithmetic) leaves it past the edge.
     */
    private void put(int cp, int width) {
        boolean autowrap = modes.autowrap;
        if (!autowrap && width > 1 && (width > cols || cx != cols && cx > cols - width)) {
            return;
        }
        if (modes.insert && cx < cols && !discarding) {
            lines[cy].insertCells(cx, width, Style.DEFAULT);
        }
        if (autowrap && cx > cols - width) {
            wrap();
        }
        if (cx > cols - width) {
            return;
        }
        if (!discarding) {
            Line line = lines[cy];
            int old = line.chars[cx];
            clearLeftHalf(line, cx);
            if (width != 1 || (old & (Line.WIDE | Line.PADDING)) != 0) {
                clearRightHalves(line, cx + width);
            }
            line.chars[cx] = width == 2 ? cp | Line.WIDE : cp;
            line.styles[cx] = pen;
            if (line.clusters != null) {
                line.clusters[cx] = null;
            }
            if (width == 2) {
                line.chars[cx + 1] = Line.PADDING;
                line.styles[cx + 1] = pen;
                if (line.clusters != null) {
                    line.clusters[cx + 1] = null;
                }
            }
        }
        cx = autowrap || cx + width <= cols - 1 || cols - 1 < width ? cx + width : cols - 1;
    }

    /** Automatic wrap to the start of the next line; scrolls with the default background, as tmux does. */
    private void wrap() {
        if (!discarding) {
            lines[cy].wrapped = true;
        }
        lineFeed(Style.DEFAULT);
        cx = 0;
    }

    /**
     * Before the cell at {@code x} is overwritten: if it is the right half of a wide character, blank the
     * left half, so no half-character is left on screen.
     */
    private static void clearLeftHalf(Line line, int x) {
        int[] chars = line.chars;
        if ((chars[x] & Line.PADDING) != 0) {
            int lead = x;
            while (lead > 0 && (chars[lead] & Line.PADDING) != 0) {
                lead--;
            }
            line.clear(lead, x, Style.DEFAULT);
        }
    }

    /**
     * Like {@link #clearLeftHalf} for a run of ASCII, where tmux 3.3a blanks the left half only if it is
     * wide and not in column 0; the model does the same so that both show the same screen.
     */
    private static void clearLeftHalfBeforeRun(Line line, int x) {
        int[] chars = line.chars;
        int lead = x;
        while (lead > 0 && (chars[lead] & Line.PADDING) != 0) {
            lead--;
        }
        if (lead == x) {
            return;
        }
        line.clear(lead + 1, x, Style.DEFAULT);
        if (lead > 0 && (chars[lead] & Line.WIDE) != 0) {
            line.clear(lead, lead + 1, Style.DEFAULT);
        }
    }

    /** After writing up to {@code end}: blank right halves left over from a wide character overwritten there. */
    private static void clearRightHalves(Line line, int end) {
        int[] chars = line.chars;
        while (end < chars.length && (chars[end] & Line.PADDING) != 0) {
            line.clear(end, end + 1, Style.DEFAULT);
            end++;
        }
    }

    /** A zero-width character joins the cell left of the cursor; at the left edge it is dropped (tmux). */
    private void combine(int cp) {
        if (cx == 0 || discarding) {
            return;
        }
        Line line = lines[cy];
        int x = cx - 1;
        while (x > 0 && (line.chars[x] & Line.PADDING) != 0) {
            x--;
        }
        if ((line.chars[x] & Line.PADDING) != 0) {
            return;
        }
        String text = line.text(x);
        if (utf8Length(text) + utf8Length(cp) > MAX_CLUSTER_BYTES) {
            return;
        }
        line.setCluster(x, text + Character.toString(cp));
    }

    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            n += utf8Length(cp);
            i += Character.charCount(cp);
        }
        return n;
    }

    private static int utf8Length(int cp) {
        return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    }

    // ---- C0 controls and simple movements --------------------------------------------------------------

    void backspace() {
        if (cx == 0) {
            // tmux moves back onto the previous line when this one is the continuation of a wrapped line.
            if (cy > 0 && lines[cy - 1].wrapped) {
                cy--;
                cx = cols - 1;
            }
        } else {
            cx = Math.min(cx, cols) - 1;
        }
    }

    void tab() {
        if (cx >= cols - 1) {
            return;
        }
        do {
            cx++;
        } while (cx < cols - 1 && !tabs.isSet(cx));
    }

    /** CBT: back {@code n} tab stops. */
    void tabBackward(int n) {
        int x = Math.min(cx, cols - 1);
        while (x > 0 && n-- > 0) {
            do {
                x--;
            } while (x > 0 && !tabs.isSet(x));
        }
        cx = x;
    }

    void carriageReturn() {
        cx = 0;
    }

    /** LF, VT, FF and IND: down one line, scrolling the region at its bottom; the column is kept. */
    void lineFeed(long eraseStyle) {
        if (cy == bottom) {
            scrollUp(1, eraseStyle);
        } else if (cy < rows - 1) {
            cy++;
        }
    }

    void reverseIndex() {
        if (cy == top) {
            scrollDown(1, Style.erased(pen));
        } else if (cy > 0) {
            cy--;
        }
    }

    void nextLine() {
        carriageReturn();
        lineFeed(Style.erased(pen));
    }

    void setTabStop() {
        if (cx < cols) {
            tabs.set(cx);
        }
    }

    void clearTabStops(int mode) {
        if (mode == 0 && cx < cols) {
            tabs.clear(cx);
        } else if (mode == 3) {
            tabs.clearAll();
        }
    }

    // ---- cursor movement (CSI) ------------------------------------------------------------------------

    /** CUP/HVP and friends; -1 leaves that coordinate alone (including a pending wrap). */
    void moveTo(int x, int y, boolean originRelative) {
        if (originRelative && y != -1 && modes.origin) {
            y = y > bottom - top ? bottom : y + top;
        }
        if (x != -1) {
            cx = Math.min(x, cols - 1);
        }
        if (y != -1) {
            cy = Math.min(y, rows - 1);
        }
    }

    void cursorUp(int n) {
        int limit = cy < top ? cy : cy - top;
        cy -= Math.min(n, limit);
        if (cx == cols) {
            cx--;
        }
    }

    void cursorDown(int n) {
        int limit = cy > bottom ? rows - 1 - cy : bottom - cy;
        cy += Math.min(n, limit);
        if (cx == cols) {
            cx--;
        }
    }

    void cursorRight(int n) {
        cx = cx >= cols ? cols - 1 : Math.min(cols - 1, cx + n);
    }

    void cursorLeft(int n) {
        cx -= Math.min(n, cx);
    }

    // ---- erasing, inserting, deleting, scrolling ----------------------------------------------------

    /** ED: 0 below, 1 above, 2 all, 3 the scrollback. Erased cells keep the pen's background. */
    void eraseInDisplay(int mode) {
        long erased = Style.erased(pen);
        switch (mode) {
            case 0 -> {
                clearCells(cy, Math.min(cx, cols), cols, erased);
                clearLines(cy + 1, rows - cy - 1, erased);
            }
            case 1 -> {
                clearLines(0, cy, erased);
                clearCells(cy, 0, Math.min(cx + 1, cols), erased);
            }
            case 2 -> clearLines(0, rows, erased);
            case 3 -> scrollback.clear();
            default -> {
            }
        }
    }

    /** EL: 0 right of the cursor, 1 left of it, 2 the whole line. */
    void eraseInLine(int mode) {
        long erased = Style.erased(pen);
        switch (mode) {
            case 0 -> clearCells(cy, Math.min(cx, cols), cols, erased);
            case 1 -> clearCells(cy, 0, Math.min(cx + 1, cols), erased);
            case 2 -> clearCells(cy, 0, cols, erased);
            default -> {
            }
        }
    }

    /** ECH: blanks {@code n} cells from the cursor without moving anything. */
    void eraseCharacters(int n) {
        if (cx < cols) {
            clearCells(cy, cx, Math.min(cols, cx + n), Style.erased(pen));
        }
    }

    /** Blanks cells [from, to) of line y; blanking all of them is clearing the line (see {@link #clearLines}). */
    private void clearCells(int y, int from, int to, long style) {
        if (from == 0 && to == cols) {
            clearLines(y, 1, style);
        } else {
            lines[y].clear(from, to, style);
        }
    }

    /**
     * Empties lines [first, first + n). As in tmux, the line above is then no longer "wrapped": what it
     * continued into is gone (this decides where a backspace at the left edge goes).
     */
    private void clearLines(int first, int n, long style) {
        if (n <= 0) {
            return;
        }
        for (int y = first; y < first + n; y++) {
            lines[y].reset(style);
        }
        if (first > 0) {
            lines[first - 1].wrapped = false;
        }
    }

    /**
     * Moves lines [from, from + n) to [to, to + n); the lines they replace are emptied and fill the slots
     * left behind, so no line is allocated. Wrap marks change as in tmux: the line above the destination
     * loses its mark before the move, the line above a vacated source after it.
     */
    private void moveLines(int to, int from, int n, long style) {
        if (n <= 0 || to == from) {
            return;
        }
        if (to > 0) {
            lines[to - 1].wrapped = false;
        }
        Line[] moving = scratch(n);
        System.arraycopy(lines, from, moving, 0, n);
        int gap = Math.abs(to - from);
        int vacated = to > from ? from : Math.max(from, to + n);
        int replaced = to > from ? Math.max(to, from + n) : to;
        int freed = Math.min(gap, n);
        for (int i = 0; i < freed; i++) {
            Line line = lines[replaced + i];
            line.reset(style);
            lines[vacated + i] = line;
        }
        System.arraycopy(moving, 0, lines, to, n);
        if (from > 0 && (from < to || from >= to + n)) {
            lines[from - 1].wrapped = false;
        }
    }

    private Line[] scratch(int n) {
        if (scratch.length < n) {
            scratch = new Line[rows];
        }
        return scratch;
    }

    void insertCharacters(int n) {
        if (cx < cols) {
            lines[cy].insertCells(cx, n, Style.erased(pen));
        }
    }

    void deleteCharacters(int n) {
        if (cx == 0 && n >= cols) {
            clearLines(cy, 1, Style.erased(pen)); // deleting everything clears the line, wrap marks included
        } else if (cx < cols) {
            lines[cy].deleteCells(cx, n, Style.erased(pen));
        }
    }

    /** IL: pushes lines down to the region's bottom; outside the region tmux uses the screen's bottom. */
    void insertLines(int n) {
        int last = cy < top || cy > bottom ? rows - 1 : bottom;
        n = Math.min(n, last - cy + 1);
        int kept = last + 1 - cy - n;
        moveLines(cy + n, cy, kept, Style.erased(pen));
        clearLines(cy + kept, n - kept, Style.erased(pen)); // what the move did not vacate
    }

    /** DL: pulls lines up from the region's bottom; outside the region, from the screen's bottom (tmux). */
    void deleteLines(int n) {
        int last = cy < top || cy > bottom ? rows - 1 : bottom;
        n = Math.min(n, last - cy + 1);
        int kept = last + 1 - cy - n;
        moveLines(cy, cy + n, kept, Style.erased(pen));
        clearLines(cy + kept, n, Style.erased(pen));
    }

    /**
     * Scrolls the region up by {@code n}. Only a scroll of the whole normal screen feeds the scrollback,
     * so full-screen programs that scroll a part of the screen do not fill it with fragments.
     */
    void scrollUp(int n, long eraseStyle) {
        if (discarding) {
            return;
        }
        n = Math.min(n, bottom - top + 1);
        for (int i = 0; i < n; i++) {
            if (alternate) {
                moveLines(top, top + 1, bottom - top, eraseStyle);
                continue;
            }
            // On the normal screen tmux keeps the wrap marks when scrolling, so rotate the lines directly.
            Line gone = lines[top];
            System.arraycopy(lines, top + 1, lines, top, bottom - top);
            Line fresh = gone;
            if (top == 0 && bottom == rows - 1) {
                fresh = scrollback.push(gone);
                if (fresh == null) {
                    fresh = new Line(cols);
                } else {
                    fresh.resize(cols);
                }
            }
            fresh.reset(eraseStyle);
            lines[bottom] = fresh;
        }
    }

    void scrollDown(int n, long eraseStyle) {
        n = Math.min(n, bottom - top + 1);
        for (int i = 0; i < n; i++) {
            moveLines(top + 1, top, bottom - top, eraseStyle);
        }
    }

    /** DECSTBM; a region of one line is refused and the cursor goes home (absolute, as tmux). */
    void setScrollRegion(int first, int last) {
        first = Math.min(first, rows - 1);
        last = Math.min(last, rows - 1);
        if (first >= last) {
            return;
        }
        top = first;
        bottom = last;
        moveTo(0, 0, false);
    }

    /** DECALN: fills the screen with E, for alignment; resets the region and homes the cursor. */
    void alignmentTest() {
        for (Line line : lines) {
            boolean wrapped = line.wrapped; // tmux only overwrites the cells
            line.reset(Style.DEFAULT);
            Arrays.fill(line.chars, 'E');
            line.wrapped = wrapped;
        }
        top = 0;
        bottom = rows - 1;
        cx = 0;
        cy = 0;
    }

    // ---- saved cursor, alternate screen, modes, reset ------------------------------------------------

    SavedCursor savedCursor() {
        return saved;
    }

    void saveCursor() {
        saved = new SavedCursor(cx, cy, pen, g0, g1, shiftOut, modes.origin);
    }

    void restoreCursor() {
        restore(saved);
        modes.origin = saved.origin();
        moveTo(saved.x(), saved.y(), false);
    }

    private void restore(SavedCursor s) {
        pen = s.pen();
        g0 = s.g0();
        g1 = s.g1();
        shiftOut = s.shiftOut();
    }

    /**
     * DECSET 47, 1047 and 1049: shows the alternate screen, cleared, keeping the cursor where it is. As in
     * tmux, entering always saves the pen, and 1049 ({@code saveCursor}) also the position.
     */
    void enterAlternate(boolean saveCursor) {
        if (alternate) {
            return;
        }
        int x = saveCursor ? cx : alternateSaved == null ? -1 : alternateSaved.x();
        int y = saveCursor ? cy : alternateSaved == null ? -1 : alternateSaved.y();
        alternateSaved = new SavedCursor(x, y, pen, g0, g1, shiftOut, modes.origin);
        altLines = blankLines(rows, cols);
        lines = altLines;
        alternate = true;
    }

    /**
     * Back to the normal screen. With {@code restoreCursor} (1049) the saved position and pen come back,
     * even when the alternate screen was not shown (tmux does the same).
     */
    void leaveAlternate(boolean restoreCursor) {
        if (restoreCursor && alternateSaved != null && alternateSaved.x() >= 0) {
            cx = alternateSaved.x();
            cy = alternateSaved.y();
            pen = alternateSaved.pen();
        }
        lines = normalLines;
        altLines = null;
        alternate = false;
        cx = Math.min(cx, cols - 1);
        cy = Math.min(cy, rows - 1);
    }

    /** DECSET 3 (132/80 columns): tmux does not resize, it only clears the screen and homes the cursor. */
    void columnModeChange() {
        eraseInDisplay(2);
        moveTo(0, 0, false);
    }

    void setOrigin(boolean on) {
        modes.origin = on;
        moveTo(0, 0, true);
    }

    /** RIS, as tmux does it: modes, pen, tabs, region and screen reset; the alternate screen and title stay. */
    void reset() {
        pen = Style.DEFAULT;
        g0 = Charset.ASCII;
        g1 = Charset.ASCII;
        shiftOut = false;
        saved = SavedCursor.HOME;
        tabs.reset();
        top = 0;
        bottom = rows - 1;
        modes.reset();
        cursorStyle = 0;
        for (Line line : lines) {
            line.reset(Style.DEFAULT);
        }
        cx = 0;
        cy = 0;
    }

    // ---- resize -------------------------------------------------------------------------------------

    /**
     * Changes the size keeping content, without reflowing it (tmux reflows wrapped lines; xterm does not):
     * lines are cut or padded on the right; rows go as described at {@link #resizeNormalRows}, so the cursor
     * stays on its text.
     */
    void resize(int newCols, int newRows) {
        boolean widthChanged = newCols != cols;
        if (widthChanged) {
            for (Line line : normalLines) {
                line.resize(newCols);
            }
            if (alternate) {
                for (Line line : altLines) {
                    line.resize(newCols);
                }
            }
            tabs.resize(newCols);
            cols = newCols;
        }
        if (newRows != rows) {
            boolean savedY = alternateSaved != null && alternateSaved.y() >= 0;
            int normalCursorY = alternate && savedY ? alternateSaved.y() : cy;
            int shift = resizeNormalRows(newRows, normalCursorY);
            if (alternate) {
                altLines = resizeAlternateRows(newRows);
                lines = altLines;
                if (savedY) {
                    alternateSaved = withY(alternateSaved, alternateSaved.y() + shift);
                }
            } else {
                lines = normalLines;
                cy += shift;
            }
            rows = newRows;
        }
        top = 0;
        bottom = rows - 1;
        // A pending wrap survives a change of height only, as in tmux.
        cx = Math.min(cx, widthChanged ? cols - 1 : cols);
        cy = Math.max(0, Math.min(cy, rows - 1));
    }

    private static SavedCursor withY(SavedCursor s, int y) {
        return new SavedCursor(s.x(), Math.max(0, y), s.pen(), s.g0(), s.g1(), s.shiftOut(), s.origin());
    }

    /**
     * Resizes the normal grid's height, as tmux does: a shorter screen first loses lines below the cursor,
     * then pushes lines from the top into the scrollback; a taller one takes lines back from the scrollback,
     * then adds blank lines. Returns how far the content moved down (negative: up).
     */
    private int resizeNormalRows(int newRows, int cursorY) {
        java.util.ArrayList<Line> kept = new java.util.ArrayList<>(Arrays.asList(normalLines));
        int shift = 0;
        while (kept.size() > newRows && kept.size() - 1 > cursorY) {
            kept.removeLast();
        }
        while (kept.size() > newRows) {
            scrollback.push(kept.removeFirst());
            shift--;
        }
        while (kept.size() < newRows) {
            Line back = scrollback.popNewest();
            if (back == null) {
                break;
            }
            back.resize(cols);
            kept.addFirst(back);
            shift++;
        }
        while (kept.size() < newRows) {
            kept.add(new Line(cols));
        }
        normalLines = kept.toArray(new Line[0]);
        return shift;
    }

    private Line[] resizeAlternateRows(int newRows) {
        Line[] result = Arrays.copyOf(altLines, newRows);
        for (int y = altLines.length; y < newRows; y++) {
            result[y] = new Line(cols);
        }
        if (cy >= newRows) {
            // Keep the cursor's line on screen by dropping lines from the top.
            int drop = cy - newRows + 1;
            result = Arrays.copyOfRange(altLines, drop, drop + newRows);
            cy -= drop;
        }
        return result;
    }
}

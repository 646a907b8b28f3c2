package io.cmdop.terminal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Shows a {@link VirtualTerminal} on a smaller terminal, as tmux shows a window on a smaller client: the
 * part of the screen around the cursor, which moves only as far as the cursor leaves it, or the
 * top-left part once the program has kept its cursor hidden for a moment. Each
 * {@link #render} writes only the cells that changed since the one before, so a busy program costs
 * the showing terminal little more than its own output would.
 *
 * <p>The showing terminal gets cells, the cursor and the modes that decide how its keys are encoded
 * (cursor and keypad keys, bracketed paste, focus reports), never the program's own bytes. Mouse
 * reporting is not passed on: its coordinates would be those of the showing terminal, not the
 * program's. Single-threaded, like the terminal it draws.
 */
public final class Viewport {
    /** Puts the showing terminal into the state the cell drawing assumes, and blanks it. */
    private static final String CLEAN = "\033[?25l\033[0m\033[r\033[?6l\033[?7h\033[4l\033(B\033)B\017\033[H\033[2J";
    /**
     * How long the cursor stays hidden before the view goes to the top-left corner. Programs such as
     * vim hide it while they redraw, and a redraw may end up split over several renders: the view
     * must not jump there and back.
     */
    private static final long HIDDEN_NANOS = 100_000_000L;
    private static final long SHOWN = Long.MIN_VALUE;
    /** A cursor position the showing terminal's cursor never has: it must be placed before it is used. */
    private static final int UNKNOWN = -1;

    private int cols;
    private int rows;
    /** Top-left cell of the shown part, in the source's coordinates. */
    private int left;
    private int top;
    /** What the showing terminal has in the shown part, row after row; sized {@code width * height}. */
    private int width;
    private int height;
    private int[] chars = new int[0];
    private long[] styles = new long[0];
    /** Text of the frame's cells that have combining marks; null for the others. */
    private String[] clusters = new String[0];
    /** False until the showing terminal has been cleaned and {@link #chars} describes it. */
    private boolean drawn;
    /** The showing terminal's pen, cursor and key modes as last written; the cursor -1 when unknown. */
    private long pen;
    private int outX = UNKNOWN;
    private int outY = UNKNOWN;
    private boolean cursorShown;
    private String keyModes = "";
    private final LongSupplier clock;
    /** When the source's cursor was found hidden, or {@link #SHOWN}. */
    private long hiddenSince = SHOWN;

    /** A viewport for a showing terminal of {@code cols} by {@code rows}. */
    public Viewport(int cols, int rows) {
        this(cols, rows, System::nanoTime);
    }

    Viewport(int cols, int rows, LongSupplier clock) {
        this.clock = clock;
        resize(cols, rows);
    }

    /** The showing terminal changed size: the next render draws everything. */
    public void resize(int cols, int rows) {
        if (cols < 1 || rows < 1) {
            throw new IllegalArgumentException("viewport size out of range: " + cols + "x" + rows);
        }
        this.cols = cols;
        this.rows = rows;
        drawn = false;
    }

    /** Something else wrote on the showing terminal: the next render draws everything. */
    public void invalidate() {
        drawn = false;
    }

    /** The source column shown in the viewport's first column. */
    public int left() {
        return left;
    }

    /** The source row shown in the viewport's first row. */
    public int top() {
        return top;
    }

    /**
     * The bytes that bring the showing terminal from what it was last given to {@code source}'s screen
     * now; empty when nothing it shows changed.
     */
    public byte[] render(VirtualTerminal source) {
        Screen s = source.screen();
        int w = Math.min(cols, s.cols);
        int h = Math.min(rows, s.rows);
        int cursorX = Math.min(s.cx, s.cols - 1);
        boolean visible = s.modes.cursorVisible;
        long now = clock.getAsLong();
        hiddenSince = visible ? SHOWN : hiddenSince == SHOWN ? now : hiddenSince;
        if (visible) {
            left = follow(left, cursorX, w, s.cols);
            top = follow(top, s.cy, h, s.rows);
        } else if (now - hiddenSince >= HIDDEN_NANOS) {
            // A program that keeps the cursor hidden (top, htop) is shown from its top-left corner, as tmux does.
            left = 0;
            top = 0;
        } else {
            left = Math.clamp(left, 0, s.cols - w);
            top = Math.clamp(top, 0, s.rows - h);
        }
        StringBuilder out = new StringBuilder();
        if (!drawn || w != width || h != height) {
            clean(out, w, h);
        }
        int cells = out.length();
        for (int y = 0; y < h; y++) {
            drawRow(out, s.lines[top + y], y);
        }
        boolean cellsChanged = out.length() > cells;
        appendKeyModes(out, s);
        int x = Math.clamp(cursorX - left, 0, w - 1);
        int y = Math.clamp(s.cy - top, 0, h - 1);
        if (x != outX || y != outY) {
            moveTo(out, x, y);
        }
        // The cursor is hidden while cells are drawn, so it does not flicker across the screen.
        if (cellsChanged && cursorShown) {
            out.insert(0, "\033[?25l");
            cursorShown = false;
        }
        if (visible != cursorShown) {
            cursorShown = visible;
            out.append(cursorShown ? "\033[?25h" : "\033[?25l");
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The first shown cell of a dimension: unchanged while the cursor is in view, else just enough to show it. */
    private static int follow(int first, int cursor, int shown, int total) {
        if (cursor < first) {
            first = cursor;
        } else if (cursor >= first + shown) {
            first = cursor - shown + 1;
        }
        return Math.clamp(first, 0, total - shown);
    }

    private void clean(StringBuilder out, int w, int h) {
        out.append(CLEAN);
        width = w;
        height = h;
        chars = new int[w * h];
        styles = new long[w * h];
        clusters = new String[w * h];
        Arrays.fill(chars, Line.BLANK);
        pen = Style.DEFAULT;
        outX = 0;
        outY = 0;
        keyModes = "";
        cursorShown = false;
        drawn = true;
    }

    /** Writes the cells of shown row {@code y} that differ from the frame. */
    private void drawRow(StringBuilder out, Line line, int y) {
        int row = y * width;
        for (int x = 0; x < width; x++) {
            int sx = left + x;
            int c = line.chars[sx];
            if (isShown(line, sx, x, row + x)) {
                continue;
            }
            if ((c & Line.PADDING) != 0 && x > 0 && (line.chars[sx - 1] & Line.WIDE) != 0) {
                x--; // the right half of a character changed: it is drawn again from its left half
                sx--;
                c = line.chars[sx];
            }
            if (x != outX || y != outY) {
                moveTo(out, x, y);
            }
            long style = line.styles[sx];
            if (style != pen) {
                Style.appendSgr(out, style);
                pen = style;
            }
            int shown = shownChar(line, sx, x);
            String cluster = line.clusters == null || shown != c ? null : line.clusters[sx];
            if (shown != c) {
                out.append(' ');
            } else if (cluster != null) {
                out.append(cluster);
            } else {
                out.appendCodePoint(c & Line.CODE_POINT);
            }
            remember(row + x, shown, style, cluster);
            if ((shown & Line.WIDE) != 0) {
                x++;
                remember(row + x, line.chars[sx + 1], line.styles[sx + 1], null);
            }
            // After the showing terminal's last column its cursor waits to wrap: a position to set again.
            outX = x + 1 < cols ? x + 1 : UNKNOWN;
        }
    }

    private boolean isShown(Line line, int sx, int x, int at) {
        int shown = shownChar(line, sx, x);
        return chars[at] == shown && styles[at] == line.styles[sx] && Objects.equals(clusters[at],
                line.clusters == null || shown != line.chars[sx] ? null : line.clusters[sx]);
    }

    /**
     * What the showing terminal has in view column {@code x} for source cell {@code sx}: the cell, or a
     * blank for half of a wide character whose other half is out of view (or, after a fault, missing).
     */
    private int shownChar(Line line, int sx, int x) {
        int c = line.chars[sx];
        boolean cut = (c & Line.PADDING) != 0
                ? x == 0 || (line.chars[sx - 1] & Line.WIDE) == 0
                : (c & Line.WIDE) != 0 && (x == width - 1 || (line.chars[sx + 1] & Line.PADDING) == 0);
        return cut ? Line.BLANK : c;
    }

    private void remember(int at, int c, long style, String cluster) {
        chars[at] = c;
        styles[at] = style;
        clusters[at] = cluster;
    }

    /** The modes that decide what the showing terminal's keys send, when they changed. */
    private void appendKeyModes(StringBuilder out, Screen s) {
        Modes m = s.modes;
        String now = (m.applicationCursor ? "\033[?1h" : "\033[?1l") + (m.applicationKeypad ? "\033=" : "\033>")
                + (m.bracketedPaste ? "\033[?2004h" : "\033[?2004l") + (m.focusEvents ? "\033[?1004h" : "\033[?1004l")
                + "\033[" + s.cursorStyle + " q";
        if (!now.equals(keyModes)) {
            out.append(now);
            keyModes = now;
        }
    }

    private void moveTo(StringBuilder out, int x, int y) {
        out.append("\033[").append(y + 1).append(';').append(x + 1).append('H');
        outX = x;
        outY = y;
    }
}

package io.cmdop.terminal;

import java.util.Arrays;

/**
 * One row of cells as primitive arrays: a code point per cell (with flags for the two halves of a wide
 * character) and a packed {@link Style} per cell. Text with combining marks lives in a side table that
 * exists only for lines that have some.
 */
final class Line {
    /** Flag on the left cell of a two-cell character. */
    static final int WIDE = 1 << 30;
    /** Flag on the right cell of a two-cell character; it holds no text of its own. */
    static final int PADDING = 1 << 29;
    static final int CODE_POINT = 0x1FFFFF;
    static final int BLANK = ' ';

    int[] chars;
    long[] styles;
    /** Full text of cells whose character has combining marks; null while no cell of the line has any. */
    String[] clusters;
    /** The line continues on the next one because text wrapped at the right edge. */
    boolean wrapped;

    Line(int cols) {
        chars = new int[cols];
        styles = new long[cols];
        Arrays.fill(chars, BLANK);
    }

    Line(int[] chars, long[] styles, String[] clusters, boolean wrapped) {
        this.chars = chars;
        this.styles = styles;
        this.clusters = clusters;
        this.wrapped = wrapped;
    }

    int cols() {
        return chars.length;
    }

    long memoryBytes() {
        return MemorySize.object(3 * 4 + 1) + MemorySize.array(chars.length, 4) + MemorySize.array(styles.length, 8)
                + (clusters == null ? 0 : MemorySize.array(clusters.length, 4));
    }

    Line copy() {
        return new Line(chars.clone(), styles.clone(), clusters == null ? null : clusters.clone(), wrapped);
    }

    /** A copy without the trailing cells that are blank in the default style, which most lines mostly are. */
    Line copyTrimmed() {
        int used = usedCells();
        return new Line(Arrays.copyOf(chars, used), Arrays.copyOf(styles, used),
                clusters == null ? null : Arrays.copyOf(clusters, used), wrapped);
    }

    /** Makes the whole line blank in {@code style}, reusing its arrays. */
    void reset(long style) {
        clear(0, chars.length, style);
        wrapped = false;
    }

    /** Blanks cells [from, to) in {@code style}. */
    void clear(int from, int to, long style) {
        if (from >= to) {
            return;
        }
        Arrays.fill(chars, from, to, BLANK);
        Arrays.fill(styles, from, to, style);
        if (clusters != null) {
            Arrays.fill(clusters, from, to, null);
        }
    }

    /** Shifts cells from {@code at} right by {@code n}; cells pushed past the edge are lost. */
    void insertCells(int at, int n, long style) {
        int cols = chars.length;
        n = Math.min(n, cols - at);
        System.arraycopy(chars, at, chars, at + n, cols - at - n);
        System.arraycopy(styles, at, styles, at + n, cols - at - n);
        if (clusters != null) {
            System.arraycopy(clusters, at, clusters, at + n, cols - at - n);
        }
        clear(at, at + n, style);
    }

    /** Removes {@code n} cells at {@code at}, pulling the rest left and blanking the freed cells at the end. */
    void deleteCells(int at, int n, long style) {
        int cols = chars.length;
        n = Math.min(n, cols - at);
        System.arraycopy(chars, at + n, chars, at, cols - at - n);
        System.arraycopy(styles, at + n, styles, at, cols - at - n);
        if (clusters != null) {
            System.arraycopy(clusters, at + n, clusters, at, cols - at - n);
        }
        clear(cols - n, cols, style);
    }

    /** Changes the width, cutting or padding with blanks on the right (no reflow). */
    void resize(int cols) {
        int old = chars.length;
        if (cols == old) {
            return;
        }
        chars = Arrays.copyOf(chars, cols);
        styles = Arrays.copyOf(styles, cols);
        if (clusters != null) {
            clusters = Arrays.copyOf(clusters, cols);
        }
        if (cols > old) {
            Arrays.fill(chars, old, cols, BLANK);
        } else if ((chars[cols - 1] & WIDE) != 0) {
            clear(cols - 1, cols, styles[cols - 1]); // its right half was cut off
        }
    }

    void setCluster(int x, String text) {
        if (clusters == null) {
            clusters = new String[chars.length];
        }
        clusters[x] = text;
    }

    /** The text of cell {@code x}: its character and combining marks, or "" for the right half of a wide one. */
    String text(int x) {
        int c = chars[x];
        if ((c & PADDING) != 0) {
            return "";
        }
        if (clusters != null && clusters[x] != null) {
            return clusters[x];
        }
        return Character.toString(c & CODE_POINT);
    }

    int width(int x) {
        int c = chars[x];
        return (c & PADDING) != 0 ? 0 : (c & WIDE) != 0 ? 2 : 1;
    }

    /** Plain text with trailing blanks trimmed; a wide character appears once. */
    String text() {
        StringBuilder sb = new StringBuilder(chars.length);
        for (int x = 0; x < chars.length; x++) {
            int c = chars[x];
            if ((c & PADDING) != 0) {
                continue;
            }
            if (clusters != null && clusters[x] != null) {
                sb.append(clusters[x]);
            } else {
                sb.appendCodePoint(c & CODE_POINT);
            }
        }
        int end = sb.length();
        while (end > 0 && sb.charAt(end - 1) == ' ') {
            end--;
        }
        sb.setLength(end);
        return sb.toString();
    }

    /** Number of cells up to the last one that is not blank in the default style; 0 for an empty line. */
    int usedCells() {
        int end = chars.length;
        while (end > 0 && chars[end - 1] == BLANK && styles[end - 1] == Style.DEFAULT
                && (clusters == null || clusters[end - 1] == null)) {
            end--;
        }
        return end;
    }
}

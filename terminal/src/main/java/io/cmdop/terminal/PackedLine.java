package io.cmdop.terminal;

import java.util.Arrays;

/**
 * A scrollback line packed to what it holds: its used cells ({@link Line#usedCells}), their text one
 * byte a cell when every cell is a single Latin-1 character, their styles as runs (or one style for
 * all). A line of a log takes about a seventh of its {@link Line}'s memory (a kilobyte at 80
 * columns): a session's scrollback is most of what it keeps once its output has scrolled by.
 */
final class PackedLine {
    /** The cells' text when each is one Latin-1 character (no wide ones, no combining marks); else null. */
    private final byte[] latin1;
    /** The cells as {@link Line#chars}, when {@link #latin1} cannot hold them; else null. */
    private final int[] chars;
    private final int cells;
    /** The style of each run of cells, and where each run ends (exclusive); null when one style is all. */
    private final long[] runStyles;
    private final int[] runEnds;
    /** The style of every cell, when they share one: most lines of a log, which saves two arrays a line. */
    private final long style;
    /** As {@link Line#clusters}, for the used cells; null while none has combining marks. */
    private final String[] clusters;
    private final boolean wrapped;

    private PackedLine(byte[] latin1, int[] chars, int cells, long[] runStyles, int[] runEnds, long style,
                       String[] clusters, boolean wrapped) {
        this.latin1 = latin1;
        this.chars = chars;
        this.cells = cells;
        this.runStyles = runStyles;
        this.runEnds = runEnds;
        this.style = style;
        this.clusters = clusters;
        this.wrapped = wrapped;
    }

    static PackedLine of(Line line) {
        int cells = line.usedCells();
        String[] clusters = line.clusters == null || allNull(line.clusters, cells) ? null
                : Arrays.copyOf(line.clusters, cells);
        byte[] latin1 = clusters == null ? latin1(line.chars, cells) : null;
        int runs = 0;
        for (int x = 0; x < cells; x++) {
            if (x == 0 || line.styles[x] != line.styles[x - 1]) {
                runs++;
            }
        }
        int[] chars = latin1 == null ? Arrays.copyOf(line.chars, cells) : null;
        if (runs <= 1) {
            return new PackedLine(latin1, chars, cells, null, null, runs == 0 ? Style.DEFAULT : line.styles[0],
                    clusters, line.wrapped);
        }
        long[] runStyles = new long[runs];
        int[] runEnds = new int[runs];
        int run = -1;
        for (int x = 0; x < cells; x++) {
            if (x == 0 || line.styles[x] != line.styles[x - 1]) {
                runStyles[++run] = line.styles[x];
            }
            runEnds[run] = x + 1;
        }
        return new PackedLine(latin1, chars, cells, runStyles, runEnds, Style.DEFAULT, clusters, line.wrapped);
    }

    long memoryBytes() {
        return MemorySize.object(5 * 4 + 4 + 8 + 1)
                + (latin1 != null ? MemorySize.array(latin1.length, 1) : MemorySize.array(chars.length, 4))
                + (runEnds == null ? 0 : MemorySize.array(runStyles.length, 8) + MemorySize.array(runEnds.length, 4))
                + (clusters == null ? 0 : MemorySize.array(clusters.length, 4));
    }

    /** The line as {@link Line#copyTrimmed} gives it: its used cells. */
    Line unpack() {
        int[] cellChars;
        if (latin1 != null) {
            cellChars = new int[cells];
            for (int x = 0; x < cells; x++) {
                cellChars[x] = latin1[x] & 0xFF;
            }
        } else {
            cellChars = chars.clone();
        }
        long[] styles = new long[cells];
        if (runEnds == null) {
            Arrays.fill(styles, style);
        } else {
            int from = 0;
            for (int run = 0; run < runEnds.length; run++) {
                Arrays.fill(styles, from, runEnds[run], runStyles[run]);
                from = runEnds[run];
            }
        }
        return new Line(cellChars, styles, clusters == null ? null : clusters.clone(), wrapped);
    }

    private static byte[] latin1(int[] chars, int cells) {
        byte[] text = new byte[cells];
        for (int x = 0; x < cells; x++) {
            if (chars[x] > 0xFF) { // also every wide or padding cell: their flags are high bits
                return null;
            }
            text[x] = (byte) chars[x];
        }
        return text;
    }

    private static boolean allNull(String[] clusters, int cells) {
        for (int x = 0; x < cells; x++) {
            if (clusters[x] != null) {
                return false;
            }
        }
        return true;
    }
}

package io.cmdop.terminal;

import java.util.Arrays;

/**
 * The normal screen's history: lines that scrolled off its top, oldest first, in a fixed-capacity ring.
 * When full, the oldest line is handed back to be reused as the new blank line at the bottom, so that
 * steady scrolling allocates nothing. Now and then ({@link #pack}) the lines are packed to what they
 * hold ({@link PackedLine}), which a line of the screen cannot be: it is reused, and written in place.
 */
final class Scrollback {
    /** Each slot holds a line either as the screen left it or packed; the other is null. */
    private final Line[] lines;
    /** Made at the first {@link #pack}: a session that never scrolls far does not pay for it. */
    private PackedLine[] packed;
    private int head;
    private int size;
    /** The newest lines, pushed since the last {@link #pack}, are not packed yet. */
    private int unpacked;

    Scrollback(int capacity) {
        lines = new Line[Math.max(0, capacity)];
    }

    int size() {
        return size;
    }

    /** A copy of line {@code i} (0 being the oldest), trimmed to its used cells. */
    Line copy(int i) {
        int slot = slot(i);
        return lines[slot] != null ? lines[slot].copyTrimmed() : packed[slot].unpack();
    }

    /**
     * Appends {@code line} and returns the evicted oldest line for reuse, or null if nothing was evicted
     * or it was packed.
     */
    Line push(Line line) {
        if (lines.length == 0) {
            return line;
        }
        int slot = slot(size);
        Line evicted = null;
        if (size == lines.length) {
            evicted = lines[head];
            if (packed != null) {
                packed[head] = null;
            }
            head = (head + 1) % lines.length;
        } else {
            size++;
        }
        lines[slot] = line;
        unpacked = Math.min(unpacked + 1, size);
        return evicted;
    }

    /** Removes and returns the newest line, for a screen that grows taller and takes it back. */
    Line popNewest() {
        if (size == 0) {
            return null;
        }
        int slot = slot(size - 1);
        Line line = lines[slot] != null ? lines[slot] : packed[slot].unpack();
        lines[slot] = null;
        if (packed != null) {
            packed[slot] = null;
        }
        size--;
        unpacked = Math.max(0, unpacked - 1); // the newest lines are the unpacked ones
        return line;
    }

    /** Packs the lines pushed since the last call. */
    void pack() {
        if (unpacked > 0 && packed == null) {
            packed = new PackedLine[lines.length];
        }
        for (int i = size - unpacked; i < size; i++) {
            int slot = slot(i);
            packed[slot] = PackedLine.of(lines[slot]);
            lines[slot] = null;
        }
        unpacked = 0;
    }

    long memoryBytes() {
        long bytes = MemorySize.array(lines.length, 4) + (packed == null ? 0 : MemorySize.array(packed.length, 4));
        for (int i = 0; i < size; i++) {
            int slot = slot(i);
            bytes += lines[slot] != null ? lines[slot].memoryBytes() : packed[slot].memoryBytes();
        }
        return bytes;
    }

    void clear() {
        Arrays.fill(lines, null);
        packed = null;
        head = 0;
        size = 0;
        unpacked = 0;
    }

    private int slot(int i) {
        return (head + i) % lines.length;
    }
}

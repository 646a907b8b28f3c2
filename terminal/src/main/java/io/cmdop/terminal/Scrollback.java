package io.cmdop.terminal;

/**
 * The normal screen's history: lines that scrolled off its top, oldest first, in a fixed-capacity ring.
 * When full, the oldest line is handed back to be reused as the new blank line at the bottom, so that
 * steady scrolling allocates nothing.
 */
final class Scrollback {
    private final Line[] ring;
    private int head;
    private int size;

    Scrollback(int capacity) {
        ring = new Line[Math.max(0, capacity)];
    }

    int size() {
        return size;
    }

    /** Line {@code i}, 0 being the oldest. */
    Line get(int i) {
        return ring[(head + i) % ring.length];
    }

    /** Appends {@code line} and returns the evicted oldest line for reuse, or null if nothing was evicted. */
    Line push(Line line) {
        if (ring.length == 0) {
            return line;
        }
        int slot = (head + size) % ring.length;
        Line evicted = null;
        if (size == ring.length) {
            evicted = ring[head];
            head = (head + 1) % ring.length;
        } else {
            size++;
        }
        ring[slot] = line;
        return evicted;
    }

    /** Removes and returns the newest line, for a screen that grows taller and takes it back. */
    Line popNewest() {
        if (size == 0) {
            return null;
        }
        int slot = (head + size - 1) % ring.length;
        Line line = ring[slot];
        ring[slot] = null;
        size--;
        return line;
    }

    void clear() {
        java.util.Arrays.fill(ring, null);
        head = 0;
        size = 0;
    }
}

package io.cmdop.terminal;

import java.util.BitSet;

/** Horizontal tab stops; every 8 columns until HTS/TBC change them. */
final class TabStops {
    private final BitSet stops = new BitSet();
    private int cols;

    TabStops(int cols) {
        this.cols = cols;
        reset();
    }

    private TabStops(TabStops other) {
        stops.or(other.stops);
        cols = other.cols;
    }

    TabStops copy() {
        return new TabStops(this);
    }

    void reset() {
        stops.clear();
        for (int x = 8; x < cols; x += 8) {
            stops.set(x);
        }
    }

    /** Keeps the stops and gives new columns the default stops, as xterm and tmux do. */
    void resize(int newCols) {
        if (newCols > cols) {
            for (int x = (cols + 7) / 8 * 8; x < newCols; x += 8) {
                stops.set(x);
            }
        } else {
            stops.clear(newCols, Math.max(newCols, cols));
        }
        cols = newCols;
    }

    void set(int x) {
        stops.set(x);
    }

    void clear(int x) {
        stops.clear(x);
    }

    void clearAll() {
        stops.clear();
    }

    boolean isSet(int x) {
        return stops.get(x);
    }

    boolean isDefault() {
        TabStops standard = new TabStops(cols);
        return standard.stops.equals(stops);
    }
}

package io.cmdop.terminal;

/**
 * The numeric parameters of one control sequence, reused for every sequence so that parsing allocates nothing.
 * Bounded: parameters past {@link #MAX} are dropped and values saturate, as a hostile stream may send any number.
 */
final class Params {
    static final int MAX = 32;
    private static final int MAX_VALUE = 65535;
    /** Stored for a parameter that was left empty, so that each command can apply its own default. */
    private static final int EMPTY = -1;

    private final int[] values = new int[MAX];
    /** Bit i is set when parameter i followed a ':' and so is a sub-parameter of the one before it. */
    private long subParameters;
    private int count;

    void reset() {
        count = 0;
        subParameters = 0;
    }

    /** Adds a digit to the current parameter, opening the first one if none is open. */
    void digit(int d) {
        if (count == 0) {
            count = 1;
            values[0] = EMPTY;
        }
        int i = count - 1;
        if (i < MAX) {
            int v = values[i] == EMPTY ? 0 : values[i];
            values[i] = Math.min(MAX_VALUE, v * 10 + d);
        }
    }

    /** Closes the current parameter at a ';' or ':' and opens the next one. */
    void separator(boolean colon) {
        if (count == 0) {
            count = 1;
            values[0] = EMPTY;
        }
        if (count < MAX) {
            values[count] = EMPTY;
            if (colon) {
                subParameters |= 1L << count;
            }
        }
        count++;
    }

    int count() {
        return Math.min(count, MAX);
    }

    /** The parameter's value, or {@code otherwise} when it is missing or empty. */
    int get(int i, int otherwise) {
        return i < count() && values[i] != EMPTY ? values[i] : otherwise;
    }

    /** Like {@link #get} but treats 0 as missing, as cursor movements and counts do. */
    int count(int i) {
        int v = get(i, 1);
        return v == 0 ? 1 : v;
    }

    boolean isSubParameter(int i) {
        return i < count() && (subParameters & 1L << i) != 0;
    }
}

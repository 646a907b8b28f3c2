package io.cmdop.terminal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Scans terminal output eight bytes at a time. Output streams at up to ~100 MB/s and the bytes
 * worth stopping at (an ESC, a marker's first byte, the end of a run of text) are sparse, so a
 * byte-by-byte loop costs a visible share of a core.
 */
public final class ByteSearch {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long SPACES = 0x2020202020202020L;
    private static final long LOWS = 0x7F7F7F7F7F7F7F7FL;

    private ByteSearch() {
    }

    /** The index of the first {@code b} in {@code data[from, to)}, or -1. */
    public static int indexOf(byte[] data, int from, int to, byte b) {
        long pattern = (b & 0xffL) * ONES;
        int i = from;
        for (; i + Long.BYTES <= to; i += Long.BYTES) {
            long x = (long) LONGS.get(data, i) ^ pattern;
            // A byte equal to b is zero in x; the lowest flagged byte is always a true one.
            long zeros = (x - ONES) & ~x & HIGHS;
            if (zeros != 0) {
                return i + (Long.numberOfTrailingZeros(zeros) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (data[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /** The index of the first C0 control (a byte below 0x20) in {@code data[from, to)}, or -1. */
    static int indexOfControl(byte[] data, int from, int to) {
        int i = from;
        for (; i + Long.BYTES <= to; i += Long.BYTES) {
            long x = (long) LONGS.get(data, i);
            // As in printableEnd, without stopping at DEL or UTF-8 (whose high bit is set in x).
            long flags = (x - SPACES) & ~x & HIGHS;
            if (flags != 0) {
                return i + (Long.numberOfTrailingZeros(flags) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (data[i] >= 0 && data[i] < 0x20) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The index of the {@code n}th {@code b} counted back from {@code to} (the last one being the
     * first), or -1 if {@code data[from, to)} holds fewer than {@code n} (n &gt; 0).
     */
    static int nthLastIndexOf(byte[] data, int from, int to, byte b, int n) {
        long pattern = (b & 0xffL) * ONES;
        int i = to - Long.BYTES;
        for (; i >= from; i -= Long.BYTES) {
            long x = (long) LONGS.get(data, i) ^ pattern;
            // Exact: a byte's high bit is set only if that byte is zero (no borrow crosses bytes).
            long zeros = ~(((x & LOWS) + LOWS) | x | LOWS);
            int count = Long.bitCount(zeros);
            if (count < n) {
                n -= count;
                continue;
            }
            while (true) {
                int high = 63 - Long.numberOfLeadingZeros(zeros);
                if (--n == 0) {
                    return i + (high >>> 3);
                }
                zeros &= ~(1L << high);
            }
        }
        for (int j = i + Long.BYTES - 1; j >= from; j--) {
            if (data[j] == b && --n == 0) {
                return j;
            }
        }
        return -1;
    }

    /**
     * The index of the first byte in {@code data[from, to)} that is not printable ASCII (0x20 to
     * 0x7E: a control, DEL or a byte of UTF-8), or {@code to} if there is none.
     */
    public static int printableEnd(byte[] data, int from, int to) {
        int i = from;
        for (; i + Long.BYTES <= to; i += Long.BYTES) {
            long x = (long) LONGS.get(data, i);
            // High bit per byte: below 0x20 (the subtraction borrows), 0x7F (adding one reaches 0x80) or
            // above. A borrow or carry only leaves a byte that is flagged itself, so the lowest flag is true.
            long flags = ((x - SPACES) & ~x | (x + ONES) | x) & HIGHS;
            if (flags != 0) {
                return i + (Long.numberOfTrailingZeros(flags) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (data[i] < 0x20 || data[i] == 0x7F) {
                return i;
            }
        }
        return to;
    }
}

package io.cmdop.terminal;

import java.util.Arrays;

/**
 * Streaming plain output ({@link PlainOutput}) held back so that the model parses it in one go
 * ({@link VirtualTerminal#feed}): what is taken, up to 1 MiB, and when it is let go. Only the
 * holding is decided here; the parsing, and what it may skip, is the model's.
 */
final class HeldOutput {
    /** Parses plain output; true if some of it could be skipped. */
    interface PlainParser {
        boolean parse(byte[] data, int offset, int end);
    }

    /** A chunk this long is output streaming (an echo is a few bytes): worth holding back. */
    private static final int HOLD_FROM = 1024;
    /** Held at most; the larger, the more of it scrolls away before its end. */
    static final int MAX_HELD = 1 << 20;
    private static final int FIRST_HOLD = 16 * 1024;
    private static final byte[] NOTHING = new byte[0];

    private final PlainOutput plain = new PlainOutput();
    private final PlainParser parser;
    /** Plain output taken but not yet parsed: {@code held[0, length)}. */
    private byte[] held = NOTHING;
    private int length;
    /**
     * Output still to be parsed as it comes before holding again: the screen is read so often that
     * held output does not grow long enough to skip any, and holding costs a scan and a copy then.
     */
    private long unheldBytes;
    /** Output fed since the screen was last read. */
    private long fedSinceRead;

    HeldOutput(PlainParser parser) {
        this.parser = parser;
    }

    /**
     * Takes {@code data[offset, end)} if it is plain output that may be held, after any held already
     * ({@code mayStart}: the parser reads text and lines can scroll away, needed to start holding).
     * False if the caller must parse it, after {@link #release}.
     */
    boolean take(byte[] data, int offset, int end, boolean mayStart) {
        int n = end - offset;
        fedSinceRead += n;
        if (length == 0) {
            if (unheldBytes > 0) {
                unheldBytes -= n;
                return false;
            }
            if (n < HOLD_FROM || !mayStart) {
                return false;
            }
            plain.restart();
        }
        if (!plain.accepts(data, offset, end)) {
            return false;
        }
        if (n > MAX_HELD) {
            settle();
            parser.parse(data, offset, end);
            return true;
        }
        if (length + n > MAX_HELD) {
            settle();
        }
        if (length + n > held.length) {
            held = Arrays.copyOf(held, Math.min(MAX_HELD, Math.max(FIRST_HOLD, 2 * (length + n))));
        }
        System.arraycopy(data, offset, held, length, n);
        length += n;
        return true;
    }

    /** Parses what is held and lets go of the buffer: output stopped streaming plain, or went quiet. */
    void release() {
        settle();
        held = NOTHING;
    }

    /**
     * Parses what is held, for the screen to be read. A second read within 1 MiB of output that finds
     * held output too short to skip any stops holding for the next 1 MiB.
     */
    void settleForRead() {
        if (length > 0 && !settle() && fedSinceRead < MAX_HELD) {
            unheldBytes = MAX_HELD;
        }
        fedSinceRead = 0;
    }

    /** Memory set aside for held output: what {@link #release} gives back. */
    int bufferBytes() {
        return held.length;
    }

    /** Parses what is held; false if none of it could be skipped. */
    private boolean settle() {
        if (length == 0) {
            return false;
        }
        int n = length;
        length = 0;
        return parser.parse(held, 0, n);
    }
}

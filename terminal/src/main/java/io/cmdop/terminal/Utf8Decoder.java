package io.cmdop.terminal;

/**
 * Incremental UTF-8 decoder: keeps a partial sequence across {@code feed} calls, and reports malformed
 * input (bad lead byte, missing continuation, overlong form, surrogate, beyond U+10FFFF) as U+FFFD.
 */
final class Utf8Decoder {
    static final int REPLACEMENT = 0xFFFD;
    /** Returned by {@link #accept} while a sequence is still incomplete. */
    static final int MORE = -1;
    /** Returned by {@link #accept} when the byte is no continuation byte: the sequence was cut short. */
    static final int CUT_SHORT = -2;

    private int codePoint;
    private int remaining;
    private int min;

    boolean inSequence() {
        return remaining > 0;
    }

    /** Starts a sequence with a byte 0x80..0xFF; returns U+FFFD at once for a byte that cannot start one. */
    int start(int b) {
        if (b >= 0xC2 && b <= 0xDF) {
            begin(b & 0x1F, 1, 0x80);
        } else if (b >= 0xE0 && b <= 0xEF) {
            begin(b & 0x0F, 2, 0x800);
        } else if (b >= 0xF0 && b <= 0xF4) {
            begin(b & 0x07, 3, 0x10000);
        } else {
            return REPLACEMENT;
        }
        return MORE;
    }

    private void begin(int bits, int more, int minimum) {
        codePoint = bits;
        remaining = more;
        min = minimum;
    }

    /**
     * Continues a sequence with byte {@code b}. Returns the code point (U+FFFD if malformed) when complete,
     * {@link #MORE} when not yet, or {@link #CUT_SHORT} when the caller must report U+FFFD and process
     * {@code b} anew.
     */
    int accept(int b) {
        if ((b & 0xC0) != 0x80) {
            remaining = 0;
            return CUT_SHORT;
        }
        codePoint = codePoint << 6 | b & 0x3F;
        if (--remaining > 0) {
            return MORE;
        }
        if (codePoint < min || codePoint > 0x10FFFF || codePoint >= 0xD800 && codePoint <= 0xDFFF) {
            return REPLACEMENT;
        }
        return codePoint;
    }
}

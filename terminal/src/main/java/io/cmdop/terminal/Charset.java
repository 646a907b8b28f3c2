package io.cmdop.terminal;

/**
 * A character set that can be designated into G0 or G1. Only the DEC special graphics set changes
 * anything: top, htop, mc and dialog draw their boxes with it. Its glyphs are stored as the Unicode
 * characters they look like, so snapshots carry what the user saw.
 */
enum Charset {
    ASCII,
    DEC_SPECIAL_GRAPHICS;

    /** Glyphs for 0x5F..0x7E in the DEC special graphics set. */
    private static final char[] GRAPHICS = (
            "\u0020\u25C6\u2592\u2409\u240C\u240D\u240A\u00B0\u00B1\u2424\u240B\u2518\u2510\u250C\u2514\u253C"
            + "\u23BA\u23BB\u2500\u23BC\u23BD\u251C\u2524\u2534\u252C\u2502\u2264\u2265\u03C0\u2260\u00A3\u00B7")
            .toCharArray();

    /** The set designated by the final byte of ESC ( F or ESC ) F; unknown sets behave as ASCII, as in tmux. */
    static Charset designated(int finalByte) {
        return finalByte == '0' ? DEC_SPECIAL_GRAPHICS : ASCII;
    }

    int map(int cp) {
        if (this == DEC_SPECIAL_GRAPHICS && cp >= 0x5F && cp <= 0x7E) {
            return GRAPHICS[cp - 0x5F];
        }
        return cp;
    }

    /** The final byte that designates this set, for re-creating it. */
    char finalByte() {
        return this == DEC_SPECIAL_GRAPHICS ? '0' : 'B';
    }
}

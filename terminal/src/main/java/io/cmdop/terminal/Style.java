package io.cmdop.terminal;

/**
 * Rendition of a cell packed into one {@code long}, so that a line's styles are a primitive array and
 * printing copies no objects. Layout: bits 0-25 foreground, 26-51 background (see {@link Color} packing),
 * then one bit per attribute and three bits of underline style (1 single, 2 double, 3 curly, 4 dotted, 5 dashed).
 */
final class Style {
    static final long DEFAULT = 0L;

    private static final int BG_SHIFT = 26;
    private static final long COLOR_MASK = Color.PACKED_MASK;
    static final long BOLD = 1L << 52;
    static final long DIM = 1L << 53;
    static final long ITALIC = 1L << 54;
    private static final int UNDERLINE_SHIFT = 55;
    private static final long UNDERLINE_MASK = 7L << UNDERLINE_SHIFT;
    static final long BLINK = 1L << 58;
    static final long REVERSE = 1L << 59;
    static final long INVISIBLE = 1L << 60;
    static final long STRIKETHROUGH = 1L << 61;
    static final long OVERLINE = 1L << 62;

    private Style() {
    }

    static int fg(long style) {
        return (int) (style & COLOR_MASK);
    }

    static int bg(long style) {
        return (int) (style >>> BG_SHIFT & COLOR_MASK);
    }

    static long withFg(long style, int packedColor) {
        return style & ~COLOR_MASK | packedColor;
    }

    static long withBg(long style, int packedColor) {
        return style & ~(COLOR_MASK << BG_SHIFT) | (long) packedColor << BG_SHIFT;
    }

    static boolean has(long style, long attribute) {
        return (style & attribute) != 0;
    }

    static int underline(long style) {
        return (int) ((style & UNDERLINE_MASK) >>> UNDERLINE_SHIFT);
    }

    static long withUnderline(long style, int kind) {
        return style & ~UNDERLINE_MASK | (long) kind << UNDERLINE_SHIFT;
    }

    /** What erasing leaves in a cell: the pen's background only ("background colour erase", as xterm and tmux). */
    static long erased(long pen) {
        return withBg(DEFAULT, bg(pen));
    }

    /** Applies a whole SGR sequence to {@code style}. */
    static long applySgr(long style, Params p) {
        int n = p.count();
        if (n == 0) {
            return DEFAULT;
        }
        for (int i = 0; i < n; i++) {
            int code = p.get(i, 0);
            int subs = 0;
            while (p.isSubParameter(i + 1 + subs)) {
                subs++;
            }
            if (subs > 0) {
                style = applyColonForm(style, p, i, subs);
                i += subs;
                continue;
            }
            if (code == 38 || code == 48 || code == 58) {
                style = applyExtendedColor(style, p, i, code);
                i += extendedLength(p, i);
                continue;
            }
            style = applySimple(style, code);
        }
        return style;
    }

    private static long applySimple(long style, int code) {
        return switch (code) {
            case 0 -> DEFAULT;
            case 1 -> style | BOLD;
            case 2 -> style | DIM;
            case 3 -> style | ITALIC;
            case 4 -> withUnderline(style, 1);
            case 5, 6 -> style | BLINK;
            case 7 -> style | REVERSE;
            case 8 -> style | INVISIBLE;
            case 9 -> style | STRIKETHROUGH;
            case 21 -> withUnderline(style, 2);
            case 22 -> style & ~(BOLD | DIM);
            case 23 -> style & ~ITALIC;
            case 24 -> withUnderline(style, 0);
            case 25 -> style & ~BLINK;
            case 27 -> style & ~REVERSE;
            case 28 -> style & ~INVISIBLE;
            case 29 -> style & ~STRIKETHROUGH;
            case 39 -> withFg(style, 0);
            case 49 -> withBg(style, 0);
            case 53 -> style | OVERLINE;
            case 55 -> style & ~OVERLINE;
            default -> {
                if (code >= 30 && code <= 37) {
                    yield withFg(style, Color.PACKED_INDEXED | code - 30);
                } else if (code >= 40 && code <= 47) {
                    yield withBg(style, Color.PACKED_INDEXED | code - 40);
                } else if (code >= 90 && code <= 97) {
                    yield withFg(style, Color.PACKED_INDEXED | code - 90 + 8);
                } else if (code >= 100 && code <= 107) {
                    yield withBg(style, Color.PACKED_INDEXED | code - 100 + 8);
                }
                yield style;
            }
        };
    }

    /** How many parameters after 38/48/58 the semicolon form 38;5;n or 38;2;r;g;b takes. */
    private static int extendedLength(Params p, int i) {
        return switch (p.get(i + 1, -1)) {
            case 5 -> 2;
            case 2 -> 4;
            case -1 -> 0;
            default -> 1;
        };
    }

    private static long applyExtendedColor(long style, Params p, int i, int code) {
        int kind = p.get(i + 1, -1);
        if (kind == 5) {
            int index = p.get(i + 2, -1);
            return index >= 0 && index <= 255 ? setColor(style, code, Color.PACKED_INDEXED | index) : style;
        }
        if (kind == 2) {
            int r = p.get(i + 2, -1);
            int g = p.get(i + 3, -1);
            int b = p.get(i + 4, -1);
            if (r >= 0 && r <= 255 && g >= 0 && g <= 255 && b >= 0 && b <= 255) {
                return setColor(style, code, Color.PACKED_RGB | r << 16 | g << 8 | b);
            }
        }
        return style;
    }

    /** Colon form: 4:n underline styles, 38:5:n, 38:2:r:g:b and 38:2:colourspace:r:g:b. */
    private static long applyColonForm(long style, Params p, int i, int subs) {
        int code = p.get(i, 0);
        if (code == 4) {
            int kind = p.get(i + 1, 0);
            return kind <= 5 ? withUnderline(style, kind) : style;
        }
        if (code != 38 && code != 48 && code != 58) {
            return applySimple(style, code);
        }
        int kind = p.get(i + 1, -1);
        if (kind == 5 && subs >= 2) {
            int index = p.get(i + 2, -1);
            return index >= 0 && index <= 255 ? setColor(style, code, Color.PACKED_INDEXED | index) : style;
        }
        if (kind == 2 && subs >= 4) {
            int first = subs >= 5 ? i + 3 : i + 2;
            int r = p.get(first, 0);
            int g = p.get(first + 1, 0);
            int b = p.get(first + 2, 0);
            if (r <= 255 && g <= 255 && b <= 255) {
                return setColor(style, code, Color.PACKED_RGB | r << 16 | g << 8 | b);
            }
        }
        return style;
    }

    private static long setColor(long style, int code, int packed) {
        return switch (code) {
            case 38 -> withFg(style, packed);
            case 48 -> withBg(style, packed);
            default -> style; // 58: underline colour is parsed so it does not leak into other attributes, not kept
        };
    }

    /** Appends an SGR sequence that sets exactly {@code style} from any previous state. */
    static void appendSgr(StringBuilder out, long style) {
        out.append("\033[0");
        if (has(style, BOLD)) out.append(";1");
        if (has(style, DIM)) out.append(";2");
        if (has(style, ITALIC)) out.append(";3");
        int underline = underline(style);
        if (underline == 1) {
            out.append(";4");
        } else if (underline > 1) {
            out.append(";4:").append(underline);
        }
        if (has(style, BLINK)) out.append(";5");
        if (has(style, REVERSE)) out.append(";7");
        if (has(style, INVISIBLE)) out.append(";8");
        if (has(style, STRIKETHROUGH)) out.append(";9");
        if (has(style, OVERLINE)) out.append(";53");
        appendColor(out, fg(style), 30, 90, 38);
        appendColor(out, bg(style), 40, 100, 48);
        out.append('m');
    }

    private static void appendColor(StringBuilder out, int packed, int base, int brightBase, int extended) {
        int value = packed & 0xFFFFFF;
        switch (packed >>> 24) {
            case 1 -> {
                if (value < 8) {
                    out.append(';').append(base + value);
                } else if (value < 16) {
                    out.append(';').append(brightBase + value - 8);
                } else {
                    out.append(';').append(extended).append(";5;").append(value);
                }
            }
            case 2 -> out.append(';').append(extended).append(";2;").append(value >> 16).append(';')
                    .append(value >> 8 & 0xFF).append(';').append(value & 0xFF);
            default -> {
            }
        }
    }
}

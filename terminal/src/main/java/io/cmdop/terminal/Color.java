package io.cmdop.terminal;

/**
 * A cell's foreground or background colour: the terminal's default, an entry of the 256-colour palette
 * (0-7 standard, 8-15 bright, as set by SGR 30-37 / 90-97 or 38;5;n) or a 24-bit colour.
 */
public record Color(Kind kind, int value) {
    /** Where the colour comes from. */
    public enum Kind { DEFAULT, INDEXED, RGB }

    public static final Color DEFAULT = new Color(Kind.DEFAULT, 0);

    // Packed form used inside the grid: 2 bits of kind above 24 bits of value.
    static final int PACKED_INDEXED = 1 << 24;
    static final int PACKED_RGB = 2 << 24;
    static final int PACKED_MASK = (1 << 26) - 1;

    public Color {
        if (kind == Kind.DEFAULT && value != 0
                || kind == Kind.INDEXED && (value < 0 || value > 255)
                || kind == Kind.RGB && (value & ~0xFFFFFF) != 0) {
            throw new IllegalArgumentException("bad " + kind + " colour value " + value);
        }
    }

    public static Color indexed(int index) {
        return new Color(Kind.INDEXED, index);
    }

    public static Color rgb(int r, int g, int b) {
        return new Color(Kind.RGB, (r & 0xFF) << 16 | (g & 0xFF) << 8 | b & 0xFF);
    }

    static Color unpack(int packed) {
        return switch (packed >>> 24) {
            case 1 -> indexed(packed & 0xFF);
            case 2 -> new Color(Kind.RGB, packed & 0xFFFFFF);
            default -> DEFAULT;
        };
    }

    static int pack(Color color) {
        return switch (color.kind) {
            case DEFAULT -> 0;
            case INDEXED -> PACKED_INDEXED | color.value;
            case RGB -> PACKED_RGB | color.value;
        };
    }

    @Override
    public String toString() {
        return switch (kind) {
            case DEFAULT -> "default";
            case INDEXED -> "#" + value;
            case RGB -> String.format("rgb(%d,%d,%d)", value >> 16, value >> 8 & 0xFF, value & 0xFF);
        };
    }
}

package io.cmdop.terminal;

/**
 * One cell of a snapshot. {@code text} is the character with any combining marks attached to it, a single
 * space for a blank cell, and empty for the right half of a two-cell character (whose {@code width} is 0).
 */
public record Cell(String text, int width, Color fg, Color bg, boolean bold, boolean dim, boolean italic,
                   boolean underline, boolean blink, boolean reverse, boolean invisible, boolean strikethrough) {

    static Cell of(String text, int width, long style) {
        return new Cell(text, width, Color.unpack(Style.fg(style)), Color.unpack(Style.bg(style)),
                Style.has(style, Style.BOLD), Style.has(style, Style.DIM), Style.has(style, Style.ITALIC),
                Style.underline(style) != 0, Style.has(style, Style.BLINK), Style.has(style, Style.REVERSE),
                Style.has(style, Style.INVISIBLE), Style.has(style, Style.STRIKETHROUGH));
    }
}

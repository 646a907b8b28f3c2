package io.cmdop.terminal;

/**
 * Text laid out in a terminal's cells, for a client's own lines (a status line): measured as the
 * terminal model measures what programs print, so that a line made to fit a row does fit it.
 */
public final class CellText {
    private CellText() {
    }

    /**
     * {@code text} made exactly {@code cells} wide: cut after the last character that fits whole
     * (a wide character never half-shown, a surrogate pair never split), padded with spaces.
     * Control characters show as {@code ?}: a name must not move the cursor or change modes.
     */
    public static String fit(String text, int cells) {
        StringBuilder fitted = new StringBuilder(cells);
        int used = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isISOControl(cp)) {
                cp = '?';
            }
            int width = CharWidth.of(cp);
            if (used + width > cells) {
                break;
            }
            fitted.appendCodePoint(cp);
            used += width;
        }
        return fitted.repeat(' ', cells - used).toString();
    }
}

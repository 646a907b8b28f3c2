package io.cmdop.session;

/** A terminal size in character cells. */
public record TerminalSize(int cols, int rows) {
    /** Bounds that keep a hostile size from allocating a huge screen. */
    public static final int MAX_COLS = 1000;
    public static final int MAX_ROWS = 500;
    public static final TerminalSize DEFAULT = new TerminalSize(80, 24);

    public TerminalSize {
        if (cols < 1 || rows < 1 || cols > MAX_COLS || rows > MAX_ROWS) {
            throw new SessionException(Reason.INVALID_ARGUMENT,
                    "terminal size " + cols + "x" + rows + " is out of range (1x1 to " + MAX_COLS + "x" + MAX_ROWS + ")");
        }
    }

    @Override
    public String toString() {
        return cols + "x" + rows;
    }
}

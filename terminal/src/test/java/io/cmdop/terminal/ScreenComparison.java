package io.cmdop.terminal;

import java.util.ArrayList;
import java.util.List;

/**
 * Compares the model's snapshot with tmux's screen and describes every difference a user would see: text
 * per row, each cell's attributes and colours, cursor position and visibility, alternate screen, the normal
 * screen kept beneath it, modes and scroll region.
 */
final class ScreenComparison {
    private static final int MAX_REPORTED = 25;

    private ScreenComparison() {
    }

    /** Throws an AssertionError listing the differences, with both screens for context. */
    static void assertSame(ScreenSnapshot model, TmuxScreen tmux, String what) {
        List<String> differences = differences(model, tmux);
        if (!differences.isEmpty()) {
            StringBuilder sb = new StringBuilder(what).append(": model and tmux differ\n");
            differences.stream().limit(MAX_REPORTED).forEach(d -> sb.append("  ").append(d).append('\n'));
            if (differences.size() > MAX_REPORTED) {
                sb.append("  ... ").append(differences.size() - MAX_REPORTED).append(" more\n");
            }
            sb.append("model:\n");
            for (String line : model.lines()) {
                sb.append("  |").append(line).append('\n');
            }
            sb.append("tmux:\n");
            for (int y = 0; y < tmux.rows(); y++) {
                sb.append("  |").append(tmux.text(y)).append('\n');
            }
            throw new AssertionError(sb.toString());
        }
    }

    static List<String> differences(ScreenSnapshot model, TmuxScreen tmux) {
        List<String> d = new ArrayList<>();
        compareCells(model.screenLines(), tmux.cells(), "", d);
        if (tmux.alternate() && model.alternateScreen()) {
            compareCells(model.normalScreenLines(), tmux.normalCells(), "normal screen ", d);
        }
        check(d, "cursor", model.rawCursorX() + "," + model.cursorY(), tmux.cursorX() + "," + tmux.cursorY());
        check(d, "cursor visible", model.cursorVisible(), tmux.cursorVisible());
        check(d, "alternate screen", model.alternateScreen(), tmux.alternate());
        Modes m = model.modes();
        check(d, "insert mode", m.insert, tmux.insert());
        check(d, "application cursor keys", m.applicationCursor, tmux.applicationCursor());
        check(d, "application keypad", m.applicationKeypad, tmux.applicationKeypad());
        check(d, "mouse tracking", m.mouse.mode, tmux.mouse());
        check(d, "SGR mouse", m.mouseSgr, tmux.mouseSgr());
        check(d, "UTF-8 mouse", m.mouseUtf8, tmux.mouseUtf8());
        check(d, "origin mode", m.origin, tmux.origin());
        check(d, "autowrap", m.autowrap, tmux.autowrap());
        check(d, "scroll region", model.scrollTop() + "-" + model.scrollBottom(),
                tmux.scrollTop() + "-" + tmux.scrollBottom());
        if (!model.title().isEmpty()) {
            check(d, "title", model.title(), tmux.title());
        }
        return d;
    }

    /** Compares cells in the order a capture lists them, right halves of wide characters left out. */
    private static void compareCells(Line[] model, List<List<Cell>> tmux, String where, List<String> d) {
        for (int y = 0; y < tmux.size(); y++) {
            Line line = model[y];
            List<Cell> expected = tmux.get(y);
            StringBuilder tmuxText = new StringBuilder();
            expected.forEach(c -> tmuxText.append(c.text()));
            String modelText = line.text();
            if (!modelText.equals(tmuxText.toString().stripTrailing())) {
                d.add(where + "row " + y + " text: model \"" + modelText + "\" tmux \"" + tmuxText + "\"");
                continue;
            }
            int i = 0;
            for (int x = 0; x < line.cols(); x++) {
                if (line.width(x) == 0) {
                    continue;
                }
                Cell actual = Cell.of(line.text(x), line.width(x), line.styles[x]);
                if (i >= expected.size()) {
                    // tmux leaves cleared cells past the last written one out of a capture: they must be blank.
                    if (!actual.text().equals(" ")) {
                        d.add(where + "cell " + x + "," + y + ": model " + actual + ", tmux blank");
                    }
                } else if (!expected.get(i).equals(actual)) {
                    d.add(where + "cell " + x + "," + y + ": model " + actual + ", tmux " + expected.get(i));
                }
                i++;
            }
        }
    }

    /** Model against model: every cell of both screens and the scrollback, cursor, modes, pen and title. */
    static List<String> differences(ScreenSnapshot expected, ScreenSnapshot actual) {
        List<String> d = new ArrayList<>();
        compareLines(expected.screenLines(), actual.screenLines(), "", d);
        compareLines(expected.normalScreenLines(), actual.normalScreenLines(), "normal screen ", d);
        compareLines(expected.scrollbackLines().toArray(new Line[0]), actual.scrollbackLines().toArray(new Line[0]),
                "scrollback ", d);
        check(d, "cursor", expected.rawCursorX() + "," + expected.cursorY(), actual.rawCursorX() + "," + actual.cursorY());
        check(d, "alternate screen", expected.alternateScreen(), actual.alternateScreen());
        check(d, "modes", describe(expected.modes()), describe(actual.modes()));
        check(d, "scroll region", expected.scrollTop() + "-" + expected.scrollBottom(),
                actual.scrollTop() + "-" + actual.scrollBottom());
        check(d, "pen", Cell.of(" ", 1, expected.pen()), Cell.of(" ", 1, actual.pen()));
        check(d, "character sets", expected.g0() + "/" + expected.g1() + "/" + expected.shiftOut(),
                actual.g0() + "/" + actual.g1() + "/" + actual.shiftOut());
        check(d, "title", expected.title(), actual.title());
        return d;
    }

    static void assertSameState(ScreenSnapshot expected, ScreenSnapshot actual, String what) {
        List<String> d = differences(expected, actual);
        if (!d.isEmpty()) {
            throw new AssertionError(what + ":\n  " + String.join("\n  ", d.subList(0, Math.min(d.size(), MAX_REPORTED)))
                    + "\nexpected:\n" + expected.text() + "\nactual:\n" + actual.text());
        }
    }

    private static void compareLines(Line[] expected, Line[] actual, String where, List<String> d) {
        if (expected.length != actual.length) {
            d.add(where + "has " + actual.length + " lines instead of " + expected.length);
            return;
        }
        for (int y = 0; y < expected.length; y++) {
            Line e = expected[y];
            Line a = actual[y];
            int cols = Math.max(e.cols(), a.cols());
            for (int x = 0; x < cols; x++) {
                Cell ec = redrawable(e, x);
                Cell ac = redrawable(a, x);
                if (!ec.equals(ac)) {
                    d.add(where + "cell " + x + "," + y + ": expected " + ec + ", got " + ac);
                }
            }
        }
    }

    /**
     * The cell as a redraw can reproduce it: half of a wide character whose other half was overwritten
     * (tmux keeps such halves too) can only be drawn as a blank.
     */
    private static Cell redrawable(Line line, int x) {
        if (x >= line.cols()) {
            return Cell.of(" ", 1, Style.DEFAULT);
        }
        int c = line.chars[x];
        boolean orphanRight = (c & Line.PADDING) != 0 && (x == 0 || (line.chars[x - 1] & Line.WIDE) == 0);
        boolean orphanLeft = (c & Line.WIDE) != 0 && (x + 1 >= line.cols() || (line.chars[x + 1] & Line.PADDING) == 0);
        if (orphanLeft || orphanRight) {
            return Cell.of(" ", 1, line.styles[x]);
        }
        return Cell.of(line.text(x), line.width(x), line.styles[x]);
    }

    private static String describe(Modes m) {
        return "insert=" + m.insert + " appCursor=" + m.applicationCursor + " origin=" + m.origin + " autowrap="
                + m.autowrap + " blink=" + m.cursorBlink + " visible=" + m.cursorVisible + " keypad="
                + m.applicationKeypad + " paste=" + m.bracketedPaste + " focus=" + m.focusEvents + " mouse="
                + m.mouse + " utf8=" + m.mouseUtf8 + " sgr=" + m.mouseSgr;
    }

    private static void check(List<String> d, String what, Object model, Object tmux) {
        if (!model.equals(tmux)) {
            d.add(what + ": model " + model + ", tmux " + tmux);
        }
    }
}

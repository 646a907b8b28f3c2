package io.cmdop.terminal;

import java.util.ArrayList;
import java.util.List;

/**
 * tmux's view of a pane, read back with {@code capture-pane -p -e -N} and {@code display-message}.
 * The cells are parsed here with a parser of tmux's capture format written for the tests (SGR codes as
 * tmux emits them, SO/SI around DEC line-drawing characters), independent of the model's parser.
 * {@code history} is the plain text of tmux's scrollback, oldest first. Each row is the list of cells the capture shows, in order, without the right halves of wide characters
 * (a capture cannot tell where a half left over from a broken wide character sat). Cleared cells past the
 * last written one are not in a capture, so a row may be shorter than the width.
 */
record TmuxScreen(int cols, int rows, List<List<Cell>> cells, List<List<Cell>> normalCells, int cursorX, int cursorY,
                  boolean cursorVisible, boolean alternate, boolean insert, boolean applicationCursor,
                  boolean applicationKeypad, int mouse, boolean mouseSgr, boolean mouseUtf8, boolean origin,
                  boolean autowrap, int scrollTop, int scrollBottom, String title, List<String> history) {

    static TmuxScreen parse(int cols, int rows, String[] f, String capture, String normalCapture, String history) {
        int mouse = f[7].equals("1") ? 1000 : f[8].equals("1") ? 1002 : f[9].equals("1") ? 1003 : 0;
        return new TmuxScreen(cols, rows, parseCells(rows, capture),
                normalCapture == null ? null : parseCells(rows, normalCapture),
                Integer.parseInt(f[0]), Integer.parseInt(f[1]), f[2].equals("1"), f[3].equals("1"),
                f[4].equals("1"), f[5].equals("1"), f[6].equals("1"), mouse, f[10].equals("1"), f[11].equals("1"),
                f[12].equals("1"), f[13].equals("1"), Integer.parseInt(f[14]), Integer.parseInt(f[15]),
                f.length > 17 ? f[17].stripTrailing() : "",
                history.isEmpty() ? List.of() : history.lines().map(String::stripTrailing).toList());
    }

    /** Plain text of a row, trimmed like the model's lines. */
    String text(int y) {
        StringBuilder sb = new StringBuilder();
        for (Cell c : cells.get(y)) {
            sb.append(c.text());
        }
        return sb.toString().stripTrailing();
    }

    private static List<List<Cell>> parseCells(int rows, String capture) {
        List<List<Cell>> result = new ArrayList<>();
        Pen pen = new Pen();
        String[] lines = capture.split("\n", -1);
        for (int y = 0; y < rows; y++) {
            result.add(y < lines.length ? parseLine(lines[y], pen) : List.of());
        }
        return result;
    }

    private static List<Cell> parseLine(String line, Pen pen) {
        List<Cell> row = new ArrayList<>();
        for (int i = 0; i < line.length(); ) {
            int cp = line.codePointAt(i);
            if (cp == 0x1B && i + 1 < line.length() && line.charAt(i + 1) == '[') {
                int end = line.indexOf('m', i);
                pen.apply(line.substring(i + 2, end));
                i = end + 1;
                continue;
            }
            i += Character.charCount(cp);
            if (cp == 0x0E || cp == 0x0F) {
                pen.lineDrawing = cp == 0x0E;
                continue;
            }
            if (pen.lineDrawing) {
                cp = Charset.DEC_SPECIAL_GRAPHICS.map(cp);
            }
            int width = CharWidth.of(cp);
            if (width == 0 && !row.isEmpty()) {
                Cell prev = row.removeLast();
                row.add(pen.cell(prev.text() + Character.toString(cp), prev));
            } else {
                row.add(pen.cell(Character.toString(cp), width));
            }
        }
        return row;
    }

    /** Attributes as tmux's capture sets them; they carry over from one line to the next, as in tmux. */
    private static final class Pen {
        Color fg = Color.DEFAULT;
        Color bg = Color.DEFAULT;
        boolean bold;
        boolean dim;
        boolean italic;
        boolean underline;
        boolean blink;
        boolean reverse;
        boolean invisible;
        boolean strikethrough;
        boolean lineDrawing;

        Cell cell(String text, int width) {
            return new Cell(text, width, fg, bg, bold, dim, italic, underline, blink, reverse, invisible,
                    strikethrough);
        }

        Cell cell(String text, Cell like) {
            return new Cell(text, like.width(), like.fg(), like.bg(), like.bold(), like.dim(), like.italic(),
                    like.underline(), like.blink(), like.reverse(), like.invisible(), like.strikethrough());
        }

        void apply(String codes) {
            String[] p = codes.isEmpty() ? new String[] {"0"} : codes.split(";");
            for (int i = 0; i < p.length; i++) {
                String code = p[i];
                if (code.startsWith("4:")) {
                    underline = !code.equals("4:0");
                    continue;
                }
                int n = Integer.parseInt(code);
                switch (n) {
                    case 0 -> reset();
                    case 1 -> bold = true;
                    case 2 -> dim = true;
                    case 3 -> italic = true;
                    case 4 -> underline = true;
                    case 5 -> blink = true;
                    case 7 -> reverse = true;
                    case 8 -> invisible = true;
                    case 9 -> strikethrough = true;
                    case 39 -> fg = Color.DEFAULT;
                    case 49 -> bg = Color.DEFAULT;
                    case 38, 48, 58 -> {
                        Color c;
                        if (p[i + 1].equals("5")) {
                            c = Color.indexed(Integer.parseInt(p[i + 2]));
                            i += 2;
                        } else {
                            c = Color.rgb(Integer.parseInt(p[i + 2]), Integer.parseInt(p[i + 3]),
                                    Integer.parseInt(p[i + 4]));
                            i += 4;
                        }
                        if (n == 38) {
                            fg = c;
                        } else if (n == 48) {
                            bg = c;
                        } // 58, the underline colour, is not part of Cell
                    }
                    default -> {
                        if (n >= 30 && n <= 37) {
                            fg = Color.indexed(n - 30);
                        } else if (n >= 40 && n <= 47) {
                            bg = Color.indexed(n - 40);
                        } else if (n >= 90 && n <= 97) {
                            fg = Color.indexed(n - 90 + 8);
                        } else if (n >= 100 && n <= 107) {
                            bg = Color.indexed(n - 100 + 8);
                        } else if (n != 53) { // overline: not part of Cell
                            throw new IllegalArgumentException("unexpected code " + n + " in tmux capture " + codes);
                        }
                    }
                }
            }
        }

        private void reset() {
            fg = Color.DEFAULT;
            bg = Color.DEFAULT;
            bold = dim = italic = underline = blink = reverse = invisible = strikethrough = false;
        }
    }
}

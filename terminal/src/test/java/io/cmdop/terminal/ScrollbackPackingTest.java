package io.cmdop.terminal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Scrollback lines packed to what they hold read as they did: a model that packs its scrollback now
 * and then shows the same history, cell for cell, as one that never does, through scrolling, resizes
 * that take lines back onto the screen, and the scrollback being erased.
 */
class ScrollbackPackingTest {
    @Test
    void aPackedLineUnpacksToTheCellsItsLineHeld() {
        // A screen tall enough for every line: its lines are full width, as they are when they scroll off.
        VirtualTerminal vt = new VirtualTerminal(30, 500, 0);
        feed(vt, lines(new Random(3), 400));
        Line[] lines = vt.screen().lines;
        int latin1 = 0;
        for (int y = 0; y < lines.length; y++) {
            Line line = lines[y];
            Line expected = line.copyTrimmed();
            Line unpacked = PackedLine.of(line).unpack();
            String what = "line " + y + " \"" + line.text() + "\"";
            assertThat(unpacked.chars).as(what).isEqualTo(expected.chars);
            assertThat(unpacked.styles).as(what).isEqualTo(expected.styles);
            assertThat(unpacked.wrapped).as(what).isEqualTo(expected.wrapped);
            for (int x = 0; x < expected.cols(); x++) {
                assertThat(unpacked.text(x)).as(what + ", cell " + x).isEqualTo(expected.text(x));
            }
            if (expected.cols() > 0 && Arrays.stream(expected.chars).allMatch(c -> c <= 0xFF)) {
                latin1++;
            }
        }
        assertThat(latin1).as("lines of Latin-1 text, the packing's common case, were among them")
                .isBetween(1, 399);
    }

    @Test
    void aModelThatPacksItsScrollbackShowsWhatOneThatNeverDoesShows() {
        for (int seed = 0; seed < 10; seed++) {
            Random r = new Random(seed);
            int cols = 20 + r.nextInt(60);
            int rows = 4 + r.nextInt(20);
            int lines = r.nextInt(3) == 0 ? 0 : 1 + r.nextInt(300);
            VirtualTerminal packing = new VirtualTerminal(cols, rows, lines);
            VirtualTerminal never = new VirtualTerminal(cols, rows, lines);
            for (int step = 0; step < 60; step++) {
                byte[] output = switch (r.nextInt(3)) {
                    case 0 -> RandomStream.generate(r, 50 + r.nextInt(400));
                    case 1 -> "\033[?1049l\033[r".getBytes(StandardCharsets.US_ASCII); // the normal screen, scrolled whole
                    default -> lines(r, r.nextInt(2 * rows + lines + 2));
                };
                feed(packing, output);
                feed(never, output);
                if (r.nextInt(8) == 0) {
                    cols = 20 + r.nextInt(60);
                    rows = 4 + r.nextInt(20);
                    packing.resize(cols, rows);
                    never.resize(cols, rows);
                }
                if (r.nextBoolean()) {
                    packing.packScrollback();
                }
                if (r.nextInt(4) == 0) {
                    compare(never, packing, "seed " + seed + ", step " + step);
                }
            }
            compare(never, packing, "seed " + seed);
        }
    }

    @Test
    void scrollingOnAfterPackingKeepsTheNewestLinesAndEvictsThePackedOnes() {
        VirtualTerminal vt = new VirtualTerminal(20, 3, 5);
        for (int i = 0; i < 8; i++) {
            feed(vt, ("line " + i + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        vt.packScrollback();
        feed(vt, "line 8\r\nline 9\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(vt.snapshot().scrollback()).containsExactly("line 3", "line 4", "line 5", "line 6", "line 7");
        vt.resize(20, 6); // taller: the newest lines come back from the scrollback, packed or not
        assertThat(vt.snapshot().scrollback()).containsExactly("line 3", "line 4");
        assertThat(vt.snapshot().lines()).startsWith("line 5", "line 6", "line 7", "line 8", "line 9");
    }

    @Test
    void theMemoryAModelReportsFollowsItsScrollbackAndWhatPackingGivesBack() {
        VirtualTerminal vt = new VirtualTerminal(80, 24, 1000);
        long blank = vt.memoryBytes();
        long grid = 24L * 80 * 12; // 12-byte cells
        assertThat(blank).as("a blank model: its grid").isBetween(grid, grid * 5 / 4);
        feed(vt, "\033[?1049h".getBytes(StandardCharsets.US_ASCII));
        assertThat(vt.memoryBytes()).as("a full-screen program: the alternate grid too").isBetween(2 * grid, 2 * grid * 5 / 4);
        feed(vt, "\033[?1049l".getBytes(StandardCharsets.US_ASCII));
        assertThat(vt.memoryBytes()).as("left: given back").isEqualTo(blank);
        StringBuilder log = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            log.append("2026-12-07 12:00:").append(i % 60).append(" INFO served request ").append(i).append("\r\n");
        }
        feed(vt, log.toString().getBytes(StandardCharsets.US_ASCII));
        vt.settle();
        long full = vt.memoryBytes();
        assertThat(full - blank).as("1,000 lines of scrollback at 80 columns").isGreaterThan(1000L * 80 * 12);
        vt.packScrollback();
        assertThat(vt.memoryBytes() - blank).as("packed: their used cells, one byte each, one style")
                .isBetween(1000L * 40, 1000L * 120);
    }

    private static void compare(VirtualTerminal expected, VirtualTerminal actual, String what) {
        ScreenSnapshot e = expected.snapshot();
        ScreenSnapshot a = actual.snapshot();
        ScreenComparison.assertSameState(e, a, what);
        assertThat(a.scrollbackLines().stream().map(l -> l.wrapped).toList()).as("%s: lines that wrapped", what)
                .isEqualTo(e.scrollbackLines().stream().map(l -> l.wrapped).toList());
    }

    private static void feed(VirtualTerminal vt, byte[] output) {
        vt.feed(output, 0, output.length);
    }

    /** Lines of text and colours: ASCII, Latin-1, wide, combining; some long enough to wrap, some blank. */
    private static byte[] lines(Random r, int count) {
        String[] text = {"log line", "\u00e9t\u00e9", "\u4e2d\u6587", "e\u0301", "\ud83d\ude00", "x".repeat(45), "", "   "};
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++) {
            for (int n = r.nextInt(4); n >= 0; n--) {
                if (r.nextInt(3) == 0) {
                    sb.append("\033[").append(r.nextBoolean() ? 0 : 31 + r.nextInt(7)).append('m');
                }
                sb.append(text[r.nextInt(text.length)]);
            }
            if (r.nextInt(10) == 0) {
                sb.append("\033[44m\033[K"); // blanks in a colour to the end of the line: used cells too
            }
            sb.append("\033[m\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}

package io.cmdop.terminal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The model against tmux on the same bytes: hand-written sequences for each behaviour, then long random
 * mixtures of text and control sequences, where any disagreement is a bug in the model.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TmuxOracleTest {
    private TmuxOracle tmux;

    @BeforeAll
    void startTmux() {
        tmux = new TmuxOracle();
    }

    @AfterAll
    void stopTmux() {
        tmux.close();
    }

    static Stream<Arguments> sequences() {
        return Stream.of(
                Arguments.of("plain lines", "hello\r\nworld"),
                Arguments.of("SGR colours", "\033[1;31mred\033[0m \033[38;5;9mX\033[91mY\033[38;2;1;2;3mZ\033[48;5;200mbg"
                        + "\033[0m\033[2;3;4;5;7;8;9mall\033[22;23;24;25;27;28;29mnone\033[0m"),
                Arguments.of("SGR colon forms", "\033[38:2::10:20:30ma\033[38:2:40:50:60mb\033[48:5:17mc\033[4:3md"
                        + "\033[4:0me\033[58:2::1:2:3mf\033[0m"),
                Arguments.of("SGR edge cases", "\033[;1ma\033[38;5mb\033[38;2;300;1;1mc\033[1;38;5;3;4md\033[m\033[21me"),
                Arguments.of("pending wrap then moves", "0123456789012345678\033[DX\r\n0123456789012345678\bY\r\n"
                        + "0123456789012345678\033[CZ\r\n0123456789012345678\tW\r\n0123456789012345678\033[3DV"),
                Arguments.of("pending wrap then LF and EL", "0123456789012345678\nX\033[5;1H0123456789012345678\033[Kq"),
                Arguments.of("no autowrap", "\033[?7l0123456789012345678AB\r\n\033[?7h0123456789012345678AB"),
                Arguments.of("wide at right edge", "012345678901234567\u4e2d\u6587\r\n\u4e2d\u6587abc\033[1;2Hx\033[2;3Hyy"),
                Arguments.of("combining", "a\u0301\u4e2d\u0301b\033[1;3H\u0301\r\n\u0301x e\u0308\u0327"),
                Arguments.of("emoji and CJK", "\ud83d\ude00 smile \u2764\ufe0f \ud55c\uae00 \u3042"),
                Arguments.of("erase with background", "abcdef\r\n\033[44mxy\033[K\033[0m\r\n\033[42m\033[2;3H\033[1K\033[0m"
                        + "\033[4;5H\033[45m\033[X\033[3X\033[0mend"),
                Arguments.of("insert and delete characters", "abcdefghij\033[1;3H\033[2@\033[1;8H\033[3P\r\n"
                        + "\033[4hINS\033[4lklm"),
                Arguments.of("scroll region", "\033[2;4r\033[4;1Ha\nb\nc\nd\033[1;1Htop\033[5;1Hbottom\033[3;1H\033M\033M\033Mx"),
                Arguments.of("insert and delete lines", "1\r\n2\r\n3\r\n4\r\n5\033[2;1H\033[2L\033[5;1H\033[M\033[8;1H\033[2L"),
                Arguments.of("scroll up and down", "1\r\n2\r\n3\r\n4\r\n5\033[2S\033[1T\033[2;3r\033[3S"),
                Arguments.of("tabs", "a\tb\tc\r\n\033[5G\033H\033[1;1H\tX\033[3g\ty\r\n\033[2Ia\033[Zb"),
                Arguments.of("cursor addressing", "\033[3;5Ha\033[Hb\033[10;100Hc\033[2dd\033[7`e\033[1Ef\033[2Fg\033[5Gh"),
                Arguments.of("origin mode", "\033[3;5r\033[?6h\033[1;1Ha\033[9;1Hb\033[?6l\033[1;1Hc"),
                Arguments.of("save and restore cursor", "\033[1;31mab\0337\033[3;3H\033[0mcd\0338ef\033[s\033[5;5Hgh\033[uij"),
                Arguments.of("alternate screen 1049", "normal\033[?1049h\033[2;2Halt\033[?1049lback"),
                Arguments.of("alternate screen 47", "normal\033[?47hA\033[?47lB\033[?1047hC"),
                Arguments.of("stay in alternate screen", "normal text\r\n\033[?1049h\033[1;32mvim-like\033[0m\033[3;1H~"),
                Arguments.of("line drawing", "\033(0lqqk\r\nx  x\r\nmqqj\033(B ok \016lqk\017 \033)0\016tuvw\017"),
                Arguments.of("modes", "\033[?1h\033=\033[?2004h\033[?1002h\033[?1006h\033[?25l\033[4h"),
                Arguments.of("mouse modes replace each other", "\033[?1000h\033[?1003h\033[?1005h"),
                Arguments.of("title and OSC strings", "\033]0;first\007a\033]2;second\033\\b\033]133;A\007c"
                        + "\033]7;file://host/tmp\007d\033]52;c;aGVsbG8=\007e"),
                Arguments.of("DCS, SOS, PM, APC skipped", "a\033Pq#0;2;0;0;0#0~~\033\\b\033X sos \033\\c\033^pm\033\\d"),
                Arguments.of("REP", "ab\033[3b\r\n\u4e2d\033[2bx\033[0b\033[50b"),
                Arguments.of("split UTF-8 and sequences", "\u00e9t\u00e9 \033[1mbold\033[0m"),
                Arguments.of("controls inside CSI", "ab\033[2\r;3Hc"),
                Arguments.of("scrolling the whole screen", "1\r\n2\r\n3\r\n4\r\n5\r\n6\r\n7\r\n8\r\n9\r\n10\r\n11"),
                Arguments.of("reset", "\033[1;31mabc\033[?25l\033[3;5r\033c\033[2;2Hd"),
                Arguments.of("alignment test", "\033#8\033[3;3Hx"),
                Arguments.of("backspace over a wrapped line", "01234567890123456789ab\b\b\bX"),
                Arguments.of("CAN aborts a sequence", "a\033[3\030Bc"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sequences")
    void agreesWithTmux(String name, String sequence) {
        assertLikeTmux(20, 8, sequence.getBytes(StandardCharsets.UTF_8), name);
    }

    /**
     * Random streams of text (ASCII, CJK, combining marks) and every control the model understands, many of
     * them in odd orders no program would use: the model must still do what tmux does.
     */
    @ParameterizedTest(name = "seed {0}, {1}x{2}")
    @MethodSource("seeds")
    void randomStreamsAgreeWithTmux(int seed, int cols, int rows, int tokens) {
        byte[] bytes = RandomStream.generate(new Random(seed), tokens);
        assertLikeTmux(cols, rows, bytes, "random stream, seed " + seed + ": " + RandomStream.describe(bytes));
    }

    /** Whatever state a stream leaves behind, the snapshot's bytes re-create it, in the model and in tmux. */
    @ParameterizedTest(name = "seed {0}, {1}x{2}")
    @MethodSource("seeds")
    void randomStatesSurviveToAnsi(int seed, int cols, int rows, int tokens) {
        byte[] bytes = RandomStream.generate(new Random(seed), tokens);
        VirtualTerminal vt = new VirtualTerminal(cols, rows, 100);
        vt.feed(bytes, 0, bytes.length);
        ScreenSnapshot original = vt.snapshot();
        byte[] ansi = original.toAnsi(true);
        VirtualTerminal copy = new VirtualTerminal(cols, rows, 100);
        copy.feed(ansi, 0, ansi.length);
        String what = "toAnsi after random stream, seed " + seed + ": " + RandomStream.describe(bytes);
        ScreenComparison.assertSameState(original, copy.snapshot(), what);
        // The copy, not the original: they differ only in halves of broken wide characters, drawn as blanks.
        ScreenComparison.assertSame(copy.snapshot(), tmux.render(cols, rows, ansi), what);
    }

    /** Seeds with a screen size and a stream length: mostly small screens, where edges are hit often. */
    static Stream<Arguments> seeds() {
        return Stream.of(
                IntStream.range(1, 41).mapToObj(seed -> Arguments.of(seed, 17, 7, 300)),
                IntStream.range(41, 61).mapToObj(seed -> Arguments.of(seed, 9, 4, 300)),
                IntStream.range(61, 71).mapToObj(seed -> Arguments.of(seed, 40, 12, 800)),
                IntStream.range(71, 81).mapToObj(seed -> Arguments.of(seed, 2, 3, 200)))
                .flatMap(s -> s);
    }

    /**
     * Resizing keeps what tmux keeps. Only content tmux does not reflow is used (no line longer than the
     * new width, none wrapped), with the cursor at the end of its line's text: the model does not reflow,
     * and tmux's reflow also pulls a cursor that sits past the end of its line's text back to that end.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("resizes")
    void resizeAgreesWithTmux(String name, String sequence, int newCols, int newRows) {
        byte[] bytes = sequence.getBytes(StandardCharsets.UTF_8);
        VirtualTerminal vt = new VirtualTerminal(20, 8, 100);
        vt.feed(bytes, 0, bytes.length);
        vt.resize(newCols, newRows);
        ScreenSnapshot model = vt.snapshot();
        TmuxScreen reference = tmux.render(20, 8, bytes, newCols, newRows);
        ScreenComparison.assertSame(model, reference, name);
        assertThat(model.scrollback()).as(name + ": scrollback").isEqualTo(reference.history());
    }

    static Stream<Arguments> resizes() {
        String tenLines = "1\r\n2\r\n3\r\n4\r\n5\r\n6\r\n7\r\n8\r\n9\r\n10";
        return Stream.of(
                Arguments.of("shorter, cursor at the bottom", tenLines, 20, 4),
                Arguments.of("shorter, cursor at the top", "a\r\nb\r\nc\r\nd\r\ne\033[2;3H", 20, 4),
                Arguments.of("shorter, blank lines below", "\033[1;32mgreen\033[0m\r\nb", 20, 3),
                Arguments.of("taller, lines come back", tenLines, 20, 12),
                Arguments.of("taller, nothing to take back", "a\r\nb", 20, 11),
                Arguments.of("wider", "ab\u4e2d\r\ncd\033[1;31mx", 30, 8),
                Arguments.of("narrower, short lines", "ab\u4e2d\r\ncdefg", 6, 8),
                Arguments.of("pending wrap clamped", "\033[2;1H01234567890123456789", 20, 5),
                Arguments.of("scroll region reset", "\033[2;5r\033[3;3Hx", 20, 10),
                Arguments.of("alternate screen", "shell\r\n\033[?1049h\033[1;1Hfull screen\033[6;1Hbottom", 20, 5));
    }

    @Test
    void snapshotReplayedIntoTmuxShowsTheSameScreen() {
        VirtualTerminal vt = new VirtualTerminal(20, 8, 100);
        byte[] bytes = ("one\r\ntwo \033[1;34mblue\033[0m\r\n\u4e2d\u6587 wide\r\n\033(0lqk\033(B\r\n"
                + "01234567890123456789\033[3;10r\033[?1h\033[5;3H\033[7mrev").getBytes(StandardCharsets.UTF_8);
        vt.feed(bytes, 0, bytes.length);
        byte[] ansi = vt.snapshot().toAnsi(false);
        ScreenComparison.assertSame(vt.snapshot(), tmux.render(20, 8, ansi), "toAnsi replayed into tmux");
    }

    private void assertLikeTmux(int cols, int rows, byte[] bytes, String what) {
        VirtualTerminal vt = new VirtualTerminal(cols, rows, 100);
        vt.feed(bytes, 0, bytes.length);
        ScreenSnapshot model = vt.snapshot();
        TmuxScreen reference = tmux.render(cols, rows, bytes);
        ScreenComparison.assertSame(model, reference, what);
    }
}

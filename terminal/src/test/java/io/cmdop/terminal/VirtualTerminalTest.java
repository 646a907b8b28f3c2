package io.cmdop.terminal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Behaviour of the model on its own, one feature at a time; TmuxOracleTest checks the same against tmux. */
class VirtualTerminalTest {

    private static VirtualTerminal terminal(int cols, int rows, String output) {
        VirtualTerminal vt = new VirtualTerminal(cols, rows, 100);
        feed(vt, output);
        return vt;
    }

    private static void feed(VirtualTerminal vt, String output) {
        byte[] bytes = output.getBytes(StandardCharsets.UTF_8);
        vt.feed(bytes, 0, bytes.length);
    }

    private static ScreenSnapshot screen(int cols, int rows, String output) {
        return terminal(cols, rows, output).snapshot();
    }

    @Nested
    class Text {
        @Test
        void linesAreTrimmedAndCursorFollowsText() {
            ScreenSnapshot s = screen(10, 3, "ab  \r\ncd");
            assertThat(s.lines()).containsExactly("ab", "cd", "");
            assertThat(s.text()).isEqualTo("ab\ncd\n");
            assertThat(s.cursorX()).isEqualTo(2);
            assertThat(s.cursorY()).isEqualTo(1);
        }

        @Test
        void utf8SplitAcrossFeedsIsOneCharacter() {
            VirtualTerminal vt = new VirtualTerminal(10, 2, 0);
            byte[] bytes = "中é".getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < bytes.length; i++) {
                vt.feed(bytes, i, 1);
            }
            assertThat(vt.snapshot().lines().getFirst()).isEqualTo("中é");
            assertThat(vt.snapshot().cursorX()).isEqualTo(3);
        }

        @Test
        void invalidUtf8BecomesReplacementCharacters() {
            VirtualTerminal vt = new VirtualTerminal(10, 2, 0);
            byte[] bytes = {'a', (byte) 0xFF, (byte) 0xE4, 'b', (byte) 0xC0, (byte) 0x80, 'c', (byte) 0xE4};
            vt.feed(bytes, 0, bytes.length);
            vt.feed(new byte[] {0x1B, '[', 'm'}, 0, 3); // an escape cuts the pending sequence short
            assertThat(vt.snapshot().lines().getFirst()).isEqualTo("a\uFFFD\uFFFDb\uFFFD\uFFFDc\uFFFD");
        }

        @Test
        void wideCharactersTakeTwoCellsAndAppearOnce() {
            ScreenSnapshot s = screen(10, 2, "a中b");
            assertThat(s.lines().getFirst()).isEqualTo("a中b");
            assertThat(s.cell(1, 0).text()).isEqualTo("中");
            assertThat(s.cell(1, 0).width()).isEqualTo(2);
            assertThat(s.cell(2, 0).width()).isZero();
            assertThat(s.cell(3, 0).text()).isEqualTo("b");
            assertThat(s.cursorX()).isEqualTo(4);
        }

        @Test
        void wideCharacterThatDoesNotFitWrapsAndLeavesTheLastColumnBlank() {
            ScreenSnapshot s = screen(5, 2, "abcd中");
            assertThat(s.lines()).containsExactly("abcd", "中");
            assertThat(s.cursorX()).isEqualTo(2);
        }

        @Test
        void combiningMarksJoinThePreviousCharacter() {
            ScreenSnapshot s = screen(10, 2, "e\u0301中\u0308x");
            assertThat(s.cell(0, 0).text()).isEqualTo("e\u0301");
            assertThat(s.cell(1, 0).text()).isEqualTo("中\u0308");
            assertThat(s.cell(3, 0).text()).isEqualTo("x");
            assertThat(s.lines().getFirst()).isEqualTo("e\u0301中\u0308x");
        }

        @Test
        void combiningMarkAtTheLeftEdgeIsDropped() {
            assertThat(screen(10, 2, "\u0301a").lines().getFirst()).isEqualTo("a");
        }

        @Test
        void overwritingHalfAWideCharacterBlanksTheOtherHalf() {
            assertThat(screen(10, 2, "x中\033[3Gé").lines().getFirst()).isEqualTo("x é");
            assertThat(screen(10, 2, "中中\033[1Gé").lines().getFirst()).isEqualTo("é 中");
        }

        @Test
        void c1ControlsInUtf8AreNotPrinted() {
            assertThat(screen(10, 2, "a\u0085b\u009bc").lines().getFirst()).isEqualTo("abc");
        }
    }

    @Nested
    class Wrapping {
        @Test
        void writingTheLastColumnLeavesTheWrapPending() {
            ScreenSnapshot s = screen(5, 3, "abcde");
            assertThat(s.lines()).containsExactly("abcde", "", "");
            assertThat(s.cursorX()).isEqualTo(4);
            assertThat(s.wrapPending()).isTrue();
        }

        @Test
        void nextCharacterWrapsToTheNextLine() {
            ScreenSnapshot s = screen(5, 3, "abcdef");
            assertThat(s.lines()).containsExactly("abcde", "f", "");
            assertThat(s.wrapPending()).isFalse();
        }

        @Test
        void carriageReturnCancelsThePendingWrap() {
            assertThat(screen(5, 3, "abcde\rX").lines()).containsExactly("Xbcde", "", "");
        }

        @Test
        void withoutAutowrapTheLastColumnIsOverwritten() {
            assertThat(screen(5, 3, "\033[?7labcdefg").lines()).containsExactly("abcdg", "", "");
        }

        @Test
        void backspaceAtTheLeftEdgeReturnsToAWrappedLine() {
            ScreenSnapshot s = screen(5, 3, "abcdefg\b\b\bX");
            assertThat(s.lines()).containsExactly("abcdX", "fg", "");
        }
    }

    @Nested
    class Controls {
        @Test
        void tabsStopEveryEightColumnsAndCanBeChanged() {
            assertThat(screen(20, 2, "a\tb\tc").lines().getFirst()).isEqualTo("a       b       c");
            assertThat(screen(20, 2, "\033[3g\033[4G\033H\r\tx\ty").lines().getFirst()).isEqualTo("   x               y");
        }

        @Test
        void lineFeedKeepsTheColumnAndScrollsAtTheBottom() {
            ScreenSnapshot s = screen(8, 2, "ab\ncd\nef");
            assertThat(s.lines()).containsExactly("  cd", "    ef");
            assertThat(s.scrollback()).containsExactly("ab");
        }

        @Test
        void verticalTabAndFormFeedAreLineFeeds() {
            assertThat(screen(5, 3, "a\u000bb\u000cc").lines()).containsExactly("a", " b", "  c");
        }

        @Test
        void shiftOutSelectsG1() {
            assertThat(screen(10, 2, "\033)0a\016qx\017q").lines().getFirst()).isEqualTo("a─│q");
        }

        @Test
        void decSpecialGraphicsDrawsBoxes() {
            ScreenSnapshot s = screen(10, 3, "\033(0lqk\r\nx x\r\nmqj\033(Bq");
            assertThat(s.lines()).containsExactly("┌─┐", "│ │", "└─┘q");
        }

        @Test
        void belAndNulChangeNothing() {
            assertThat(screen(10, 2, "a\u0007\u0000b").lines().getFirst()).isEqualTo("ab");
        }

        @Test
        void cancelAbortsASequence() {
            assertThat(screen(10, 2, "a\033[3\u0018Bc").lines().getFirst()).isEqualTo("aBc");
        }
    }

    @Nested
    class EscapeSequences {
        @Test
        void saveAndRestoreCursorIncludesThePen() {
            ScreenSnapshot s = screen(10, 3, "\033[1mab\0337\033[0m\033[3;1Hcd\0338ef");
            assertThat(s.lines()).containsExactly("abef", "", "cd");
            assertThat(s.cell(2, 0).bold()).isTrue();
            assertThat(s.cell(0, 2).bold()).isFalse();
        }

        @Test
        void restoreWithoutSaveGoesHome() {
            ScreenSnapshot s = screen(10, 3, "\033[2;5H\0338x");
            assertThat(s.lines()).containsExactly("x", "", "");
        }

        @Test
        void indexNextLineAndReverseIndex() {
            ScreenSnapshot s = screen(5, 3, "a\033Db\033Ec\033[1;1H\033Mz");
            assertThat(s.lines()).containsExactly("z", "a", " b");
        }

        @Test
        void keypadModes() {
            ScreenSnapshot s = screen(5, 2, "\033=");
            assertThat(s.modes().applicationKeypad).isTrue();
            assertThat(screen(5, 2, "\033=\033>").modes().applicationKeypad).isFalse();
        }

        @Test
        void resetClearsScreenModesAndPen() {
            ScreenSnapshot s = screen(10, 3, "\033[1;31mabc\033[?25l\033[2;3r\033[4h\033cx");
            assertThat(s.lines()).containsExactly("x", "", "");
            assertThat(s.cursorVisible()).isTrue();
            assertThat(s.cell(0, 0).bold()).isFalse();
            assertThat(s.modes().insert).isFalse();
            assertThat(s.scrollTop()).isZero();
            assertThat(s.scrollBottom()).isEqualTo(2);
        }

        @Test
        void alignmentPatternFillsTheScreen() {
            assertThat(screen(3, 2, "\033#8").lines()).containsExactly("EEE", "EEE");
        }
    }

    @Nested
    class CursorMovement {
        @Test
        void absoluteAndRelativeMoves() {
            VirtualTerminal vt = terminal(10, 5, "\033[3;4H");
            assertThat(List.of(vt.snapshot().cursorX(), vt.snapshot().cursorY())).containsExactly(3, 2);
            feed(vt, "\033[2A\033[3C");
            assertThat(List.of(vt.snapshot().cursorX(), vt.snapshot().cursorY())).containsExactly(6, 0);
            feed(vt, "\033[9B\033[20D");
            assertThat(List.of(vt.snapshot().cursorX(), vt.snapshot().cursorY())).containsExactly(0, 4);
            feed(vt, "\033[2F\033[5G");
            assertThat(List.of(vt.snapshot().cursorX(), vt.snapshot().cursorY())).containsExactly(4, 2);
            feed(vt, "\033[E\033[4d\033[7`");
            assertThat(List.of(vt.snapshot().cursorX(), vt.snapshot().cursorY())).containsExactly(6, 3);
            feed(vt, "\033[99;99f");
            assertThat(List.of(vt.snapshot().cursorX(), vt.snapshot().cursorY())).containsExactly(9, 4);
        }

        @Test
        void cursorLeftFromAPendingWrapCountsFromBeyondTheEdgeAsTmuxDoes() {
            assertThat(screen(5, 2, "abcde\033[2DX").lines().getFirst()).isEqualTo("abcXe");
        }

        @Test
        void originModeAddressesInsideTheRegion() {
            ScreenSnapshot s = screen(5, 5, "\033[2;4r\033[?6h\033[1;1Ha\033[9;1Hb");
            assertThat(s.lines()).containsExactly("", "a", "", "b", "");
        }

        @Test
        void backTab() {
            assertThat(screen(20, 2, "\033[18Gx\033[2Zy").lines().getFirst()).isEqualTo("        y        x");
        }
    }

    @Nested
    class Erasing {
        @Test
        void eraseInLineAndDisplay() {
            assertThat(screen(6, 3, "abcdef\r\nghijkl\r\nmnopqr\033[2;3H\033[K").lines())
                    .containsExactly("abcdef", "gh", "mnopqr");
            assertThat(screen(6, 3, "abcdef\r\nghijkl\r\nmnopqr\033[2;3H\033[1K").lines())
                    .containsExactly("abcdef", "   jkl", "mnopqr");
            assertThat(screen(6, 3, "abcdef\r\nghijkl\r\nmnopqr\033[2;3H\033[J").lines())
                    .containsExactly("abcdef", "gh", "");
            assertThat(screen(6, 3, "abcdef\r\nghijkl\r\nmnopqr\033[2;3H\033[1J").lines())
                    .containsExactly("", "   jkl", "mnopqr");
            assertThat(screen(6, 3, "abcdef\r\nghijkl\033[2J").lines()).containsExactly("", "", "");
        }

        @Test
        void erasedCellsTakeThePensBackgroundOnly() {
            ScreenSnapshot s = screen(6, 2, "\033[1;4;44m\033[K");
            assertThat(s.cell(3, 0).bg()).isEqualTo(Color.indexed(4));
            assertThat(s.cell(3, 0).bold()).isFalse();
            assertThat(s.cell(3, 0).underline()).isFalse();
        }

        @Test
        void eraseCharacters() {
            assertThat(screen(6, 2, "abcdef\033[2G\033[3X").lines().getFirst()).isEqualTo("a   ef");
        }

        @Test
        void eraseScrollback() {
            ScreenSnapshot s = screen(5, 2, "1\r\n2\r\n3\033[3J");
            assertThat(s.scrollback()).isEmpty();
            assertThat(s.lines()).containsExactly("2", "3");
        }
    }

    @Nested
    class InsertDelete {
        @Test
        void insertCharactersShiftsRightAndDropsAtTheEdge() {
            // xterm semantics; tmux 3.3a leaves stale cells when inserting more than half the rest of a line.
            assertThat(screen(6, 2, "abcdef\033[2G\033[2@").lines().getFirst()).isEqualTo("a  bcd");
            assertThat(screen(6, 2, "abcdef\033[1G\033[5@").lines().getFirst()).isEqualTo("     a");
        }

        @Test
        void deleteCharactersPullsLeft() {
            assertThat(screen(6, 2, "abcdef\033[2G\033[2P").lines().getFirst()).isEqualTo("adef");
        }

        @Test
        void insertModeShiftsTextAsItIsTyped() {
            assertThat(screen(8, 2, "abcdef\033[3G\033[4hXY\033[4lZ").lines().getFirst()).isEqualTo("abXYZdef");
        }

        @Test
        void insertAndDeleteLinesStayInsideTheRegion() {
            String rows = "1\r\n2\r\n3\r\n4\r\n5";
            assertThat(screen(3, 5, rows + "\033[2;4r\033[2;1H\033[L").lines()).containsExactly("1", "", "2", "3", "5");
            assertThat(screen(3, 5, rows + "\033[2;4r\033[2;1H\033[M").lines()).containsExactly("1", "3", "4", "", "5");
        }

        @Test
        void repeatPrintsTheLastCharacterAgain() {
            assertThat(screen(10, 2, "ab\033[3b").lines().getFirst()).isEqualTo("abbbb");
            assertThat(screen(10, 2, "ab\033[3b\033[2b").lines().getFirst()).isEqualTo("abbbb");
        }
    }

    @Nested
    class ScrollingAndScrollback {
        @Test
        void fullScreenScrollsFeedTheScrollbackOldestFirst() {
            ScreenSnapshot s = screen(5, 2, "1\r\n2\r\n3\r\n4");
            assertThat(s.scrollback()).containsExactly("1", "2");
            assertThat(s.lines()).containsExactly("3", "4");
        }

        @Test
        void scrollbackIsBounded() {
            VirtualTerminal vt = new VirtualTerminal(5, 2, 3);
            for (int i = 0; i < 1000; i++) {
                feed(vt, i + "\r\n");
            }
            assertThat(vt.snapshot().scrollback()).containsExactly("996", "997", "998");
        }

        @Test
        void scrollbackKeepsColours() {
            ScreenSnapshot s = screen(5, 2, "\033[31mr\033[0m\r\n\r\n\r\n");
            assertThat(s.scrollbackCell(0, 0).fg()).isEqualTo(Color.indexed(1));
        }

        @Test
        void regionScrollsDoNotFeedTheScrollback() {
            ScreenSnapshot s = screen(5, 4, "top\033[2;4r\033[4;1Ha\r\nb\r\nc\r\nd");
            assertThat(s.scrollback()).isEmpty();
            assertThat(s.lines()).containsExactly("top", "b", "c", "d");
        }

        @Test
        void alternateScreenScrollsDoNotFeedTheScrollback() {
            ScreenSnapshot s = screen(5, 2, "\033[?1049h1\r\n2\r\n3\r\n4");
            assertThat(s.scrollback()).isEmpty();
        }

        @Test
        void scrollUpAndDown() {
            String rows = "1\r\n2\r\n3";
            assertThat(screen(3, 3, rows + "\033[S").lines()).containsExactly("2", "3", "");
            assertThat(screen(3, 3, rows + "\033[2T").lines()).containsExactly("", "", "1");
        }

        @Test
        void scrollRegionOfOneLineIsRefused() {
            ScreenSnapshot s = screen(5, 4, "\033[2;2r");
            assertThat(s.scrollTop()).isZero();
            assertThat(s.scrollBottom()).isEqualTo(3);
        }
    }

    @Nested
    class Attributes {
        @Test
        void everyAttributeCanBeSetAndCleared() {
            ScreenSnapshot s = screen(10, 2, "\033[1;2;3;4;5;7;8;9ma\033[22;23;24;25;27;28;29mb");
            Cell a = s.cell(0, 0);
            assertThat(List.of(a.bold(), a.dim(), a.italic(), a.underline(), a.blink(), a.reverse(), a.invisible(),
                    a.strikethrough())).containsOnly(true);
            Cell b = s.cell(1, 0);
            assertThat(List.of(b.bold(), b.dim(), b.italic(), b.underline(), b.blink(), b.reverse(), b.invisible(),
                    b.strikethrough())).containsOnly(false);
        }

        @Test
        void coloursInEveryForm() {
            ScreenSnapshot s = screen(10, 2, "\033[31;42ma\033[95;104mb\033[38;5;200;48;5;17mc"
                    + "\033[38;2;1;2;3;48;2;4;5;6md\033[38:2::7:8:9me\033[38:5:42mf\033[39;49mg");
            assertThat(s.cell(0, 0).fg()).isEqualTo(Color.indexed(1));
            assertThat(s.cell(0, 0).bg()).isEqualTo(Color.indexed(2));
            assertThat(s.cell(1, 0).fg()).isEqualTo(Color.indexed(13));
            assertThat(s.cell(1, 0).bg()).isEqualTo(Color.indexed(12));
            assertThat(s.cell(2, 0).fg()).isEqualTo(Color.indexed(200));
            assertThat(s.cell(2, 0).bg()).isEqualTo(Color.indexed(17));
            assertThat(s.cell(3, 0).fg()).isEqualTo(Color.rgb(1, 2, 3));
            assertThat(s.cell(3, 0).bg()).isEqualTo(Color.rgb(4, 5, 6));
            assertThat(s.cell(4, 0).fg()).isEqualTo(Color.rgb(7, 8, 9));
            assertThat(s.cell(5, 0).fg()).isEqualTo(Color.indexed(42));
            assertThat(s.cell(6, 0).fg()).isEqualTo(Color.DEFAULT);
            assertThat(s.cell(6, 0).bg()).isEqualTo(Color.DEFAULT);
        }

        @Test
        void underlineColourDoesNotLeakIntoOtherAttributes() {
            Cell c = screen(10, 2, "\033[58;2;1;2;3;1mx").cell(0, 0);
            assertThat(c.bold()).isTrue();
            assertThat(c.fg()).isEqualTo(Color.DEFAULT);
        }

        @Test
        void privateSgrLikeSequencesAreNotSgr() {
            assertThat(screen(10, 2, "\033[>4;1mx").cell(0, 0).underline()).isFalse();
        }
    }

    @Nested
    class ModeTracking {
        @Test
        void alternateScreenKeepsTheNormalScreen() {
            VirtualTerminal vt = terminal(10, 3, "shell$ vim\r\n");
            feed(vt, "\033[?1049h\033[Hvim text");
            ScreenSnapshot inVim = vt.snapshot();
            assertThat(inVim.alternateScreen()).isTrue();
            assertThat(inVim.lines()).containsExactly("vim text", "", "");
            feed(vt, "\033[?1049l");
            ScreenSnapshot back = vt.snapshot();
            assertThat(back.alternateScreen()).isFalse();
            assertThat(back.lines()).containsExactly("shell$ vim", "", "");
            assertThat(back.cursorY()).isEqualTo(1);
        }

        @Test
        void mode1048SavesAndRestoresTheCursorAsXtermDoes() {
            // tmux 3.3a ignores 1048, so this is checked here rather than against tmux.
            assertThat(screen(10, 2, "ab\033[?1048hcd\033[2;2H\033[?1048lX").lines()).containsExactly("abXd", "");
        }

        @Test
        void inputModesAreTracked() {
            ScreenSnapshot s = screen(10, 2, "\033[?1h\033[?2004h\033[?1002h\033[?1006h\033[?1005h\033[?1004h\033[?12h"
                    + "\033[?25l\033[4h");
            Modes m = s.modes();
            assertThat(m.applicationCursor).isTrue();
            assertThat(m.bracketedPaste).isTrue();
            assertThat(m.mouse).isEqualTo(Modes.MouseTracking.BUTTON);
            assertThat(m.mouseSgr).isTrue();
            assertThat(m.mouseUtf8).isTrue();
            assertThat(m.focusEvents).isTrue();
            assertThat(m.cursorBlink).isTrue();
            assertThat(m.insert).isTrue();
            assertThat(s.cursorVisible()).isFalse();
        }

        @Test
        void mouseModesReplaceEachOther() {
            assertThat(screen(10, 2, "\033[?1000h\033[?1003h").modes().mouse)
                    .isEqualTo(Modes.MouseTracking.ANY);
            assertThat(screen(10, 2, "\033[?1000h\033[?1003h\033[?1000l").modes().mouse)
                    .isEqualTo(Modes.MouseTracking.OFF);
        }
    }

    @Nested
    class Strings {
        @Test
        void oscSetsTheTitleWithBelOrSt() {
            assertThat(screen(10, 2, "\033]0;first\007").title()).isEqualTo("first");
            assertThat(screen(10, 2, "\033]2;sécond\033\\").title()).isEqualTo("sécond");
            assertThat(screen(10, 2, "\033]2;x\007\033]1;icon\007").title()).isEqualTo("x");
        }

        @Test
        void otherStringsAreSkippedWithoutPrintingAnything() {
            ScreenSnapshot s = screen(20, 2, "a\033]133;A\007b\033]8;;http://x\033\\c\033Pq#0~\033\\d"
                    + "\033_apc\033\\e\033^pm\033\\f\033Xsos\033\\g");
            assertThat(s.lines().getFirst()).isEqualTo("abcdefg");
        }

        @Test
        void hugeStringsAreDroppedNotBuffered() {
            VirtualTerminal vt = new VirtualTerminal(10, 2, 0);
            feed(vt, "\033]2;");
            byte[] chunk = new byte[1 << 20];
            java.util.Arrays.fill(chunk, (byte) 'x');
            for (int i = 0; i < 16; i++) {
                vt.feed(chunk, 0, chunk.length);
            }
            feed(vt, "\007after");
            ScreenSnapshot s = vt.snapshot();
            assertThat(s.title()).isEmpty();
            assertThat(s.lines().getFirst()).isEqualTo("after");
        }

        @Test
        void hugeParameterListsAndValuesAreHarmless() {
            String many = "1;".repeat(10_000);
            ScreenSnapshot s = screen(10, 3, "\033[" + many + "31mx\033[99999999999;99999999999Hy");
            assertThat(s.cell(0, 0).bold()).isTrue();
            assertThat(s.lines().get(2)).endsWith("y");
        }
    }

    @Nested
    class Replies {
        @Test
        void statusAndAttributeQueriesAreAnswered() {
            VirtualTerminal vt = terminal(10, 5, "\033[3;4H");
            List<String> replies = new ArrayList<>();
            vt.onReply(bytes -> replies.add(new String(bytes, StandardCharsets.US_ASCII)));
            feed(vt, "\033[6n\033[5n\033[c\033[>c\033[0c");
            assertThat(replies).containsExactly("\033[3;4R", "\033[0n", "\033[?1;2c", "\033[>0;10;1c", "\033[?1;2c");
        }

        @Test
        void cursorReportDuringAPendingWrapNamesTheLastColumn() {
            VirtualTerminal vt = terminal(5, 2, "abcde");
            List<String> replies = new ArrayList<>();
            vt.onReply(bytes -> replies.add(new String(bytes, StandardCharsets.US_ASCII)));
            feed(vt, "\033[6n");
            assertThat(replies).containsExactly("\033[1;5R");
        }
    }

    @Nested
    class Resize {
        @Test
        void narrowerCutsLinesAndClampsTheCursor() {
            VirtualTerminal vt = terminal(10, 3, "abcdefghij\r\nxy");
            vt.resize(4, 3);
            ScreenSnapshot s = vt.snapshot();
            assertThat(s.cols()).isEqualTo(4);
            assertThat(s.lines()).containsExactly("abcd", "xy", "");
            assertThat(s.cursorX()).isEqualTo(2);
        }

        @Test
        void shorterPushesTopLinesIntoScrollbackKeepingTheCursorLine() {
            VirtualTerminal vt = terminal(5, 4, "1\r\n2\r\n3");
            vt.resize(5, 2);
            ScreenSnapshot s = vt.snapshot();
            assertThat(s.lines()).containsExactly("2", "3");
            assertThat(s.scrollback()).containsExactly("1");
            assertThat(s.cursorY()).isEqualTo(1);
        }

        @Test
        void tallerPullsLinesBackFromScrollback() {
            VirtualTerminal vt = terminal(5, 2, "1\r\n2\r\n3");
            vt.resize(5, 3);
            ScreenSnapshot s = vt.snapshot();
            assertThat(s.lines()).containsExactly("1", "2", "3");
            assertThat(s.scrollback()).isEmpty();
            assertThat(s.cursorY()).isEqualTo(2);
        }

        @Test
        void wideCharacterCutInHalfIsRemoved() {
            VirtualTerminal vt = terminal(4, 2, "ab中");
            vt.resize(3, 2);
            assertThat(vt.snapshot().lines().getFirst()).isEqualTo("ab");
        }

        @Test
        void resizeResetsTheScrollRegion() {
            VirtualTerminal vt = terminal(5, 5, "\033[2;3r");
            vt.resize(5, 6);
            assertThat(vt.snapshot().scrollBottom()).isEqualTo(5);
        }

        @Test
        void theAlternateScreenOpenedAfterAResizeHasTheNewSize() {
            for (int newRows : new int[] {3, 6}) {
                VirtualTerminal vt = terminal(10, 4, "$ vim");
                vt.resize(8, newRows);
                feed(vt, "\033[?1049h\033[Hfirst\033[" + newRows + ";1Hlast");
                ScreenSnapshot s = vt.snapshot();
                assertThat(s.lines()).as("%d rows", newRows).hasSize(newRows).startsWith("first").endsWith("last");
                // What a client joining now is sent draws the same screen, nothing scrolled off.
                VirtualTerminal copy = new VirtualTerminal(8, newRows, 0);
                byte[] ansi = s.toAnsi(false);
                copy.feed(ansi, 0, ansi.length);
                assertThat(copy.snapshot().lines()).as("%d rows, redrawn", newRows).isEqualTo(s.lines());
            }
        }

        /** Random output with resizes in between, as a user dragging a window while programs draw. */
        @Test
        void randomOutputBetweenResizesKeepsAScreenThatRedrawsTheSame() {
            for (int seed = 1; seed <= 300; seed++) {
                java.util.Random r = new java.util.Random(seed);
                VirtualTerminal vt = new VirtualTerminal(1 + r.nextInt(30), 1 + r.nextInt(12), 20);
                StringBuilder history = new StringBuilder();
                for (int step = 0; step < 8; step++) {
                    byte[] bytes = RandomStream.generate(r, 40);
                    history.append(RandomStream.describe(bytes)).append(" | resize | ");
                    vt.feed(bytes, 0, bytes.length);
                    vt.resize(1 + r.nextInt(30), 1 + r.nextInt(12));
                    // The screen only: scrollback keeps each line at the width it was written at.
                    ScreenSnapshot s = vt.snapshot(0);
                    String what = "seed " + seed + ", step " + step + ": " + history;
                    assertThat(s.lines()).as(what).hasSize(s.rows());
                    assertThat(s.cursorY()).as(what).isBetween(0, s.rows() - 1);
                    assertThat(s.cursorX()).as(what).isBetween(0, s.cols());
                    VirtualTerminal copy = new VirtualTerminal(s.cols(), s.rows(), 20);
                    byte[] ansi = s.toAnsi(false);
                    copy.feed(ansi, 0, ansi.length);
                    ScreenComparison.assertSameState(s, copy.snapshot(0), what);
                }
            }
        }

        @Test
        void badSizesAreRefused() {
            assertThatThrownBy(() -> new VirtualTerminal(0, 5, 0)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> new VirtualTerminal(5, 5, -1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> terminal(5, 5, "").resize(5, 0)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Nested
    class Faults {
        /**
         * A bug of the model, simulated by breaking its screen from outside: the output it fails on
         * must not reach the caller (a session's output thread), the terminal starts over blank and
         * reads the rest of the output from where it failed, shell marks included.
         */
        @Test
        void aFaultOfTheModelIsReportedAndTheTerminalStartsOverBlankFromWhereItFailed() throws Exception {
            VirtualTerminal vt = terminal(10, 3, "before");
            List<RuntimeException> faults = new ArrayList<>();
            List<String> replies = new ArrayList<>();
            List<ShellMark> marks = new ArrayList<>();
            vt.onFault(faults::add);
            vt.onReply(r -> replies.add(new String(r, StandardCharsets.US_ASCII)));
            vt.onShellMark(marks::add);
            java.lang.reflect.Field screen = VirtualTerminal.class.getDeclaredField("screen");
            screen.setAccessible(true);
            ((Screen) screen.get(vt)).lines = new Line[1];

            feed(vt, "\r\nok\033]133;D;0\007!");
            assertThat(faults).singleElement().isInstanceOf(ArrayIndexOutOfBoundsException.class);
            assertThat(vt.snapshot().lines()).as("the text it failed on, on a blank screen").containsExactly("ok!", "", "");
            assertThat(marks).containsExactly(new ShellMark('D', "0", 4, 14));
            feed(vt, "\r\nafter\033[6n");
            assertThat(vt.snapshot().lines()).containsExactly("ok!", "after", "");
            assertThat(replies).as("queries are still answered").containsExactly("\033[2;6R");
            assertThat(vt.cols()).isEqualTo(10);
        }
    }

    @Nested
    class Snapshots {
        @Test
        void snapshotDoesNotChangeWithLaterOutput() {
            VirtualTerminal vt = terminal(10, 2, "before");
            ScreenSnapshot s = vt.snapshot();
            feed(vt, "\rafter \033[31mred\033]2;t\007\r\n\r\n\r\n");
            assertThat(s.lines()).containsExactly("before", "");
            assertThat(s.scrollback()).isEmpty();
            assertThat(s.title()).isEmpty();
        }

        @Test
        void toAnsiRedrawsEverythingInAFreshTerminal() {
            VirtualTerminal vt = terminal(12, 4, "\033]2;title\007l1\r\nl2\r\nl3\r\n\033[1;33;44mcolour\033[0m 中\u0301"
                    + "\r\n\033(0qqq\033(B\033[5G\033H\033[2;3r\033[?1h\033=\033[?2004h\033[?1003h\033[?1006h"
                    + "\033[?12h\033[4h\033[?25l\033[3;3H\0337\033[4;1H\033[7mpending-wrap");
            ScreenSnapshot original = vt.snapshot();
            assertThat(original.wrapPending()).isTrue();
            VirtualTerminal copy = new VirtualTerminal(12, 4, 100);
            byte[] ansi = original.toAnsi(true);
            copy.feed(ansi, 0, ansi.length);
            ScreenComparison.assertSameState(original, copy.snapshot(), "redrawn");
            assertThat(copy.snapshot().tabs().isSet(4)).isTrue();
            // What the program does next lands where it would have in the original terminal.
            feed(vt, "x\0338y");
            feed(copy, "x\0338y");
            ScreenComparison.assertSameState(vt.snapshot(), copy.snapshot(), "after more output");
        }

        @Test
        void toAnsiOfTheAlternateScreenLeavesTheNormalScreenUnderneath() {
            VirtualTerminal vt = terminal(10, 3, "$ top\r\n\033[?1049h\033[2J\033[Htop screen");
            byte[] ansi = vt.snapshot().toAnsi(false);
            VirtualTerminal copy = new VirtualTerminal(10, 3, 0);
            copy.feed(ansi, 0, ansi.length);
            assertThat(copy.snapshot().lines()).containsExactly("top screen", "", "");
            feed(copy, "\033[?1049l");
            assertThat(copy.snapshot().lines()).containsExactly("$ top", "", "");
            assertThat(copy.snapshot().cursorY()).isEqualTo(1);
        }

        @Test
        void toAnsiWithoutScrollbackLeavesItOut() {
            ScreenSnapshot s = screen(5, 2, "1\r\n2\r\n3\r\n4");
            VirtualTerminal copy = new VirtualTerminal(5, 2, 100);
            byte[] ansi = s.toAnsi(false);
            copy.feed(ansi, 0, ansi.length);
            assertThat(copy.snapshot().scrollback()).isEmpty();
            assertThat(copy.snapshot().lines()).containsExactly("3", "4");
        }
    }
}

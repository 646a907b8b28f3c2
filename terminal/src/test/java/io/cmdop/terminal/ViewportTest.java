package io.cmdop.terminal;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A viewport's bytes are fed to a second model, standing for the smaller terminal that shows them:
 * it must show exactly the source's cells around the cursor, after every render.
 */
class ViewportTest {
    @Test
    void showsThePartAroundTheCursorWithoutWrappingOrScrolling() {
        VirtualTerminal session = new VirtualTerminal(20, 10, 0);
        StringBuilder rows = new StringBuilder();
        for (int y = 0; y < 10; y++) {
            rows.append("\033[").append(y + 1).append(";1H").append("r").append(y).append("-abcdefghijklmnopq");
        }
        feed(session, rows + "\033[10;20H");
        VirtualTerminal small = new VirtualTerminal(10, 5, 0);
        Viewport viewport = new Viewport(10, 5);

        feed(small, viewport.render(session));

        assertThat(viewport.left()).isEqualTo(10);
        assertThat(viewport.top()).isEqualTo(5);
        assertThat(small.snapshot().lines())
                .containsExactly("hijklmnopq", "hijklmnopq", "hijklmnopq", "hijklmnopq", "hijklmnopq");
        assertThat(small.snapshot().cursorX()).isEqualTo(9);
        assertThat(small.snapshot().cursorY()).isEqualTo(4);

        // Back to the top-left corner: the view moves just far enough to show the cursor.
        feed(session, "\033[1;1H");
        feed(small, viewport.render(session));
        assertThat(viewport.left()).isZero();
        assertThat(viewport.top()).isZero();
        assertThat(small.snapshot().lines()).containsExactly("r0-abcdefg", "r1-abcdefg", "r2-abcdefg",
                "r3-abcdefg", "r4-abcdefg");
        // Within the view the cursor moves alone.
        feed(session, "\033[3;5H");
        feed(small, viewport.render(session));
        assertThat(viewport.left()).isZero();
        assertThat(small.snapshot().cursorX()).isEqualTo(4);
        assertThat(small.snapshot().cursorY()).isEqualTo(2);
    }

    @Test
    void aProgramThatKeepsTheCursorHiddenIsShownFromTheTopLeftCorner() {
        VirtualTerminal session = new VirtualTerminal(20, 10, 0);
        feed(session, "header\033[10;20H");
        long[] now = {0};
        Viewport viewport = new Viewport(10, 5, () -> now[0]);
        VirtualTerminal small = new VirtualTerminal(10, 5, 0);
        feed(small, viewport.render(session));
        assertThat(viewport.top()).isEqualTo(5);

        // Hidden for a redraw (vim does that): the view stays.
        feed(session, "\033[?25l");
        now[0] += 20_000_000L;
        feed(small, viewport.render(session));
        assertThat(viewport.top()).isEqualTo(5);
        assertThat(small.snapshot().cursorVisible()).isFalse();

        // Still hidden a moment later (top): the top-left corner.
        now[0] += 100_000_000L;
        feed(small, viewport.render(session));
        assertThat(viewport.left()).isZero();
        assertThat(viewport.top()).isZero();
        assertThat(small.snapshot().lines().getFirst()).isEqualTo("header");

        // Shown again: the view follows the cursor.
        feed(session, "\033[?25h");
        feed(small, viewport.render(session));
        assertThat(viewport.top()).isEqualTo(5);
        assertThat(small.snapshot().cursorVisible()).isTrue();
    }

    /** A full redraw (after a status line, say) must not leave the cursor hidden for a program that shows it. */
    @Test
    void theCursorIsShownAgainAfterAFullRedraw() {
        VirtualTerminal session = new VirtualTerminal(20, 10, 0);
        Viewport viewport = new Viewport(10, 5);
        VirtualTerminal small = new VirtualTerminal(10, 5, 0);
        feed(session, "\033[?25l");
        feed(small, viewport.render(session));
        viewport.invalidate();
        feed(session, "\033[?25h");

        feed(small, viewport.render(session));

        assertThat(small.snapshot().cursorVisible()).isTrue();
    }

    @Test
    void aRenderSendsOnlyWhatChangedAndNothingWhenNothingDid() {
        VirtualTerminal session = new VirtualTerminal(40, 20, 0);
        feed(session, "x".repeat(40 * 19) + "\033[1;1H");
        Viewport viewport = new Viewport(30, 10);
        byte[] first = viewport.render(session);
        assertThat(viewport.render(session)).as("nothing changed").isEmpty();

        feed(session, "y");
        String second = new String(viewport.render(session), StandardCharsets.UTF_8);
        assertThat(second).contains("y").doesNotContain("x");
        assertThat(second.length()).isLessThan(first.length / 10);
    }

    @Test
    void aWideCharacterCutByTheEdgeShowsAsABlankInItsStyle() {
        VirtualTerminal session = new VirtualTerminal(10, 2, 0);
        feed(session, "abcd\033[31m\u4e2d\033[0mxyz\033[1;1H"); // 中 in columns 4 and 5
        VirtualTerminal small = new VirtualTerminal(5, 2, 0);
        Viewport viewport = new Viewport(5, 2);

        feed(small, viewport.render(session));
        assertThat(small.snapshot().lines().getFirst()).isEqualTo("abcd");
        assertThat(small.snapshot().cell(4, 0).fg()).isEqualTo(session.snapshot().cell(4, 0).fg());

        feed(session, "\033[1;10H"); // the view moves right: columns 5-9, the character's right half first
        feed(small, viewport.render(session));
        assertThat(small.snapshot().lines().getFirst()).isEqualTo(" xyz");
    }

    @Test
    void whatKeysSendFollowsTheProgramButMouseReportingIsNotPassedOn() {
        VirtualTerminal session = new VirtualTerminal(20, 10, 0);
        Viewport viewport = new Viewport(10, 5);
        viewport.render(session);
        feed(session, "\033[?1h\033[?2004h\033[?1000h\033[?25l");

        String bytes = new String(viewport.render(session), StandardCharsets.UTF_8);

        assertThat(bytes).contains("\033[?1h", "\033[?2004h", "\033[?25l").doesNotContain("\033[?1000h");
    }

    @Test
    void badSizesAreRefused() {
        assertThatThrownBy(() -> new Viewport(0, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Viewport(5, 5).resize(5, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Random output between renders, with the session and the showing terminal changing size now and
     * then: after every render the small terminal holds the source's cells in view, and its cursor.
     */
    @Test
    void randomOutputAndResizesAlwaysShowTheSourcesCellsAroundTheCursor() {
        for (int seed = 1; seed <= 300; seed++) {
            Random r = new Random(seed);
            VirtualTerminal session = new VirtualTerminal(1 + r.nextInt(30), 1 + r.nextInt(12), 0);
            int cols = 1 + r.nextInt(30);
            int rows = 1 + r.nextInt(12);
            VirtualTerminal small = new VirtualTerminal(cols, rows, 0);
            Viewport viewport = new Viewport(cols, rows);
            StringBuilder history = new StringBuilder();
            for (int step = 0; step < 12; step++) {
                switch (r.nextInt(6)) {
                    case 0 -> {
                        session.resize(1 + r.nextInt(30), 1 + r.nextInt(12));
                        history.append(" | session ").append(session.cols()).append('x').append(session.rows());
                    }
                    case 1 -> {
                        cols = 1 + r.nextInt(30);
                        rows = 1 + r.nextInt(12);
                        small.resize(cols, rows);
                        viewport.resize(cols, rows);
                        history.append(" | terminal ").append(cols).append('x').append(rows);
                    }
                    default -> {
                        byte[] bytes = RandomStream.generate(r, 20);
                        history.append(" | ").append(RandomStream.describe(bytes));
                        session.feed(bytes, 0, bytes.length);
                    }
                }
                feed(small, viewport.render(session));
                assertShowsSource(session.snapshot(0), small.snapshot(0), viewport,
                        "seed " + seed + ", step " + step + ", terminal " + cols + "x" + rows + ":" + history);
            }
        }
    }

    private static void assertShowsSource(ScreenSnapshot source, ScreenSnapshot shown, Viewport viewport, String what) {
        int w = Math.min(shown.cols(), source.cols());
        int h = Math.min(shown.rows(), source.rows());
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int sx = viewport.left() + x;
                int sy = viewport.top() + y;
                Cell expected = source.cell(sx, sy);
                // Half a wide character shows as a blank: its other half out of view, or gone (as in a snapshot).
                boolean cut = expected.width() == 2 && (x == w - 1 || source.cell(sx + 1, sy).width() != 0)
                        || expected.width() == 0 && (x == 0 || source.cell(sx - 1, sy).width() != 2);
                if (cut) {
                    expected = new Cell(" ", 1, expected.fg(), expected.bg(), expected.bold(), expected.dim(),
                            expected.italic(), expected.underline(), expected.blink(), expected.reverse(),
                            expected.invisible(), expected.strikethrough());
                }
                assertThat(shown.cell(x, y)).as("cell %d,%d of the view at %d,%d; %s", x, y,
                        viewport.left(), viewport.top(), what).isEqualTo(expected);
            }
        }
        assertThat(shown.cursorVisible()).as("cursor visible; %s", what).isEqualTo(source.cursorVisible());
        if (source.cursorVisible()) {
            assertThat(shown.cursorX()).as("cursor column; %s", what).isEqualTo(source.cursorX() - viewport.left());
            assertThat(shown.cursorY()).as("cursor row; %s", what).isEqualTo(source.cursorY() - viewport.top());
        }
    }

    private static void feed(VirtualTerminal terminal, String text) {
        feed(terminal, text.getBytes(StandardCharsets.UTF_8));
    }

    private static void feed(VirtualTerminal terminal, byte[] bytes) {
        terminal.feed(bytes, 0, bytes.length);
    }
}

package io.cmdop.cli;

import com.google.protobuf.ByteString;
import io.cmdop.protocol.v1.Screen;
import io.cmdop.protocol.v1.Size;
import io.cmdop.terminal.VirtualTerminal;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the user's terminal is sent. Where the bytes matter as a picture, they are fed to a terminal
 * model of the user's terminal's size, which stands for it.
 */
class SessionDisplayTest {
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();
    /** Screens the display asked for. */
    private int refreshes;

    @Test
    void outputThatArrivesBeforeTheFirstScreenComesRightAfterItNotBeforeItsReset() {
        SessionDisplay display = new SessionDisplay(written::writeBytes, () -> refreshes++, 80, 24);
        display.output(bytes("line 101\r\n"));
        display.output(bytes("line 102\r\n"));
        assertThat(written.size()).as("nothing reaches the terminal before the screen").isZero();

        display.screen(screen(80, 24, "[screen up to line 100]\r\n"), true);
        display.output(bytes("line 103\r\n"));

        String all = written.toString(StandardCharsets.UTF_8);
        assertThat(all).startsWith("\u001bc").endsWith("line 101\r\nline 102\r\nline 103\r\n");
        assertThat(all.indexOf("[screen up to line 100]")).isLessThan(all.indexOf("line 101"));
    }

    @Test
    void pastWhatItHoldsTheStreamWaitsForTheScreenAndLosesNothing() {
        SessionDisplay display = new SessionDisplay(written::writeBytes, () -> refreshes++, 80, 24);
        byte[] chunk = new byte[64 * 1024];
        int chunks = SessionDisplay.MAX_HELD_BYTES / chunk.length + 10;
        Thread transport = sendChunks(display, chunk, chunks);
        awaitWaiting(transport);
        assertThat(written.size()).as("nothing reaches the terminal before the screen").isZero();

        display.screen(screen(80, 24, ""), true);
        join(transport);

        byte[] all = written.toByteArray();
        byte[] output = Arrays.copyOfRange(all, all.length - chunks * chunk.length, all.length);
        for (int i = 0; i < chunks; i++) {
            assertThat(output[i * chunk.length]).as("chunk %d in its place", i).isEqualTo((byte) ('a' + i % 26));
        }
    }

    /** An attach that fails before its screen is drawn must not leave the stream's thread waiting for good. */
    @Test
    void closingReleasesAStreamWaitingForAScreenThatWillNeverCome() {
        SessionDisplay display = new SessionDisplay(written::writeBytes, () -> refreshes++, 80, 24);
        byte[] chunk = new byte[64 * 1024];
        Thread transport = sendChunks(display, chunk, SessionDisplay.MAX_HELD_BYTES / chunk.length + 10);
        awaitWaiting(transport);

        display.close();
        join(transport);

        assertThat(written.size()).as("nothing drawn after the attach ended").isZero();
    }

    @Test
    void aTerminalAtLeastTheSessionsSizeGetsTheOutputAsItComes() {
        SessionDisplay display = new SessionDisplay(written::writeBytes, () -> refreshes++, 100, 30);
        display.screen(screen(80, 24, "prompt$ "), true);
        written.reset();

        byte[] output = bytes("\u001b[1;31mred\u001b[0m and \u001b[5;10Hmore");
        display.output(output);

        assertThat(written.toByteArray()).isEqualTo(output);
        assertThat(display.viewing()).isFalse();
    }

    @Test
    void aSmallerTerminalShowsThePartAroundTheCursorWithoutWrapping() {
        SessionDisplay display = new SessionDisplay(written::writeBytes, () -> refreshes++, 10, 5);
        display.screen(screen(20, 10, ""), true);
        StringBuilder rows = new StringBuilder();
        for (int y = 0; y < 10; y++) {
            rows.append("\u001b[").append(y + 1).append(";1H").append("r").append(y).append("-abcdefghijklmnopq");
        }
        display.output(bytes(rows.toString()));

        VirtualTerminal user = shown(10, 5);
        assertThat(display.viewing()).isTrue();
        assertThat(user.snapshot().lines()).containsExactly("hijklmnopq", "hijklmnopq", "hijklmnopq",
                "hijklmnopq", "hijklmnopq");

        display.output(bytes("\u001b[1;1H"));
        assertThat(shown(10, 5).snapshot().lines()).containsExactly("r0-abcdefg", "r1-abcdefg", "r2-abcdefg",
                "r3-abcdefg", "r4-abcdefg");
    }

    @Test
    void eitherSizeChangingSwitchesBetweenTheTwoWaysWithTheScreenRedrawn() {
        SessionDisplay display = new SessionDisplay(written::writeBytes, () -> refreshes++, 10, 5);
        display.screen(screen(20, 10, "top-left\u001b[10;1Hbottom-left"), true);
        assertThat(display.viewing()).isTrue();
        assertThat(shown(10, 5).snapshot().lines().getLast()).isEqualTo("ttom-left"); // the cursor, after the text, is in view

        display.terminalResized(30, 12, false);
        assertThat(display.viewing()).isFalse();
        VirtualTerminal user = shown(30, 12);
        assertThat(user.snapshot().lines().getFirst()).isEqualTo("top-left");
        assertThat(user.snapshot().lines().get(9)).isEqualTo("bottom-left");

        written.reset();
        VirtualTerminal session = model(40, 10, "top-left\u001b[10;1Hbottom-left");
        display.sessionResized(Size.newBuilder().setCols(40).setRows(10).build());
        assertThat(refreshes).as("a terminal that no longer fits asks for the screen").isEqualTo(1);
        feed(session, display, " and more, far to the right");
        display.resync(screenOf(session));
        assertThat(display.viewing()).isTrue();
        assertThat(shown(30, 12).snapshot().lines().get(9)).isEqualTo("ft and more, far to the right");

        feed(session, display, "!");
        assertThat(shown(30, 12).snapshot().lines().get(9)).isEqualTo("t and more, far to the right!");
    }

    @Test
    void aTerminalThatFitsKeepsNoCopyAndAsksForTheScreenOnlyOnceWhenItStopsFitting() {
        SessionDisplay display = new SessionDisplay(written::writeBytes, () -> refreshes++, 80, 24);
        VirtualTerminal session = model(80, 24, "prompt$ ");
        display.screen(screenOf(session), true);
        feed(session, display, "ls\r\n");
        assertThat(refreshes).isZero();

        display.terminalResized(60, 20, false);
        display.terminalResized(50, 18, false);
        feed(session, display, "a.txt  b.txt\r\n");
        display.terminalResized(40, 16, false);
        assertThat(refreshes).as("one screen asked for while one is on its way").isEqualTo(1);
        assertThat(display.viewing()).as("no copy until the screen comes").isFalse();

        written.reset();
        display.resync(screenOf(session));
        assertThat(display.viewing()).isTrue();
        assertThat(shown(40, 16).snapshot().lines()).startsWith("prompt$ ls", "a.txt  b.txt", "");

        display.terminalResized(80, 24, false);
        display.terminalResized(40, 16, false);
        assertThat(refreshes).as("the copy is let go once the terminal fits; shrinking again asks again").isEqualTo(2);
    }

    /** A daemon or relay older than refresh cannot send the screen when asked: the display keeps its copy all along. */
    @Test
    void withAServerThatCannotRefreshTheCopyIsKeptAndAShrunkTerminalShowsTheViewAtOnce() {
        SessionDisplay display = new SessionDisplay(written::writeBytes, () -> refreshes++, 80, 24);
        VirtualTerminal session = model(80, 24, "prompt$ ");
        display.screen(screenOf(session), false);
        feed(session, display, "ls\r\na.txt  b.txt\r\nprompt$ ");
        assertThat(display.viewing()).isFalse();

        written.reset();
        display.terminalResized(40, 16, false);
        assertThat(refreshes).as("nothing asked of a server that cannot answer").isZero();
        assertThat(display.viewing()).isTrue();
        assertThat(shown(40, 16).snapshot().lines()).startsWith("prompt$ ls", "a.txt  b.txt", "prompt$");

        feed(session, display, "echo hi\r\nhi\r\n");
        display.terminalResized(80, 24, false);
        assertThat(display.viewing()).isFalse();
        written.reset();
        feed(session, display, "prompt$ ");
        display.terminalResized(40, 16, false);
        assertThat(refreshes).isZero();
        assertThat(shown(40, 16).snapshot().lines()).as("the copy went on while the terminal fitted")
                .containsSubsequence("prompt$ echo hi", "hi", "prompt$");
    }

    @Test
    void aScreenThatComesAfterTheTerminalFitsAgainIsDrawnWhole() {
        SessionDisplay display = new SessionDisplay(written::writeBytes, () -> refreshes++, 80, 24);
        VirtualTerminal session = model(80, 24, "prompt$ ");
        display.screen(screenOf(session), true);
        display.terminalResized(60, 20, false);
        display.terminalResized(80, 24, false);
        feed(session, display, "output meanwhile");

        display.resync(screenOf(session));
        assertThat(display.viewing()).isFalse();
        assertThat(shown(80, 24).snapshot().lines().getFirst()).isEqualTo("prompt$ output meanwhile");
    }

    /** An operator dragging a window smaller: the session takes each size, and nothing is redrawn by us. */
    @Test
    void anOperatorsTerminalThatShrinksWaitsForTheSessionToFollow() {
        SessionDisplay display = new SessionDisplay(written::writeBytes, () -> refreshes++, 80, 24);
        display.screen(screen(80, 24, "prompt$ "), true);
        written.reset();

        display.terminalResized(60, 20, true);
        display.sessionResized(Size.newBuilder().setCols(60).setRows(20).build());
        byte[] redraw = bytes("\u001b[H\u001b[2Jthe program's own redraw");
        display.output(redraw);

        assertThat(written.toByteArray()).as("only the program's bytes").isEqualTo(redraw);
        assertThat(display.viewing()).isFalse();
    }

    @Test
    void aSessionThatKeepsItsSizeIsShownInTheViewOnceTheWaitIsOver() {
        long[] now = {0};
        SessionDisplay display = new SessionDisplay(written::writeBytes, () -> refreshes++, 80, 24, () -> now[0]);
        display.screen(screen(80, 24, "prompt$ "), true);

        display.terminalResized(60, 20, true);
        display.output(bytes("a"));
        assertThat(display.viewing()).as("still waiting for the session").isFalse();

        now[0] += SessionDisplay.FOLLOW_NANOS;
        display.output(bytes("b"));
        assertThat(refreshes).isEqualTo(1);
        written.reset();
        display.resync(screen(80, 24, "prompt$ ab"));

        assertThat(display.viewing()).isTrue();
        assertThat(shown(60, 20).snapshot().lines().getFirst()).isEqualTo("prompt$ ab");
    }

    /** A status line longer than the row, in wide characters, must neither wrap nor scroll the user's screen. */
    @Test
    void aStatusLineOfWideCharactersStaysOnItsRowAndScrollsNothing() {
        SessionDisplay display = new SessionDisplay(written::writeBytes, () -> refreshes++, 10, 4);
        display.screen(screen(10, 4, "top\r\nmiddle\r\n\r\nbottom"), true);

        display.status("cmdop: 構築ログ\u001b[2J as operator");

        io.cmdop.terminal.ScreenSnapshot user = shown(10, 4).snapshot();
        assertThat(user.lines()).containsExactly("top", "middle", "", "cmdop: 構");
        assertThat(user.cursorY()).as("the cursor back where the program left it").isEqualTo(3);
        assertThat(user.cursorX()).isEqualTo(6);

        display.status("cmdop: a\u001b[2Jb");
        assertThat(shown(10, 4).snapshot().lines()).as("a control character shows, and does nothing")
                .containsExactly("top", "middle", "", "cmdop: a?[");
    }

    /**
     * An operator attaches with a terminal smaller than the session: the attach's screen is the
     * session's at its old size, and the session's taking the terminal's size comes as an event,
     * at times only after the status line is drawn. The redraw that event causes must not take the
     * status line away, nor must a screen sent after the client fell behind.
     */
    @Test
    void theDisplaysOwnRedrawsKeepTheStatusLine() {
        SessionDisplay display = new SessionDisplay(written::writeBytes, () -> refreshes++, 10, 4);
        display.screen(screen(12, 6, "r1\r\nr2\r\nr3\r\nr4\r\nr5\r\nr6"), true);
        display.status("cmdop: op");

        display.sessionResized(Size.newBuilder().setCols(10).setRows(4).build());
        assertThat(display.viewing()).isFalse();
        assertThat(shown(10, 4).snapshot().lines()).containsExactly("r3", "r4", "r5", "cmdop: op");

        display.resync(screen(10, 4, "a\r\nb\r\nc\r\nd"));
        assertThat(shown(10, 4).snapshot().lines()).containsExactly("a", "b", "c", "cmdop: op");
        display.output(bytes("\r\u001b[2Ke"));
        assertThat(shown(10, 4).snapshot().lines()).as("the program's own redraw of the row still replaces it")
                .containsExactly("a", "b", "c", "e");
    }

    private VirtualTerminal shown(int cols, int rows) {
        VirtualTerminal user = new VirtualTerminal(cols, rows, 0);
        byte[] all = written.toByteArray();
        user.feed(all, 0, all.length);
        return user;
    }

    private static Screen screen(int cols, int rows, String drawn) {
        return screenOf(model(cols, rows, drawn));
    }

    /** The session's own screen, as the daemon keeps it, with {@code drawn} on it. */
    private static VirtualTerminal model(int cols, int rows, String drawn) {
        VirtualTerminal session = new VirtualTerminal(cols, rows, 0);
        byte[] b = bytes(drawn);
        session.feed(b, 0, b.length);
        return session;
    }

    /** The screen as the daemon sends it, at this point of the stream. */
    private static Screen screenOf(VirtualTerminal session) {
        return Screen.newBuilder().setSize(Size.newBuilder().setCols(session.cols()).setRows(session.rows()))
                .setAnsi(ByteString.copyFrom(session.snapshot().toAnsi(false))).build();
    }

    /** The session prints {@code text}: its screen and the display get it. */
    private static void feed(VirtualTerminal session, SessionDisplay display, String text) {
        byte[] b = bytes(text);
        session.feed(b, 0, b.length);
        display.output(b);
    }

    private static Thread sendChunks(SessionDisplay display, byte[] chunk, int chunks) {
        return Thread.ofPlatform().start(() -> {
            for (int i = 0; i < chunks; i++) {
                Arrays.fill(chunk, (byte) ('a' + i % 26));
                display.output(chunk.clone());
            }
        });
    }

    private static void awaitWaiting(Thread transport) {
        while (transport.getState() != Thread.State.WAITING) {
            assertThat(transport.isAlive()).as("the stream's thread waits once the held output is full").isTrue();
            Thread.onSpinWait();
        }
    }

    private static void join(Thread thread) {
        try {
            thread.join();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

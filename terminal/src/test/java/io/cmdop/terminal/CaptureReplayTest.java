package io.cmdop.terminal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Output recorded from real programs (see captures/README.md): the model must show what tmux shows, and the
 * snapshot a late-joining client receives must redraw that same screen, in the model and in tmux.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CaptureReplayTest {
    private static final int COLS = 80;
    private static final int ROWS = 24;

    private TmuxOracle tmux;

    @BeforeAll
    void startTmux() {
        tmux = new TmuxOracle();
    }

    @AfterAll
    void stopTmux() {
        tmux.close();
    }

    static List<String> captures() {
        return List.of("vim", "vim-scroll", "less", "less-scroll", "man", "top", "htop", "git-log", "prompt", "cjk",
                "dialog", "mc");
    }

    static byte[] capture(String name) {
        try (InputStream in = CaptureReplayTest.class.getResourceAsStream("/captures/" + name + ".bin")) {
            assertThat(in).as("capture " + name).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ScreenSnapshot replay(byte[] bytes) {
        VirtualTerminal vt = new VirtualTerminal(COLS, ROWS, 1000);
        vt.feed(bytes, 0, bytes.length);
        return vt.snapshot();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("captures")
    void modelShowsWhatTmuxShows(String name) {
        byte[] bytes = capture(name);
        ScreenSnapshot model = replay(bytes);
        assertThat(model.text()).as("the capture of %s draws something", name).isNotBlank();
        ScreenComparison.assertSame(model, tmux.render(COLS, ROWS, bytes), name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("captures")
    void outputCutIntoRandomPiecesGivesTheSameScreen(String name) {
        byte[] bytes = capture(name);
        VirtualTerminal vt = new VirtualTerminal(COLS, ROWS, 1000);
        Random random = new Random(name.hashCode());
        for (int i = 0; i < bytes.length; ) {
            int n = Math.min(bytes.length - i, 1 + random.nextInt(7));
            vt.feed(bytes, i, n);
            i += n;
        }
        ScreenComparison.assertSameState(replay(bytes), vt.snapshot(), name + " fed in pieces of 1-7 bytes");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("captures")
    void snapshotRedrawsTheScreenForALateJoiner(String name) {
        ScreenSnapshot original = replay(capture(name));
        byte[] ansi = original.toAnsi(true);

        ScreenSnapshot redrawn = replay(ansi);
        ScreenComparison.assertSameState(original, redrawn, name + " redrawn from toAnsi(true) in a fresh model");
        ScreenComparison.assertSame(original, tmux.render(COLS, ROWS, ansi), name + " redrawn from toAnsi(true) in tmux");
    }
}

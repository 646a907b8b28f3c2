package io.cmdop.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The benchmark's stand-in for a person reading a terminal: what it passes on decides when a tmux
 * client or the CLI is taken to show the end of a stream, so a wrong strip would time the wrong
 * moment.
 */
class VisibleTextTest {
    /** What tmux and the CLI draw: colours, cursor motions, a title, charsets, controls, UTF-8. */
    private static final byte[] DRAWN = ("\u001b[?25l\u001b[1;1Hplain \u001b[1;31mred\u001b[0m\r\n"
            + "\u001b]0;a title\u0007\u001b]8;;http://x\u001b\\link\u001b]8;;\u001b\\ \u001b(Bé ok\u0008\u007f\t"
            + "\u001bPq#0;dcs\u001b\\\u001b7\u001b[24;80H=cmdop-bench-end-1\u001b8").getBytes(StandardCharsets.UTF_8);
    private static final String SEEN = "plain redlink é ok=cmdop-bench-end-1";

    @Test
    void passesOnOnlyWhatATerminalShowsAsText() {
        assertThat(runsOf(DRAWN, DRAWN.length)).isEqualTo(SEEN);
    }

    @Test
    void theTextIsTheSameHoweverTheStreamIsCut() {
        for (int piece = 1; piece <= DRAWN.length; piece++) {
            assertThat(runsOf(DRAWN, piece)).as("in pieces of %d bytes", piece).isEqualTo(SEEN);
        }
    }

    @Test
    void aByteAtATimeSinkSeesTheSameText() {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        VisibleText text = new VisibleText((int b) -> seen.write(b));
        for (int i = 0; i < DRAWN.length; i += 3) {
            text.feed(DRAWN, i, Math.min(3, DRAWN.length - i));
        }
        assertThat(seen.toString(StandardCharsets.UTF_8)).isEqualTo(SEEN);
    }

    @Test
    void anEndMarkerFedTheRunsFindsTheEndAndCountsTheTextBeforeIt() {
        EndMarker end = new EndMarker("=cmdop-bench-end-1");
        VisibleText text = new VisibleText((data, from, to) -> end.feed(data, from, to - from));
        for (int i = 0; i < DRAWN.length; i += 5) {
            text.feed(DRAWN, i, Math.min(5, DRAWN.length - i));
        }
        assertThat(end.seenAtNanos()).isPositive();
        assertThat(end.bytes()).isEqualTo(SEEN.getBytes(StandardCharsets.UTF_8).length);
    }

    private static String runsOf(byte[] stream, int piece) {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        VisibleText text = new VisibleText((data, from, to) -> seen.write(data, from, to - from));
        for (int i = 0; i < stream.length; i += piece) {
            text.feed(stream, i, Math.min(piece, stream.length - i));
        }
        return seen.toString(StandardCharsets.UTF_8);
    }
}

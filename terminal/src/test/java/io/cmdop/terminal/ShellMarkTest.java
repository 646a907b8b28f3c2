package io.cmdop.terminal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The OSC 133 marks the model reports while it reads the output: what the session tracks commands by. */
class ShellMarkTest {
    private static final String STREAM =
            "prompt$ \u001b]133;C\u0007hello\r\n\u001b]133;D;2\u001b\\\u001b]133;A\u0007$ ";

    /**
     * The marks of {@code text} fed in pieces of {@code piece} bytes (each at its own offset of one
     * array), with positions turned into offsets in the whole stream.
     */
    private static List<ShellMark> marksInPieces(VirtualTerminal vt, String text, int piece) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        List<ShellMark> found = new ArrayList<>();
        long[] base = {0};
        vt.onShellMark(m -> found.add(new ShellMark(m.kind(), m.params(), base[0] + m.start(), base[0] + m.end())));
        for (int at = 0; at < bytes.length; at += piece) {
            base[0] = at;
            vt.feed(bytes, at, Math.min(piece, bytes.length - at));
        }
        return found;
    }

    @Test
    void marksAreFoundWithTheirStreamOffsetsWhateverTheChunking() {
        int c = "prompt$ ".length();
        int d = STREAM.indexOf("\u001b]133;D");
        int a = STREAM.indexOf("\u001b]133;A");
        for (int piece = 1; piece <= STREAM.length(); piece++) {
            List<ShellMark> marks = marksInPieces(new VirtualTerminal(40, 5, 0), STREAM, piece);
            assertThat(marks).as("piece " + piece).containsExactly(
                    new ShellMark('C', "", c, c + "\u001b]133;C\u0007".length()),
                    new ShellMark('D', "2", d, d + "\u001b]133;D;2\u001b\\".length()),
                    new ShellMark('A', "", a, a + "\u001b]133;A\u0007".length()));
        }
    }

    @Test
    void theMarksDrawNothing() {
        VirtualTerminal vt = new VirtualTerminal(40, 5, 0);
        marksInPieces(vt, STREAM, 5);
        assertThat(vt.snapshot().lines()).startsWith("prompt$ hello", "$");
    }

    @Test
    void otherSequencesMarksCutShortAndOversizedPayloadsAreNotMarks() {
        String stream = "\u001b[31mred\u001b[0m \u001b]0;title\u0007 \u001b]133;" + "x".repeat(500) + "\u0007 \u001b]13;C\u0007"
                + " \u001b]133;C\u001b[0m \u001b]133;\u0007 \u001bP\u001b]133;A\u0007\u001b\\";
        for (int piece : new int[] {1, 7, stream.length()}) {
            VirtualTerminal vt = new VirtualTerminal(40, 5, 0);
            assertThat(marksInPieces(vt, stream, piece)).as("piece " + piece).isEmpty();
            assertThat(vt.snapshot().title()).isEqualTo("title");
        }
    }
}

package io.cmdop.session;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ShellMarksTest {
    private static List<ShellMarks.Mark> scanInPieces(String text, int piece) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ShellMarks marks = new ShellMarks();
        List<ShellMarks.Mark> found = new ArrayList<>();
        for (int at = 0; at < bytes.length; at += piece) {
            int n = Math.min(piece, bytes.length - at);
            byte[] chunk = java.util.Arrays.copyOfRange(bytes, at, at + n);
            found.addAll(marks.scan(chunk, n, at));
        }
        return found;
    }

    @Test
    void marksAreFoundWithTheirOffsetsWhateverTheChunking() {
        String stream = "prompt$ \u001b]133;C\u0007hello\r\n\u001b]133;D;2\u001b\\\u001b]133;A\u0007$ ";
        for (int piece = 1; piece <= stream.length(); piece++) {
            List<ShellMarks.Mark> marks = scanInPieces(stream, piece);
            assertThat(marks).extracting(ShellMarks.Mark::kind).as("piece " + piece).containsExactly('C', 'D', 'A');
            assertThat(marks.get(0).startOffset()).isEqualTo(8);
            assertThat(marks.get(0).endOffset()).isEqualTo(8 + "\u001b]133;C\u0007".length());
            assertThat(marks.get(1).params()).isEqualTo("2");
        }
    }

    @Test
    void otherSequencesAndOversizedPayloadsAreNotMarks() {
        String stream = "\u001b[31mred\u001b[0m \u001b]0;title\u0007 \u001b]133;" + "x".repeat(500) + "\u0007 \u001b]13;C\u0007";
        assertThat(scanInPieces(stream, 7)).isEmpty();
    }
}

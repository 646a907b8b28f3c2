package io.cmdop.terminal;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** A joining client asks for some scrollback, not all: the redraw carries exactly that much. */
class PartialScrollbackTest {
    @Test
    void toAnsiWithALineCountRedrawsTheScreenAndOnlyTheLatestScrollback() {
        VirtualTerminal source = new VirtualTerminal(20, 5, 100);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            text.append("line-").append(i).append("\r\n");
        }
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        source.feed(bytes, 0, bytes.length);
        ScreenSnapshot snapshot = source.snapshot();
        assertThat(snapshot.scrollback()).hasSize(26);

        byte[] redraw = snapshot.toAnsi(3);
        VirtualTerminal joiner = new VirtualTerminal(20, 5, 100);
        joiner.feed(redraw, 0, redraw.length);
        assertThat(joiner.snapshot().lines()).isEqualTo(snapshot.lines());
        assertThat(joiner.snapshot().scrollback()).containsExactly("line-23", "line-24", "line-25");
        assertThat(snapshot.toAnsi(3).length).isLessThan(snapshot.toAnsi(true).length);
    }
}

package io.cmdop.terminal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PlainOutputTest {
    @Test
    void textColoursUtf8AndForwardControlsArePlainInEveryCut() {
        String plain = "log \033[1;31merror\033[m: \u4e2d\u6587 e\u0301\t\r\n\033[38:2::1:2:3mrgb\033[0m\013\014\007\030\000"
                + "\033[48;5;200m" + "x".repeat(20);
        byte[] bytes = plain.getBytes(StandardCharsets.UTF_8);
        for (int cut = 0; cut <= bytes.length; cut++) {
            PlainOutput scanner = new PlainOutput();
            assertThat(scanner.accepts(bytes, 0, cut) && scanner.accepts(bytes, cut, bytes.length)).as("cut at %d", cut)
                    .isTrue();
        }
    }

    @Test
    void whatCanMoveUpSwitchScreensAskOrMarkIsNotPlainEvenCutAcrossChunks() {
        String[] others = {
            "a\bb", "\033[A", "\033[2J", "\033[?1049h", "\033[5n", "\033[1;5r", "\033]133;A\007", "\033]0;title\007",
            "\033M", "\033c", "\016", "\017", "\033[>4;1m", "\033[1 m", "\033[3\nm", "\033[1\033[m", "\033P1$r\033\\"
        };
        for (String other : others) {
            byte[] bytes = ("text " + other + " more").getBytes(StandardCharsets.UTF_8);
            for (int cut = 0; cut <= bytes.length; cut++) {
                PlainOutput scanner = new PlainOutput();
                boolean accepted = scanner.accepts(bytes, 0, cut) && scanner.accepts(bytes, cut, bytes.length);
                assertThat(accepted).as("%s cut at %d", RandomStream.describe(bytes), cut).isFalse();
            }
        }
    }

    @Test
    void restartForgetsASequenceUnderWay() {
        PlainOutput scanner = new PlainOutput();
        byte[] start = "\033[".getBytes(StandardCharsets.US_ASCII);
        byte[] text = "AB".getBytes(StandardCharsets.US_ASCII);
        assertThat(scanner.accepts(start, 0, start.length)).isTrue();
        scanner.restart();
        assertThat(scanner.accepts(text, 0, text.length)).isTrue(); // "A" would have ended CSI as cursor-up
    }
}

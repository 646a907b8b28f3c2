package io.cmdop.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class FirstScreenOrderTest {
    private final ByteArrayOutputStream terminal = new ByteArrayOutputStream();
    private final FirstScreenOrder order = new FirstScreenOrder(terminal::writeBytes);

    @Test
    void outputThatArrivesBeforeTheFirstScreenIsDrawnComesRightAfterItNotBeforeItsReset() {
        order.output(bytes("line 101\r\n"));
        order.output(bytes("line 102\r\n"));
        assertThat(written()).as("nothing reaches the terminal before the screen").isEmpty();

        order.screen(bytes("\u001bc[screen up to line 100]"));
        order.output(bytes("line 103\r\n"));

        assertThat(written()).isEqualTo("\u001bc[screen up to line 100]line 101\r\nline 102\r\nline 103\r\n");
    }

    @Test
    void whatIsHeldIsBounded() {
        byte[] chunk = new byte[64 * 1024];
        for (int i = 0; i < FirstScreenOrder.MAX_HELD_BYTES / chunk.length + 10; i++) {
            order.output(chunk);
        }
        order.screen(bytes("S"));
        assertThat(terminal.size()).isEqualTo(1 + FirstScreenOrder.MAX_HELD_BYTES);
    }

    private String written() {
        return terminal.toString(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

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
    void pastWhatItHoldsTheStreamWaitsForTheScreenAndLosesNothing() throws Exception {
        byte[] chunk = new byte[64 * 1024];
        int chunks = FirstScreenOrder.MAX_HELD_BYTES / chunk.length + 10;
        Thread transport = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < chunks; i++) {
                java.util.Arrays.fill(chunk, (byte) ('a' + i % 26));
                order.output(chunk.clone());
            }
        });
        while (transport.getState() != Thread.State.WAITING) {
            assertThat(transport.isAlive()).as("the transport thread waits once the held output is full").isTrue();
            Thread.onSpinWait();
        }
        assertThat(terminal.size()).as("nothing reaches the terminal before the screen").isZero();

        order.screen(bytes("S"));
        transport.join();

        byte[] written = terminal.toByteArray();
        assertThat(written).hasSize(1 + chunks * chunk.length);
        for (int i = 0; i < chunks; i++) {
            assertThat(written[1 + i * chunk.length]).as("chunk %d in its place", i).isEqualTo((byte) ('a' + i % 26));
        }
    }

    private String written() {
        return terminal.toString(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

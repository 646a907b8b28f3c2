package io.cmdop.terminal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Feeds a large volume of typical output (log lines with some colour) the way a PTY delivers it, and checks
 * the result is right. It prints the rate for information only: speed is measured by the bench module,
 * side by side with tmux, never asserted in a test.
 */
class ThroughputTest {
    private static final int CHUNK = 16 * 1024;

    @Test
    void largeTypicalOutputEndsOnTheRightScreen() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int lines = 0;
        while (out.size() < 32 << 20) {
            String line = "12:00:" + lines % 60 + " \033[32mINFO\033[0m [worker-" + lines % 7 + "] request " + lines
                    + " done in " + lines % 1000 + "ms, status \033[1m200\033[0m\r\n";
            out.writeBytes(line.getBytes(StandardCharsets.UTF_8));
            lines++;
        }
        byte[] data = out.toByteArray();
        VirtualTerminal vt = new VirtualTerminal(120, 40, 5000);
        long start = System.nanoTime();
        for (int offset = 0; offset < data.length; offset += CHUNK) {
            vt.feed(data, offset, Math.min(CHUNK, data.length - offset));
        }
        long nanos = System.nanoTime() - start;
        System.out.printf("terminal model: %d MiB of log output in %d ms (%.0f MB/s, for information)%n",
                data.length >> 20, nanos / 1_000_000, data.length * 1e3 / nanos);

        ScreenSnapshot s = vt.snapshot();
        int last = lines - 1;
        assertThat(s.lines().get(38)).contains("request " + last + " done");
        assertThat(s.lines().get(39)).isEmpty();
        assertThat(s.scrollback()).hasSize(5000);
        assertThat(s.scrollback().getLast()).contains("request " + (last - 39) + " done");
        assertThat(s.cell(s.lines().get(38).indexOf("INFO"), 38).fg()).isEqualTo(Color.indexed(2));
    }
}

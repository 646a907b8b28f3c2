package io.cmdop.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the benchmark end to end with tiny sizes: every harness (raw PTY, tmux, a real daemon
 * started from the runnable jar, SDK observers, the CLI in a terminal) works and the table comes
 * out. It asserts no speed: figures are measured by {@code ./cmdop-bench}, never by a test.
 */
class BenchSmokeTest {
    @Test
    void everyFigureIsMeasuredAndWritten(@TempDir Path dir) throws Exception {
        Path jar = Path.of(System.getProperty("cmdop.jar", "../cli/target/cmdop.jar"));
        assertThat(jar).as("the runnable cmdop jar (built by the cli module)").isRegularFile();
        Path out = dir.resolve("results.md");

        int code = BenchMain.run(new String[] {"--smoke", "--jar", jar.toString(), "--out", out.toString()});

        assertThat(code).isZero();
        String report = Files.readString(out);
        assertThat(report).contains("| figure | unit | raw PTY | tmux | cmdop local | cmdop via relay |", "## Machine", "- tmux: tmux ",
                "Output throughput, 1 client", "Output throughput, 1 client: the cmdop CLI in a terminal",
                "Producer throughput, no client attached",
                "Fan-out to 2 observers: slowest observer", "1 stalled observer among 2", "live heap growth", "Keystroke echo p50",
                "Keystroke echo p50, cmdop SDK, callbacks on the transport thread",
                "Attach to a complete snapshot", "Resume with the token", "to the first screen",
                "Server RSS per idle session, 3 sessions", "Relay memory per attached observer, 3 observers",
                "Stream figures: 2 warm-up rounds of 1 MiB first (1 client locally, 1 through the relay, none)");
        assertThat(report.lines().filter(l -> l.startsWith("| Output throughput, 1 client (")
                || l.startsWith("| Keystroke echo p50, cmdop SDK") || l.startsWith("| Fan-out to 2 observers")
                || l.startsWith("| Relay heap per attached observer")))
                .as("the figures through the relay are measured beside the local ones")
                .hasSize(6).allSatisfy(l -> assertThat(l.split("\\|")[6].strip()).matches("-?[0-9.,]+"));
        assertThat(report.lines().filter(l -> l.startsWith("| Fan-out to 2 readers of plain Unix sockets")))
                .as("the lossless fan-out without cmdop, for scale, is measured from the same PTY")
                .singleElement().satisfies(l -> assertThat(l.split("\\|")[3].strip()).matches("[0-9.,]+"));
        assertThat(report.lines().filter(l -> l.startsWith("| Producer throughput, no client: against the raw PTY read "
                + "with cmdop's terminal model")))
                .as("the model's own cost to the program is measured beside the daemon's figure")
                .singleElement().satisfies(l -> {
                    assertThat(l.split("\\|")[3].strip()).matches("[0-9.,]+");
                    assertThat(l.split("\\|")[5].strip()).matches("[0-9.,]+");
                });
        // Every echo wakes at least one thread of each server it crosses: a count of 0 would be a broken reading.
        assertThat(report).as("what the echo's keys cost the daemon and the relay, read from /proc")
                .containsPattern("SDK relay on the transport thread: daemon [1-9][0-9]*\\.[0-9] switches, [0-9]+ µs of "
                        + "CPU, relay [1-9][0-9]*\\.[0-9] switches, [0-9]+ µs of CPU")
                .containsPattern("CLI: daemon [1-9][0-9]*\\.[0-9] switches");
        assertThat(report).doesNotContain("NaN");
    }
}

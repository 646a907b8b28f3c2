package io.cmdop.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A mistyped command line ends at once with exit code 2 and one line that says what is wrong. */
class BenchArgumentsTest {
    private record Outcome(int code, String stderr) {}

    private static Outcome run(String... args) throws Exception {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            int code = BenchMain.run(args);
            return new Outcome(code, captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(err);
        }
    }

    @Test
    void anOptionWithoutItsValueOrWithABadOneIsRefusedWithItsName() throws Exception {
        assertThat(run("--relay-java-options")).isEqualTo(new Outcome(2,
                "cmdop-bench: --relay-java-options needs a value (try --help)" + System.lineSeparator()));
        assertThat(run("--quick", "--stream-mib", "lots").stderr())
                .isEqualTo("cmdop-bench: --stream-mib needs a whole number of MiB from 1 to 65536, not 'lots' (try --help)"
                        + System.lineSeparator());
        assertThat(run("--stream-mib", "0").code()).isEqualTo(2);
        assertThat(run("--bogus")).isEqualTo(new Outcome(2,
                "cmdop-bench: unknown argument '--bogus' (try --help)" + System.lineSeparator()));
    }
}

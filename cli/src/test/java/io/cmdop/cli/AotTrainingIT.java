package io.cmdop.cli;

import io.cmdop.cli.CliHome.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The run the `./cmdop` launcher records into the JVM's AOT cache, and what the cache then holds. */
@Timeout(120)
class AotTrainingIT {
    private CliHome cli;

    @BeforeEach
    void freshHome() {
        cli = CliHome.create();
    }

    @AfterEach
    void stopEverything() {
        cli.close();
    }

    @Test
    void theTrainingRecordsACacheFromWhichTheCliLoadsItsClasses() throws IOException {
        Path cache = cli.dir().resolveSibling("cmdop.aot");
        Result training = cli.runWithJvmOptions(List.of("-XX:AOTCacheOutput=" + cache), "aot-training");
        assertThat(training.exitCode()).as(training.toString()).isZero();
        assertThat(training.stdout()).as("the attach it trains on detached cleanly").contains("[cmdop] detached from training");
        assertThat(cli.socket()).as("its daemon is gone with it").doesNotExist();
        assertThat(cache).isRegularFile();

        Result status = cli.runWithJvmOptions(List.of("-XX:AOTCache=" + cache, "-Xlog:class+load=info:stdout"),
                "agent", "status");
        assertThat(status.stdout()).contains("not running");
        for (String trained : List.of("io.cmdop.cli.Main", "io.cmdop.cli.AgentCommand$Status",
                "io.cmdop.cli.InteractiveAttach", "io.cmdop.client.CmdopClient")) {
            assertThat(status.stdout()).contains(" " + trained + " source: shared objects file");
        }
        long loaded = status.stdout().lines().filter(l -> l.contains("source: ")).count();
        long cached = status.stdout().lines().filter(l -> l.contains("source: shared objects file")).count();
        assertThat(cached).as("classes from the cache, of %d loaded", loaded).isGreaterThan(loaded * 9 / 10);
    }

    @Test
    void itRefusesAHomeInUse() throws IOException {
        cli.writeConfig("detach_key: ctrl-b\n");
        Result r = cli.run("aot-training");
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_ERROR);
        assertThat(r.stderr()).contains("CMDOP_HOME must name an empty directory").contains(cli.dir().toString());
        assertThat(cli.socket()).doesNotExist();
        try (var left = Files.list(cli.dir())) {
            assertThat(left).as("the home is left as it was").hasSize(1);
        }
    }
}

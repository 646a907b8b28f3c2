package io.cmdop.daemon;

import io.cmdop.session.ResizePolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DaemonConfigTest {
    @TempDir
    Path dir;

    @Test
    void aMissingFileMeansTheDocumentedDefaults() {
        DaemonConfig c = DaemonConfig.load(dir.resolve("config.yaml"));
        assertThat(c.session().ringBytes()).isEqualTo(2 * 1024 * 1024);
        assertThat(c.session().grace()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.session().resizePolicy()).isEqualTo(ResizePolicy.LATEST);
        assertThat(c.detachKey()).isEqualTo("ctrl-]");
        assertThat(DaemonConfig.detachByte(c.detachKey())).isEqualTo((byte) 0x1d);
    }

    @Test
    void everyKeyIsRead() throws Exception {
        Path file = write("""
                session:
                  ring_size: 4MiB
                  grace: 45s
                  resize_policy: smallest
                  send_queue: 512KiB
                  max_clients: 1000
                  ended_retention: 1h
                  idle_timeout: 30m
                daemon:
                  max_sessions: 12
                attach:
                  detach_key: ctrl-b
                """);
        DaemonConfig c = DaemonConfig.load(file);
        assertThat(c.session().ringBytes()).isEqualTo(4L * 1024 * 1024);
        assertThat(c.session().grace()).isEqualTo(Duration.ofSeconds(45));
        assertThat(c.session().resizePolicy()).isEqualTo(ResizePolicy.SMALLEST);
        assertThat(c.session().sendQueueBytes()).isEqualTo(512 * 1024);
        assertThat(c.session().maxAttachments()).isEqualTo(1000);
        assertThat(c.endedRetention()).isEqualTo(Duration.ofHours(1));
        assertThat(c.idleTimeout()).isEqualTo(Duration.ofMinutes(30));
        assertThat(c.maxSessions()).isEqualTo(12);
        assertThat(DaemonConfig.detachByte(c.detachKey())).isEqualTo((byte) 0x02);
    }

    @Test
    void theFilesRootIsTheHomeUnlessSetToAnAbsoluteOrHomeRelativePath() throws Exception {
        assertThat(DaemonConfig.load(dir.resolve("none.yaml")).filesRoot())
                .isEqualTo(io.cmdop.session.SessionSpec.homeDirectory());
        assertThat(DaemonConfig.load(write("files:\n  root: /srv/shared/\n")).filesRoot()).isEqualTo(Path.of("/srv/shared"));
        assertThat(DaemonConfig.load(write("files:\n  root: ~/exchange\n")).filesRoot())
                .isEqualTo(io.cmdop.session.SessionSpec.homeDirectory().resolve("exchange"));
        Path relative = write("files:\n  root: data\n");
        assertThatThrownBy(() -> DaemonConfig.load(relative))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(relative + ":2:")
                .hasMessageContaining("files.root")
                .hasMessageContaining("'data' is not an absolute path");
    }

    @Test
    void aBadValueIsReportedWithFileLineAndKey() throws Exception {
        Path file = write("""
                session:
                  ring_size: 2MiB
                  grace: soon
                """);
        assertThatThrownBy(() -> DaemonConfig.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(file + ":3:")
                .hasMessageContaining("session.grace")
                .hasMessageContaining("'soon' is not a duration");
    }

    @Test
    void anUnknownKeyIsReportedWithWhatIsKnown() throws Exception {
        Path file = write("""
                daemon:
                  max_sessions: 3
                  colour: blue
                """);
        assertThatThrownBy(() -> DaemonConfig.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(file + ":3:")
                .hasMessageContaining("daemon.colour")
                .hasMessageContaining("unknown key");
    }

    @Test
    void brokenYamlIsReportedWithItsLine() throws Exception {
        Path file = write("session:\n  grace: [30s\n");
        assertThatThrownBy(() -> DaemonConfig.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("not valid YAML");
    }

    @Test
    void outOfRangeValuesAreRefused() throws Exception {
        assertThatThrownBy(() -> DaemonConfig.load(write("session:\n  ring_size: 12\n")))
                .hasMessageContaining("session.ring_size").hasMessageContaining("out of range");
        assertThatThrownBy(() -> DaemonConfig.load(write("session:\n  resize_policy: biggest\n")))
                .hasMessageContaining("session.resize_policy").hasMessageContaining("latest, smallest, largest, fixed");
        assertThatThrownBy(() -> DaemonConfig.load(write("attach:\n  detach_key: F12\n")))
                .hasMessageContaining("attach.detach_key");
        assertThatThrownBy(() -> DaemonConfig.load(write("daemon:\n  max_sessions: -1\n")))
                .hasMessageContaining("daemon.max_sessions");
        assertThatThrownBy(() -> DaemonConfig.load(write("- just\n- a list\n")))
                .hasMessageContaining("expected a mapping");
    }

    private Path write(String text) throws Exception {
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, text);
        return file;
    }
}

package io.cmdop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.cmdop.cli.CliHome.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * `cmdop files` on this machine, as scripts and people use it: the real jar against a real daemon,
 * whose files root is its user's home (an empty directory of the test's own). Local files live in a
 * temp directory and are named by absolute paths.
 */
@Timeout(120)
class FilesIT {
    private static CliHome cli;
    private static Path root;

    @TempDir
    Path local;

    @BeforeAll
    static void startDaemon() {
        cli = CliHome.create();
        cli.startAgent();
        root = cli.userHome();
    }

    @AfterAll
    static void stopDaemon() {
        cli.close();
    }

    @Test
    void everyVerbWorksAndLsSpeaksJson() throws IOException {
        byte[] content = new byte[3 * 1024 * 1024 + 11];
        new Random(5).nextBytes(content);
        Path data = Files.write(local.resolve("data.bin"), content);

        cli.ok("files", "mkdir", "-p", "docs/2024");
        Result put = cli.ok("files", "put", data.toString(), "docs/2024/");
        assertThat(put.stderr()).as("no progress bar in a pipe").isEmpty();
        assertThat(Files.readAllBytes(root.resolve("docs/2024/data.bin"))).isEqualTo(content);

        Instant before = Instant.now().minusSeconds(60);
        JsonNode listed = cli.json("files", "ls", "docs/2024", "--json");
        assertThat(listed.isArray()).isTrue();
        assertThat(listed).hasSize(1);
        JsonNode entry = listed.get(0);
        assertThat(entry.path("path").asText()).isEqualTo("docs/2024/data.bin");
        assertThat(entry.path("name").asText()).isEqualTo("data.bin");
        assertThat(entry.path("type").asText()).isEqualTo("file");
        assertThat(entry.path("size").asLong()).isEqualTo(content.length);
        assertThat(entry.path("mode").asText()).matches("0[0-7]{3}");
        assertThat(Instant.parse(entry.path("modified").asText())).isAfter(before);
        assertThat(cli.ok("files", "ls", "docs").stdout().lines()).singleElement()
                .satisfies(line -> assertThat(line).startsWith("d").endsWith(" 2024/"));
        assertThat(cli.ok("files", "ls").stdout()).contains("docs/");

        Path downloads = Files.createDirectory(local.resolve("downloads"));
        Result get = cli.ok("files", "get", "docs/2024/data.bin", downloads.toString());
        assertThat(get.stderr()).isEmpty();
        assertThat(Files.readAllBytes(downloads.resolve("data.bin"))).isEqualTo(content);

        Files.writeString(local.resolve("note.txt"), "remember the milk\n");
        cli.ok("files", "put", local.resolve("note.txt").toString(), ":docs/note.txt");
        assertThat(cli.ok("files", "get", "docs/note.txt", "-").stdout()).isEqualTo("remember the milk\n");

        cli.ok("files", "mv", "docs/2024/data.bin", "docs");
        assertThat(root.resolve("docs/data.bin")).exists();
        assertThat(root.resolve("docs/2024/data.bin")).doesNotExist();
        Result clobber = cli.run("files", "mv", "docs/data.bin", "docs/note.txt");
        assertThat(clobber.exitCode()).as(clobber.toString()).isEqualTo(1);
        assertThat(clobber.stderr()).contains("[FILE_EXISTS]");
        cli.ok("files", "mv", "-f", "docs/data.bin", "docs/note.txt");
        assertThat(Files.size(root.resolve("docs/note.txt"))).isEqualTo(content.length);

        Result notEmpty = cli.run("files", "rm", "docs");
        assertThat(notEmpty.exitCode()).isEqualTo(1);
        assertThat(notEmpty.stderr()).contains("not empty").contains("[DIRECTORY_NOT_EMPTY]");
        cli.ok("files", "rm", "-r", "docs");
        assertThat(root.resolve("docs")).doesNotExist();
    }

    @Test
    void badInputIsOneClearLineWithItsStableReason() throws IOException {
        Result escape = cli.run("files", "get", "../../etc/passwd", local.resolve("passwd").toString());
        assertThat(escape.exitCode()).as(escape.toString()).isEqualTo(1);
        assertThat(escape.stderr().strip()).isEqualTo("cmdop: '../../etc/passwd' leads outside the files root [PATH_OUTSIDE_ROOT]");
        assertThat(local.resolve("passwd")).doesNotExist();

        Result absolute = cli.run("files", "ls", "/etc");
        assertThat(absolute.stderr()).contains("[PATH_OUTSIDE_ROOT]");

        Result missing = cli.run("files", "ls", "no/such/dir");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.stderr()).contains("'no/such/dir'").contains("[FILE_NOT_FOUND]");

        Result noLocal = cli.run("files", "put", local.resolve("absent.txt").toString(), "x.txt");
        assertThat(noLocal.exitCode()).isEqualTo(1);
        assertThat(noLocal.stderr()).contains("absent.txt is not a file here");

        Result otherMachine = cli.run("files", "mv", "a.txt", "web-1:b.txt");
        assertThat(otherMachine.exitCode()).isEqualTo(1);
        assertThat(otherMachine.stderr()).contains("within one machine");
    }

    @Test
    void aPutKilledMidwayLeavesNoFileOnTheMachine() throws IOException {
        // Sparse: a gibibyte to send that costs no disk here, so the upload is surely still running when killed.
        Path big = local.resolve("big.img");
        try (RandomAccessFile file = new RandomAccessFile(big.toFile(), "rw")) {
            file.setLength(1L << 30);
        }
        CliHome.Live put = cli.spawn("files", "put", big.toString(), "big.img");
        CliHome.Await.until("the upload's temporary file on the machine", () -> uploadsInProgress() > 0 ? true : null);
        put.kill();
        CliHome.Await.until("the daemon to delete the partial upload", () -> uploadsInProgress() == 0 ? true : null);
        assertThat(root.resolve("big.img")).doesNotExist();
        cli.ok("agent", "status");
    }

    /** In a terminal, a transfer shows a progress bar on stderr: percentage, bytes, rate, time. */
    @Test
    void aTransferInATerminalShowsItsProgress() throws IOException {
        Path image = local.resolve("image.iso");
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(64L * 1024 * 1024);
        }
        try (RealTerminal terminal = RealTerminal.open(cli)) {
            terminal.typeLine("cmdop files put " + image + " image.iso; echo put-exit=$?");
            String screen = terminal.await("the finished transfer", s -> s.contains("put-exit=0"));
            assertThat(screen).containsPattern("image\\.iso +100% \\[=+\\] 64\\.0 MiB / 64\\.0 MiB +[0-9.]+ [KMG]?i?B/s +in \\d+:\\d\\d");
        }
        assertThat(Files.size(root.resolve("image.iso"))).isEqualTo(64L * 1024 * 1024);
    }

    private static long uploadsInProgress() {
        try (Stream<Path> files = Files.list(root)) {
            List<Path> temps = files.filter(p -> p.getFileName().toString().contains(".cmdop-upload-")).toList();
            return temps.size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package io.cmdop.session.pty;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import io.cmdop.session.Blocking;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A real pseudo-terminal with real programs on it. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PtyTest {
    /** An interactive bash with a known prompt and no start-up files. */
    private static PtySpec interactiveBash() {
        return PtySpec.builder("bash", "--norc", "--noprofile", "-i")
                .env("PS1", "cmdop$ ")
                .env("TERM", "dumb")
                .removeEnv("PROMPT_COMMAND")
                .build();
    }

    @Test
    void echoOutputEndsAndExitsZero() throws Exception {
        try (SpawnedPty p = SpawnedPty.spawn("/bin/echo", "hello")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[Pty.BUFFER_SIZE];
            int count;
            while ((count = p.pty.read(buffer, 0, buffer.length)) != -1) {
                out.write(buffer, 0, count);
            }
            assertThat(out.toString(UTF_8)).isEqualTo("hello\r\n");
            assertThat(p.pty.read(buffer, 0, buffer.length)).as("end stays the end").isEqualTo(-1);
            assertThat(p.waitFor()).isZero();
            assertThat(p.pty.exitStatus()).hasValue(0);
        }
    }

    @Test
    void exitCodeIsReportedToEveryWaiterEveryTime() throws Exception {
        try (SpawnedPty p = SpawnedPty.spawn("sh", "-c", "exit 3")) {
            List<CompletableFuture<Integer>> waiters = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                CompletableFuture<Integer> result = new CompletableFuture<>();
                Thread.ofVirtual().start(() -> {
                    try {
                        result.complete(p.pty.waitFor());
                    } catch (Throwable t) {
                        result.completeExceptionally(t);
                    }
                });
                waiters.add(result);
            }
            assertThat(p.waitFor()).isEqualTo(3);
            for (CompletableFuture<Integer> waiter : waiters) {
                assertThat(waiter.get(PtyOutput.TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(3);
            }
            assertThat(p.pty.waitFor()).isEqualTo(3);
            assertThat(p.pty.exitStatus()).hasValue(3);
            assertThat(p.pty.onExit().get(1, TimeUnit.SECONDS)).isEqualTo(3);
        }
    }

    @Test
    void processKilledBySignalReports128PlusSignal() throws Exception {
        try (SpawnedPty p = SpawnedPty.spawn("sleep", "100")) {
            assertThat(p.pty.exitStatus()).isEmpty();
            assertThat(p.pty.waitFor(Duration.ofMillis(1))).isEmpty();
            p.pty.signal(Signal.TERM);
            assertThat(p.waitFor()).isEqualTo(128 + 15);
        }
    }

    @Test
    void programSeesTheSpawnedSizeAndTheNewSizeAfterResize() throws Exception {
        PtySpec spec = PtySpec.builder("sh", "-c", "stty size; read line; stty size").size(100, 30).build();
        try (SpawnedPty p = SpawnedPty.spawn(spec)) {
            PtyOutput out = p.output();
            out.await("30 100\r\n");
            p.pty.resize(132, 43);
            p.type("\n");
            out.await("43 132\r\n");
            assertThat(p.waitFor()).isZero();
        }
    }

    @Test
    void resizeSendsSigwinchToTheForegroundProgram() throws Exception {
        // A trapped signal interrupts the `wait` builtin, and the trap runs at once.
        PtySpec spec = PtySpec.builder("bash", "--norc", "--noprofile", "-c",
                        "trap 'echo winch $(stty size)' WINCH; sleep 1000 & echo ready; while :; do wait $!; done")
                .build();
        try (SpawnedPty p = SpawnedPty.spawn(spec)) {
            PtyOutput out = p.output();
            out.await("ready\r\n");
            p.pty.resize(90, 33);
            // One resize only: a second WINCH arriving while bash still runs the first trap may be merged.
            out.await("winch 33 90\r\n");
        }
    }

    @Test
    void inputWrittenToCatIsEchoedAndReturned() throws Exception {
        try (SpawnedPty p = SpawnedPty.spawn("cat")) {
            PtyOutput out = p.output();
            p.type("ping\n");
            // Once echoed by the terminal, once written back by cat.
            out.await("ping\r\nping\r\n");
            p.type("pong\n");
            out.await("pong\r\npong\r\n");
            p.type("\u0004"); // ^D: end of input
            out.awaitEnd();
            assertThat(p.waitFor()).isZero();
        }
    }

    @Test
    void largeOutputArrivesCompletely() throws Exception {
        long size = 20_000_000;
        try (SpawnedPty p = SpawnedPty.spawn("head", "-c", Long.toString(size), "/dev/zero")) {
            byte[] buffer = new byte[Pty.BUFFER_SIZE];
            long total = 0;
            long start = System.nanoTime();
            int count;
            while ((count = p.pty.read(buffer, 0, buffer.length)) != -1) {
                total += count;
            }
            long nanos = System.nanoTime() - start;
            assertThat(total).isEqualTo(size);
            assertThat(p.waitFor()).isZero();
            System.out.printf("pty: %d bytes in %.1f ms (%.0f MB/s)%n", total, nanos / 1e6, total / (nanos / 1e9) / 1e6);
        }
    }

    @Test
    void oneReadTakesAllTheOutputAlreadyThereNotJustTheTerminalsFourKiB() throws Exception {
        try (SpawnedPty p = SpawnedPty.spawn("sh", "-c", "head -c 8000 /dev/zero | tr '\\0' x")) {
            assertThat(p.waitFor()).as("the program wrote everything and ended").isZero();
            byte[] buffer = new byte[64 * 1024];
            assertThat(p.pty.read(buffer, 0, buffer.length)).isEqualTo(8_000);
            assertThat(new String(buffer, 0, 8_000, UTF_8)).isEqualTo("x".repeat(8_000));
            assertThat(p.pty.read(buffer, 0, buffer.length)).isEqualTo(-1);
        }
    }

    @Test
    void tryWriteTakesWhatTheInputQueueHoldsAndNeverWaits() throws Exception {
        try (SpawnedPty p = SpawnedPty.spawn("sleep", "100")) {
            byte[] lines = "line\n".repeat(200_000).getBytes(UTF_8);
            int taken = p.pty.tryWrite(lines, 0, lines.length);
            assertThat(taken).as("a program that reads nothing: the queue fills").isPositive().isLessThan(lines.length);
            for (int i = 0; i < 10; i++) {
                // The terminal moves bytes to the program's side in the background: a little more may fit.
                taken += p.pty.tryWrite(lines, 0, lines.length);
            }
            assertThat(taken).as("a full queue takes no more than the terminal buffers").isLessThan(64 * 1024);
        }
    }

    @Test
    void onePlatformThreadReapsTheProgramsOfEveryPty() throws Exception {
        List<SpawnedPty> ptys = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                ptys.add(SpawnedPty.spawn("sh", "-c", "exit " + i));
            }
            for (int i = 0; i < 20; i++) {
                assertThat(ptys.get(i).pty.onExit().get(PtyOutput.TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(i);
            }
            assertThat(Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                    .filter(name -> name.startsWith("cmdop-pty-reaper"))).hasSize(1);
        } finally {
            for (SpawnedPty p : ptys) {
                p.close();
            }
        }
    }

    @Test
    void slaveIsTheControllingTerminalOfTheProgram() throws Exception {
        try (SpawnedPty p = SpawnedPty.spawn("sh", "-c", "tty; ps -o tty=,sid=,pgid= -p $$")) {
            String[] lines = p.output().awaitEnd().split("\r\n");
            assertThat(p.pty.ttyName()).matches("/dev/pts/\\d+");
            assertThat(lines[0]).isEqualTo(p.pty.ttyName());
            // ps shows the controlling terminal; the program leads its own session and process group.
            assertThat(lines[1].trim().split("\\s+"))
                    .containsExactly(p.pty.ttyName().substring("/dev/".length()), Long.toString(p.pty.pid()),
                            Long.toString(p.pty.pid()));
            assertThat(p.waitFor()).isZero();
        }
    }

    @Test
    void interruptReachesTheForegroundJobOfAnInteractiveShellNotTheShell() throws Exception {
        assertThat(interruptedJob(p -> p.pty.signal(Signal.INT))).doesNotContain("no job control");
    }

    /** As ^C in a terminal: a line typed while the job ran, not read by anyone yet, goes with it. */
    @Test
    void anInterruptDiscardsWhatWasTypedAheadAsControlCDoes() throws Exception {
        String shown = interruptedJob(p -> {
            p.type("echo typed-ahead-$((6*7))\n");
            p.pty.signal(Signal.INT);
        });
        assertThat(shown).doesNotContain("typed-ahead-42");
    }

    @Test
    void controlCTypedIntoTheTerminalInterruptsTheForegroundJob() throws Exception {
        interruptedJob(p -> p.type("\u0003")); // the line discipline turns ^C into SIGINT for the foreground group
    }

    /**
     * An interactive bash whose foreground job, a sleep, {@code interrupt} stops; returns what the
     * terminal showed once the shell, still there, reported the job's status 130 and exited.
     */
    private static String interruptedJob(Interrupt interrupt) throws Exception {
        try (SpawnedPty p = SpawnedPty.spawn(interactiveBash())) {
            PtyOutput out = p.output();
            out.await("cmdop$ ");
            // The arithmetic makes the line printed differ from the line typed (which the terminal echoes).
            p.type("sh -c 'echo sleeping-$((6*7)); exec sleep 100'\n");
            out.await("sleeping-42");
            interrupt.apply(p);
            out.await("cmdop$ ");
            // Read in order: a line typed ahead of the interrupt that survived would run before this one.
            p.type("echo status=$? alive-$((40+2))\n");
            out.await("status=130 alive-42");
            p.type("exit 0\n");
            assertThat(p.waitFor()).isZero();
            return out.text();
        }
    }

    private interface Interrupt {
        void apply(SpawnedPty p) throws Exception;
    }

    @Test
    void controlCInterruptsAPlainProgram() throws Exception {
        // Only a controlling terminal's line discipline has a foreground group to send SIGINT to.
        try (SpawnedPty p = SpawnedPty.spawn("sleep", "100")) {
            p.type("\u0003");
            assertThat(p.waitFor()).isEqualTo(128 + 2);
        }
    }

    @Test
    void programInheritsNoDescriptorOfTheJvm(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("held-open"), "x");
        try (RandomAccessFile held = new RandomAccessFile(file.toFile(), "r");
                SpawnedPty p = SpawnedPty.spawn("ls", "-1", "/proc/self/fd")) {
            assertThat(held.length()).isEqualTo(1);
            String[] fds = p.output().awaitEnd().trim().split("\\s+");
            // 3 is the directory ls itself reads.
            assertThat(fds).containsExactlyInAnyOrder("0", "1", "2", "3");
        }
        // Once it printed "ready", the shell has started (the dynamic loader briefly holds fd 3 before).
        try (SpawnedPty p = SpawnedPty.spawn("sh", "-c", "echo ready; read line")) {
            p.output().await("ready");
            Path fdDir = Path.of("/proc", Long.toString(p.pty.pid()), "fd");
            List<String> targets = new ArrayList<>();
            try (Stream<Path> fds = Files.list(fdDir)) {
                for (Path fd : fds.sorted().toList()) {
                    targets.add(fd.getFileName() + "->" + Files.readSymbolicLink(fd));
                }
            }
            String tty = p.pty.ttyName();
            assertThat(targets).containsExactly("0->" + tty, "1->" + tty, "2->" + tty);
        }
    }

    @Test
    void programStartsWithNoBlockedOrIgnoredSignals() throws Exception {
        // The JVM blocks SIGQUIT in its threads; a child inheriting that mask could not be quit.
        try (SpawnedPty p = SpawnedPty.spawn("sleep", "100")) {
            List<String> status = Files.readAllLines(Path.of("/proc", Long.toString(p.pty.pid()), "status"));
            assertThat(signalSet(status, "SigBlk")).as("blocked signals").isZero();
            // glibc's posix_spawn leaves its two internal real-time signals (32, 33) ignored.
            assertThat(signalSet(status, "SigIgn") & STANDARD_SIGNALS).as("ignored standard signals").isZero();
            p.pty.signal(Signal.QUIT);
            assertThat(p.waitFor()).isEqualTo(128 + 3);
        }
    }

    @Test
    void environmentIsExactlyTheSpecsOne() throws Exception {
        PtySpec spec = PtySpec.builder("/usr/bin/env").clearEnvironment().env("A", "1").env("B", "two words").build();
        try (SpawnedPty p = SpawnedPty.spawn(spec)) {
            assertThat(p.output().awaitEnd()).isEqualTo("A=1\r\nB=two words\r\n");
            assertThat(p.waitFor()).isZero();
        }
    }

    @Test
    void environmentAndWorkingDirectoryAreApplied(@TempDir Path dir) throws Exception {
        Path work = Files.createDirectory(dir.resolve("work dir"));
        PtySpec spec = PtySpec.builder("sh", "-c", "echo \"[$CMDOP_PTY_TEST]\"; pwd -P")
                .env("CMDOP_PTY_TEST", "value 42")
                .workingDirectory(work)
                .build();
        try (SpawnedPty p = SpawnedPty.spawn(spec)) {
            assertThat(p.output().awaitEnd()).isEqualTo("[value 42]\r\n" + work.toRealPath() + "\r\n");
            assertThat(p.waitFor()).isZero();
        }
    }

    @Test
    void commandIsFoundInTheSpecsPath(@TempDir Path dir) throws Exception {
        Path script = Files.writeString(dir.resolve("cmdop-hello"), "#!/bin/sh\necho found \"$@\"\n");
        assertThat(script.toFile().setExecutable(true)).isTrue();
        PtySpec spec = PtySpec.builder("cmdop-hello", "it").env("PATH", dir + ":/usr/bin:/bin").build();
        try (SpawnedPty p = SpawnedPty.spawn(spec)) {
            assertThat(p.output().awaitEnd()).isEqualTo("found it\r\n");
        }
    }

    @Test
    void missingCommandGivesAnExceptionNamingIt(@TempDir Path dir) {
        assertThatThrownBy(() -> Pty.spawn(PtySpec.builder("cmdop-no-such-command", "x").build()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cmdop-no-such-command")
                .hasMessageContaining("not found");
        assertThatThrownBy(() -> Pty.spawn(PtySpec.builder("/nonexistent/cmdop-missing").build()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("/nonexistent/cmdop-missing")
                .hasMessageContaining("No such file or directory");
        assertThatThrownBy(() -> Pty.spawn(PtySpec.builder("sh").workingDirectory(dir.resolve("missing")).build()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("missing")
                .hasMessageContaining("working directory");
    }

    @Test
    void nonExecutableFileGivesAnExceptionFromPosixSpawn(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("not-executable"), "echo no\n");
        assertThatThrownBy(() -> Pty.spawn(PtySpec.builder(file.toString()).build()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("not-executable")
                .hasMessageContaining("posix_spawn")
                .hasMessageContaining("Permission denied");
    }

    @Test
    void closeWakesABlockedReaderAndHangsUpTheTerminal() throws Exception {
        try (SpawnedPty p = SpawnedPty.spawn("sleep", "100")) {
            AtomicReference<Object> result = new AtomicReference<>();
            Thread reader = Thread.ofPlatform().start(() -> {
                try {
                    result.set(p.pty.read(new byte[16], 0, 16));
                } catch (Throwable t) {
                    result.set(t);
                }
            });
            Blocking.awaitBlockedIn(reader, "awaitReady", PtyOutput.TIMEOUT);
            p.pty.close();
            reader.join(PtyOutput.TIMEOUT);
            assertThat(reader.isAlive()).isFalse();
            assertThat(result.get()).isEqualTo(-1);

            assertThat(p.pty.read(new byte[16], 0, 16)).isEqualTo(-1);
            assertThatThrownBy(() -> p.pty.write(new byte[1], 0, 1)).isInstanceOf(IOException.class).hasMessageContaining("closed");
            assertThatThrownBy(() -> p.pty.resize(10, 10)).isInstanceOf(IOException.class).hasMessageContaining("closed");
            p.pty.close();
            // Closing the master hangs up the terminal: the kernel sends SIGHUP to the session leader.
            assertThat(p.waitFor()).isEqualTo(128 + 1);
        }
    }

    @Test
    void closeFailsAWriterBlockedOnAFullInputQueue() throws Exception {
        try (SpawnedPty p = SpawnedPty.spawn("sleep", "100")) {
            byte[] lines = "line\n".repeat(200_000).getBytes(UTF_8);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    p.pty.write(lines, 0, lines.length);
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            Blocking.awaitBlockedIn(writer, "awaitReady", PtyOutput.TIMEOUT);
            p.pty.close();
            writer.join(PtyOutput.TIMEOUT);
            assertThat(writer.isAlive()).isFalse();
            assertThat(failure.get()).isInstanceOf(IOException.class).hasMessageContaining("closed");
        }
    }

    @Test
    void readingOnAVirtualThreadIsRefused() throws Exception {
        try (SpawnedPty p = SpawnedPty.spawn("sleep", "100")) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread.ofVirtual().start(() -> {
                try {
                    p.pty.read(new byte[16], 0, 16);
                } catch (Throwable t) {
                    failure.set(t);
                }
            }).join(PtyOutput.TIMEOUT);
            assertThat(failure.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("platform thread");
        }
    }

    @Test
    void signallingAProgramThatHasEndedFails() throws Exception {
        try (SpawnedPty p = SpawnedPty.spawn("true")) {
            assertThat(p.waitFor()).isZero();
            assertThatThrownBy(() -> p.pty.signal(Signal.TERM)).isInstanceOf(IOException.class).hasMessageContaining("exited");
        }
    }

    @Test
    void hangUpEndsAShellAndItsForegroundJobWhileOutputStaysReadable() throws Exception {
        try (SpawnedPty p = SpawnedPty.spawn(interactiveBash())) {
            PtyOutput out = p.output();
            out.await("cmdop$ ");
            p.type("sh -c 'echo sleeping-$((6*7)); exec sleep 100'\n");
            out.await("sleeping-42");
            p.pty.hangUp();
            assertThat(p.waitFor()).isEqualTo(128 + 1);
            out.awaitEnd();
        }
    }

    @Test
    void killEndsAProgramThatIgnoresHangUp() throws Exception {
        try (SpawnedPty p = SpawnedPty.spawn("sh", "-c", "trap '' HUP TERM INT; echo ready; exec sleep 100")) {
            p.output().await("ready");
            p.pty.hangUp();
            p.pty.signal(Signal.TERM);
            assertThat(p.pty.waitFor(Duration.ofMillis(100))).isEmpty();
            p.pty.kill();
            assertThat(p.waitFor()).isEqualTo(128 + 9);
            p.pty.kill(); // nothing left: no effect, no failure
        }
    }

    @Test
    void specIsValidated() {
        assertThatThrownBy(() -> PtySpec.builder().build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PtySpec.builder("a\0b").build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PtySpec.builder("sh").env("A=B", "c").build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PtySpec.builder("sh").size(0, 24)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PtySpec.builder("sh").size(80, 65536)).isInstanceOf(IllegalArgumentException.class);
        PtySpec spec = PtySpec.builder("sh", "-c", "true").build();
        assertThat(spec.columns()).isEqualTo(80);
        assertThat(spec.rows()).isEqualTo(24);
        assertThat(spec.environment()).containsAllEntriesOf(System.getenv());
        assertThat(spec.workingDirectory()).isEqualTo(Path.of("").toAbsolutePath());
        assertThat(spec.toBuilder().size(10, 5).build()).isEqualTo(new PtySpec(spec.command(), spec.environment(),
                spec.workingDirectory(), 10, 5));
        assertThatThrownBy(() -> spec.environment().put("X", "y")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void waitStatusIsDecodedAsAShellDoes() {
        assertThat(Pty.decode(0)).isZero();
        assertThat(Pty.decode(3 << 8)).isEqualTo(3);
        assertThat(Pty.decode(15)).isEqualTo(143);
        assertThat(Pty.decode(9 | 0x80)).as("core dumped").isEqualTo(137);
    }

    /** Signals 1 to 31, as bits of a /proc signal set (bit n-1 for signal n). */
    private static final long STANDARD_SIGNALS = 0x7fff_ffffL;

    private static long signalSet(List<String> procStatus, String name) {
        String line = procStatus.stream().filter(l -> l.startsWith(name + ":")).findFirst().orElseThrow();
        return Long.parseUnsignedLong(line.substring(name.length() + 1).strip(), 16);
    }
}

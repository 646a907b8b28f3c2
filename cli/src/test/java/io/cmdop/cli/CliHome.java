package io.cmdop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A fresh {@code $CMDOP_HOME} and the real {@code cmdop} command (the shaded jar, in its own JVM) run
 * against it, as a user runs it: {@link #run} for one-shot commands, {@link #spawn} for long-running
 * ones, {@link RealTerminal} for interactive ones. Everything it starts gets an empty {@code $HOME} of
 * its own, so the shells in its sessions never run this machine's dotfiles (a slow or locking
 * {@code ~/.bashrc} would otherwise decide whether a test passes). It owns the daemon it starts: {@link #close} stops
 * it with {@code agent stop} and, should that fail, kills it by the pid it reported — never anything
 * else.
 */
final class CliHome implements AutoCloseable {
    /** How long any wait for a condition lasts before the test fails. */
    static final Duration WAIT = Duration.ofSeconds(20);
    /** How long one CLI command may take (`agent start` itself waits up to 30 s). */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(40);

    static final ObjectMapper JSON = new ObjectMapper();

    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final List<String> JVM_FLAGS = List.of("--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
    /** A private copy: others may rebuild cli/target/cmdop.jar while our daemons run from it. */
    private static final Path JAR = privateCopyOfJar();

    private final Path root;
    private final Path home;
    private final Path userHome;
    private final Path launcher;
    private final AtomicInteger runs = new AtomicInteger();
    private final List<Live> spawned = new CopyOnWriteArrayList<>();
    private final Set<Long> daemonPids = ConcurrentHashMap.newKeySet();

    private CliHome(Path root) throws IOException {
        this.root = root;
        this.home = Files.createDirectory(root.resolve("home"));
        this.userHome = Files.createDirectory(root.resolve("user"));
        Path bin = Files.createDirectory(root.resolve("bin"));
        this.launcher = bin.resolve("cmdop");
        // What a user has on their PATH: `cmdop ARGS` runs the real jar.
        Files.writeString(launcher, "#!/bin/sh\nexec " + shellQuote(JAVA) + " "
                + String.join(" ", JVM_FLAGS) + " -jar " + shellQuote(JAR.toString()) + " \"$@\"\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwx------"));
    }

    /** A new, empty home in a temp directory; nothing runs yet. */
    static CliHome create() {
        try {
            Path root = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "cmdop-it-");
            return new CliHome(root.toRealPath());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code $CMDOP_HOME}. */
    Path dir() {
        return home;
    }

    /** {@code $HOME} of every process this starts: an empty directory. */
    Path userHome() {
        return userHome;
    }

    Path socket() {
        return home.resolve("agent.sock");
    }

    /** A script that runs this jar (for a shell in a {@link RealTerminal}); its directory goes on PATH. */
    Path launcher() {
        return launcher;
    }

    void writeConfig(String yaml) {
        try {
            Files.writeString(home.resolve("config.yaml"), yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- one-shot commands -------------------------------------------------------------------

    /** Runs {@code cmdop ARGS} with stdin from /dev/null (no terminal) and waits for it to exit. */
    Result run(String... args) {
        return runWithJvmOptions(List.of(), args);
    }

    /** The same with these options for its JVM besides the launcher's. */
    Result runWithJvmOptions(List<String> jvmOptions, String... args) {
        int n = runs.incrementAndGet();
        Path out = root.resolve("run-" + n + ".out");
        Path err = root.resolve("run-" + n + ".err");
        List<String> command = command(jvmOptions, args);
        try {
            Process p = processBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            boolean exited = p.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (!exited) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            Result r = new Result(List.of(args), exited ? p.exitValue() : -1, Files.readString(out), Files.readString(err));
            if (!exited) {
                throw new AssertionError("`cmdop " + String.join(" ", args) + "` did not finish within "
                        + COMMAND_TIMEOUT.toSeconds() + " s\n" + r);
            }
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } finally {
            try {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            } catch (IOException ignored) {
                // the whole root goes at close
            }
        }
    }

    /** Runs {@code cmdop ARGS} and fails the test unless it exits 0. */
    Result ok(String... args) {
        Result r = run(args);
        if (r.exitCode() != 0) {
            throw new AssertionError("expected exit code 0\n" + r);
        }
        return r;
    }

    /** Runs {@code cmdop ARGS} (which should print JSON), fails unless it exits 0, and parses stdout. */
    JsonNode json(String... args) {
        Result r = ok(args);
        try {
            return JSON.readTree(r.stdout());
        } catch (IOException e) {
            throw new AssertionError("not JSON\n" + r, e);
        }
    }

    /** The session named {@code name} in {@code session list --json}, if listed. */
    Optional<JsonNode> listed(String name) {
        for (JsonNode s : json("session", "list", "--json")) {
            if (s.path("name").asText().equals(name)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** Polls {@code session screen SESSION} until it contains {@code text}; returns that screen. */
    String awaitScreen(String session, String text) {
        java.util.concurrent.atomic.AtomicReference<String> last = new java.util.concurrent.atomic.AtomicReference<>("");
        return Await.until("screen of " + session + " showing '" + text + "'", () -> {
            String screen = ok("session", "screen", session).stdout();
            last.set(screen);
            return screen.contains(text) ? screen : null;
        }, last::get);
    }

    // ---- the daemon --------------------------------------------------------------------------

    /** {@code agent start}, which must succeed; returns the pid `agent status --json` reports (remembered for cleanup). */
    long startAgent() {
        ok("agent", "start");
        return agentPid();
    }

    /** The running daemon's pid from {@code agent status --json}; remembered so {@link #close} can make sure it is gone. */
    long agentPid() {
        JsonNode status = json("agent", "status", "--json");
        if (!status.path("running").asBoolean()) {
            throw new AssertionError("daemon not running: " + status);
        }
        long pid = status.path("pid").asLong();
        adoptDaemon(pid);
        return pid;
    }

    /** Remember a daemon pid (e.g. seen in `agent start` output) so {@link #close} makes sure it is gone. */
    void adoptDaemon(long pid) {
        daemonPids.add(pid);
    }

    /** True while a daemon of this home runs as {@code pid}. */
    boolean isDaemonAlive(long pid) {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(this::isOurDaemon).isPresent();
    }

    /** kill -9 of a daemon we started, by its pid; waits until it is gone. */
    void killDaemon(long pid) {
        end(pid, true);
    }

    /** SIGTERM to a daemon we started, as systemd or kill(1) stops it; waits until it is gone. */
    void terminateDaemon(long pid) {
        end(pid, false);
    }

    private void end(long pid, boolean forcibly) {
        ProcessHandle p = ProcessHandle.of(pid).filter(this::isOurDaemon)
                .orElseThrow(() -> new AssertionError("pid " + pid + " is not a daemon of this test run"));
        if (forcibly) {
            p.destroyForcibly();
        } else {
            p.destroy();
        }
        Await.until("daemon pid " + pid + " to die", () -> p.isAlive() ? null : true);
    }

    /**
     * Only an `agent run` of our private copy of the jar, or of a copy inside this test's directory
     * (the daemon may run from a copy in its home), is ours to kill.
     */
    private boolean isOurDaemon(ProcessHandle p) {
        String line = p.info().commandLine().orElse("");
        return line.contains("agent run") && (line.contains(JAR.toString()) || line.contains(root + "/"));
    }

    // ---- long-running commands ---------------------------------------------------------------

    /** Starts {@code cmdop ARGS} in the background (stdin /dev/null); its stdout is read line by line. */
    Live spawn(String... args) {
        try {
            Process p = processBuilder(command(args))
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectError(root.resolve("spawn-" + runs.incrementAndGet() + ".err").toFile())
                    .start();
            Live live = new Live(String.join(" ", args), p);
            spawned.add(live);
            return live;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether {@code line} is a JSON object (as `session watch` prints) whose {@code field} is {@code value}. */
    static boolean has(String line, String field, String value) {
        return line.startsWith("{") && parse(line).path(field).asText().equals(value);
    }

    static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException("not a JSON line: " + line, e);
        }
    }

    /** A background CLI process and the lines it has printed so far. */
    static final class Live {
        private final String name;
        private final Process process;
        private final List<String> lines = new ArrayList<>();

        private Live(String name, Process process) {
            this.name = name;
            this.process = process;
            Thread.ofPlatform().daemon().name("cmdop-it-" + name).start(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        synchronized (this) {
                            lines.add(line);
                            notifyAll();
                        }
                    }
                } catch (IOException ignored) {
                    // killed
                }
            });
        }

        synchronized List<String> lines() {
            return List.copyOf(lines);
        }

        /** Waits for a line (from index {@code from} on) matching {@code test}; returns its index. */
        synchronized int awaitLine(String what, int from, Predicate<String> test) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            int i = from;
            while (true) {
                for (; i < lines.size(); i++) {
                    if (test.test(lines.get(i))) {
                        return i;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("`cmdop " + name + "` printed no line with " + what + " within "
                            + WAIT.toSeconds() + " s; it printed:\n" + String.join("\n", lines));
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            }
        }

        long pid() {
            return process.pid();
        }

        boolean isAlive() {
            return process.isAlive();
        }

        /** kill -9, and wait until it is gone. */
        void kill() {
            process.destroyForcibly();
            try {
                process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---- cleanup -----------------------------------------------------------------------------

    /** Kills what we spawned, stops the daemon (by `agent stop`, else by its pid), deletes the home. */
    @Override
    public void close() {
        spawned.forEach(Live::kill);
        try {
            if (Files.exists(socket())) {
                Result stop = run("agent", "stop");
                if (stop.exitCode() != 0) {
                    System.err.println("cmdop-it: `agent stop` failed in cleanup\n" + stop);
                }
            }
        } catch (RuntimeException | AssertionError e) {
            System.err.println("cmdop-it: `agent stop` failed in cleanup: " + e);
        }
        for (long pid : daemonPids) {
            ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(this::isOurDaemon).ifPresent(p -> {
                System.err.println("cmdop-it: daemon pid " + pid + " survived `agent stop`; killing it");
                p.destroyForcibly();
                p.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(t -> null).join();
            });
        }
        deleteTree(root);
    }

    // ---- plumbing ----------------------------------------------------------------------------

    private List<String> command(String... args) {
        return command(List.of(), args);
    }

    private List<String> command(List<String> jvmOptions, String... args) {
        List<String> command = new ArrayList<>();
        command.add(JAVA);
        command.addAll(JVM_FLAGS);
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(JAR.toString());
        command.addAll(List.of(args));
        return command;
    }

    private ProcessBuilder processBuilder(List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile());
        Map<String, String> env = pb.environment();
        env.put("CMDOP_HOME", home.toString());
        env.put("HOME", userHome.toString());
        return pb;
    }

    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static Path privateCopyOfJar() {
        String built = System.getProperty("cmdop.jar");
        if (built == null || !Files.isRegularFile(Path.of(built))) {
            throw new IllegalStateException("system property cmdop.jar must name the built jar (run via failsafe)");
        }
        try {
            Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "cmdop-it-jar-");
            Path copy = dir.resolve("cmdop-" + UUID.randomUUID() + ".jar");
            Files.copy(Path.of(built), copy, StandardCopyOption.REPLACE_EXISTING);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            return copy.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // best effort
        }
    }

    /** What a finished command did. */
    record Result(List<String> args, int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "$ cmdop " + String.join(" ", args) + "\nexit code: " + exitCode + "\n--- stdout ---\n" + stdout
                    + "\n--- stderr ---\n" + stderr;
        }
    }

    /** Waiting for a condition, with {@link #WAIT} as the limit; never a fixed sleep. */
    static final class Await {
        private static final long POLL_MILLIS = 50;

        private Await() {
        }

        /** Polls {@code probe} until it returns non-null; returns that value, or fails after {@link #WAIT}. */
        static <T> T until(String what, Supplier<T> probe) {
            return until(what, probe, () -> "");
        }

        /** As {@link #until(String, Supplier)}; on timeout the message ends with {@code lastSeen}. */
        static <T> T until(String what, Supplier<T> probe, Supplier<String> lastSeen) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                T value = probe.get();
                if (value != null) {
                    return value;
                }
                if (System.nanoTime() > deadline) {
                    String seen = lastSeen.get();
                    throw new AssertionError("timed out after " + WAIT.toSeconds() + " s waiting for " + what
                            + (seen.isEmpty() ? "" : "; last seen:\n" + seen));
                }
                try {
                    Thread.sleep(POLL_MILLIS); // the pause between two polls of the condition, not a synchronisation
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted waiting for " + what, e);
                }
            }
        }
    }
}

package io.cmdop.cli;

import io.cmdop.client.CmdopClient;
import io.cmdop.client.CmdopException;
import io.cmdop.client.CmdopHome;
import io.cmdop.client.DaemonUnavailableException;
import io.cmdop.daemon.Daemon;
import io.cmdop.daemon.DaemonAlreadyRunningException;
import io.cmdop.daemon.DaemonConfig;
import io.cmdop.protocol.v1.AgentStatus;
import io.cmdop.protocol.v1.ClientKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.logging.FileHandler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** {@code cmdop agent start|stop|status|run}: the daemon of this machine. */
@Command(name = "agent", description = "Start, stop and inspect this machine's daemon.")
final class AgentCommand {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    @Command(name = "start", description = "Start the daemon in the background; returns when it is ready.")
    static final class Start implements Callable<Integer> {
        @Option(names = "--relay", description = "Enroll into (once) and link to this relay: https://HOST:PORT.")
        String relay;
        @Option(names = "--join-key", description = "The join key that enrolls this machine (cmdop_enroll_...).")
        String joinKey;
        @Option(names = "--name", description = "This machine's name in the fleet (default: the host name).")
        String name;
        @Option(names = "--fingerprint", description = "The relay certificate's SHA256:... fingerprint.")
        String fingerprint;

        /** Used by `up`, which runs the relay in the daemon's process. */
        boolean withRelay;

        @Override
        public Integer call() throws Exception {
            CmdopHome home = CmdopHome.resolve();
            DaemonConfig.load(home.config());
            if (relay != null) {
                enroll(home, relay, joinKey, name, fingerprint);
            }
            AgentStatus running = statusOrNull(home);
            if (running != null) {
                System.out.println("cmdop daemon already running (pid " + running.getPid() + ", socket "
                        + running.getSocketPath() + ")");
                return 0;
            }
            Files.createDirectories(home.logs());
            Path log = home.logs().resolve("daemon.out");
            List<String> command = new ArrayList<>();
            if (new File("/usr/bin/setsid").canExecute()) {
                // Its own session: closing the terminal that started it must not hang it up.
                command.add("/usr/bin/setsid");
            }
            command.add(ProcessHandle.current().info().command().orElse("java"));
            command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                    "-XX:+UseSerialGC", "-Xss512k", "-cp", daemonClassPath(home),
                    Main.class.getName(), "agent", "run"));
            if (withRelay) {
                command.add("--with-relay");
            }
            Process process = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                AgentStatus status = statusOrNull(home);
                if (status != null) {
                    System.out.println("cmdop daemon started (pid " + status.getPid() + ", socket "
                            + status.getSocketPath() + ")" + (status.getRelay().isEmpty() ? "" : ", relay link "
                            + status.getRelay()));
                    return 0;
                }
                if (!process.isAlive()) {
                    throw new UserException("the daemon did not start (exit code " + process.exitValue()
                            + "): " + lastLines(log));
                }
                Thread.sleep(50);
            }
            throw new UserException("the daemon did not become ready within " + START_TIMEOUT.toSeconds()
                    + " s; see " + log);
        }
    }

    @Command(name = "run", description = "Run the daemon in the foreground (what `agent start` launches).")
    static final class Run implements Callable<Integer> {
        @Option(names = "--with-relay", description = "Also run this home's relay in the same process (what `up` does).")
        boolean withRelay;

        @Override
        public Integer call() throws Exception {
            CmdopHome home = CmdopHome.resolve();
            DaemonConfig config = DaemonConfig.load(home.config());
            Files.createDirectories(home.logs());
            configureLogging(home.logs().resolve("daemon.%g.log"));
            AutoCloseable relay = withRelay ? UpCommand.startRelay(home) : () -> { };
            Daemon daemon;
            try {
                daemon = Daemon.start(home.dir(), config);
            } catch (Exception e) {
                relay.close(); // the daemon did not start: its relay closes its store rather than die with the JVM
                throw e instanceof DaemonAlreadyRunningException ? new UserException(e.getMessage()) : e;
            }
            OrderlyStop stop = OrderlyStop.install(daemon::stop, relay);
            daemon.awaitStop(); // `agent stop`, or a signal
            stop.stop();
            return 0;
        }
    }

    @Command(name = "stop", description = "Stop the daemon; every session's process is hung up.")
    static final class Stop implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            CmdopHome home = CmdopHome.resolve();
            AgentStatus status = statusOrNull(home);
            if (status == null) {
                System.out.println("cmdop daemon is not running");
                return 0;
            }
            try (CmdopClient client = CmdopClient.local(home, ClientKind.CLIENT_KIND_CLI)) {
                client.stopAgent();
            }
            // The daemon's pid is ours to wait for: it was started for this home.
            ProcessHandle.of(status.getPid()).ifPresent(p -> p.onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join());
            System.out.println("cmdop daemon stopped (pid " + status.getPid() + ")");
            return 0;
        }
    }

    @Command(name = "status", description = "Is the daemon running? Its pid, uptime, sessions, memory and socket.")
    static final class Status implements Callable<Integer> {
        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            CmdopHome home = CmdopHome.resolve();
            AgentStatus s = statusOrNull(home);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("running", s != null);
            m.put("home", home.dir().toString());
            m.put("socket", home.socket().toString());
            if (s != null) {
                m.put("pid", s.getPid());
                m.put("version", s.getVersion());
                m.put("started_at", Json.time(s.getStartedAtMs()));
                m.put("uptime_ms", s.getUptimeMs());
                m.put("sessions", s.getSessions());
                m.put("rss_bytes", s.getRssBytes());
                m.put("sessions_memory_bytes", s.getSessionsMemoryBytes());
                m.put("machine", s.getMachine());
            }
            if (json) {
                System.out.println(Json.pretty(m));
            } else if (s == null) {
                System.out.println("cmdop daemon is not running (home " + home.dir() + "); start it with `cmdop agent start`");
            } else {
                System.out.println("cmdop daemon running: pid " + s.getPid() + ", up " + Duration.ofMillis(s.getUptimeMs()).toSeconds()
                        + " s, " + s.getSessions() + " running session(s), " + ProgressBar.bytes(s.getRssBytes())
                        + " resident (sessions hold " + ProgressBar.bytes(s.getSessionsMemoryBytes()) + "), socket "
                        + s.getSocketPath());
            }
            return s == null ? 3 : 0;
        }
    }

    /** Trades the join key for this machine's credential, unless it is enrolled into that relay already. */
    private static void enroll(CmdopHome home, String relay, String joinKey, String name, String fingerprint)
            throws Exception {
        io.cmdop.client.RelayEndpoint endpoint = io.cmdop.client.RelayEndpoint.parse(relay);
        var existing = io.cmdop.daemon.RelaySettings.load(home.dir());
        if (existing.isPresent() && existing.get().url().equals(endpoint.url()) && joinKey == null) {
            return;
        }
        if (joinKey == null) {
            throw new UserException("this machine is not enrolled into " + endpoint.url() + " yet: pass --join-key");
        }
        String pin = endpoint.tls() ? LoginCommand.Pinning.resolve(endpoint, fingerprint) : "";
        String machineName = name != null ? name : java.net.InetAddress.getLocalHost().getHostName();
        var settings = io.cmdop.daemon.Enrollment.enroll(home.dir(), endpoint.url(), joinKey, machineName, pin);
        System.out.println("enrolled as " + settings.machineName() + " into " + settings.url());
    }

    /**
     * The daemon runs from its own copy of the jar in its home: rebuilding or updating the jar the
     * CLI runs from must not pull classes from under a daemon that lives for weeks.
     */
    private static String daemonClassPath(CmdopHome home) throws IOException {
        String classPath = System.getProperty("java.class.path");
        Path jar = Path.of(classPath);
        if (classPath.contains(File.pathSeparator) || !classPath.endsWith(".jar") || !Files.isRegularFile(jar)) {
            return classPath;
        }
        Path runDir = Files.createDirectories(home.dir().resolve("run"));
        Path copy = runDir.resolve("cmdop.jar");
        Path tmp = Files.createTempFile(runDir, "cmdop", ".jar.tmp");
        Files.copy(jar, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return copy.toString();
    }

    /** The status, or null when no daemon answers on this home's socket. */
    static AgentStatus statusOrNull(CmdopHome home) {
        if (!Files.exists(home.socket())) {
            return null;
        }
        try (CmdopClient client = CmdopClient.local(home, ClientKind.CLIENT_KIND_CLI)) {
            return client.status();
        } catch (DaemonUnavailableException e) {
            return null;
        } catch (CmdopException e) {
            throw e;
        }
    }

    private static void configureLogging(Path file) throws IOException {
        Logger root = Logger.getLogger("");
        for (var h : root.getHandlers()) {
            root.removeHandler(h);
        }
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tL %4$s %3$s: %5$s%6$s%n");
        FileHandler handler = new FileHandler(file.toString(), 10 * 1024 * 1024, 3, true);
        handler.setFormatter(new SimpleFormatter());
        root.addHandler(handler);
        root.setLevel(Level.INFO);
    }

    private static String lastLines(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no log at " + log + ")";
        }
    }
}

package io.cmdop.relay.store;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.opentest4j.TestAbortedException;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server from Debian's package, private to one test class: its own data
 * directory and socket directory under a temporary folder, listening on an ephemeral loopback
 * port, password authentication (scram-sha-256). Started with {@code pg_ctl start -w} (which
 * returns once the server accepts connections) and stopped with {@code pg_ctl stop} on its own
 * data directory, so no other server on the machine is touched.
 *
 * <p>PostgreSQL refuses to run as root: when the tests run as root, every PostgreSQL command runs
 * as the {@code postgres} user through {@code runuser}, and the folder belongs to that user.
 *
 * <p>Where PostgreSQL is not installed the caller's tests are skipped with a message saying so,
 * except under CI ({@code CI} set), where {@code .ci/run} installs it and its absence is a failure.
 */
public final class PostgresServer implements AutoCloseable {
    public static final String USER = "cmdop";
    private static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");
    private static final long COMMAND_TIMEOUT_SECONDS = 120;

    private final Path bin;
    private final Path base;
    private final Path data;
    private final boolean asPostgresUser;
    private final String password;
    private final int port;
    private final AtomicInteger databases = new AtomicInteger();
    private boolean stopped;

    private PostgresServer(Path bin, Path base, boolean asPostgresUser, String password, int port) {
        this.bin = bin;
        this.base = base;
        this.data = base.resolve("data");
        this.asPostgresUser = asPostgresUser;
        this.password = password;
        this.port = port;
    }

    private static PostgresServer shared;
    private static String unavailable;

    /**
     * One server for every test of this JVM, started on first use and stopped when the JVM exits;
     * skips the calling test, with the reason, where there is none.
     */
    public static synchronized PostgresServer shared() throws IOException, InterruptedException {
        if (unavailable != null) {
            Assumptions.abort(unavailable);
        }
        if (shared == null) {
            try {
                shared = start();
            } catch (TestAbortedException e) {
                unavailable = e.getMessage();
                throw e;
            }
        }
        return shared;
    }

    /** Starts a server, or skips the calling tests when PostgreSQL is not installed here. */
    private static PostgresServer start() throws IOException, InterruptedException {
        Optional<Path> bin = findBinaries();
        if (bin.isEmpty()) {
            String message = "PostgreSQL is not installed (no " + DEBIAN_ROOT + "/*/bin/initdb; apt-get install postgresql):"
                    + " the store suite ran on the embedded database only";
            if (System.getenv("CI") != null) {
                Assertions.fail(message + ". Under CI, .ci/run installs it: that step failed.");
            }
            Assumptions.abort(message);
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        Path base = Files.createTempDirectory("cmdop-pg-");
        String password = HexFormat.of().formatHex(randomBytes());
        Path passwordFile = base.resolve("password");
        Files.writeString(passwordFile, password + "\n", StandardCharsets.UTF_8);
        Files.createDirectories(base.resolve("socket"));
        if (root) {
            UserPrincipalLookupService users = base.getFileSystem().getUserPrincipalLookupService();
            UserPrincipal postgres;
            try {
                postgres = users.lookupPrincipalByName("postgres");
            } catch (IOException e) {
                deleteTree(base);
                Assumptions.abort("running as root and there is no 'postgres' user to run PostgreSQL as");
                throw e;
            }
            for (Path p : List.of(base, passwordFile, base.resolve("socket"))) {
                Files.setOwner(p, postgres);
            }
        }
        PostgresServer server = null;
        try {
            Path binaries = bin.get();
            run(root, base, List.of(binaries.resolve("initdb").toString(), "-D", base.resolve("data").toString(),
                    "-U", USER, "--pwfile=" + passwordFile, "-A", "scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"));
            IOException lastFailure = null;
            for (int attempt = 0; attempt < 3; attempt++) {
                int port = freePort();
                PostgresServer candidate = new PostgresServer(binaries, base, root, password, port);
                try {
                    candidate.startServer();
                    server = candidate;
                    break;
                } catch (IOException e) {
                    lastFailure = e; // most likely the port was taken in between: try another
                }
            }
            if (server == null) {
                throw lastFailure;
            }
            return server;
        } finally {
            if (server == null) {
                deleteTree(base);
            }
        }
    }

    private void startServer() throws IOException, InterruptedException {
        String options = "-c listen_addresses=127.0.0.1 -p " + port + " -k " + base.resolve("socket")
                + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60";
        run(asPostgresUser, base, List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(),
                "-l", base.resolve("server.log").toString(), "-o", options, "-w", "-t", "60", "start"));
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(this::close));
    }

    /** A new, empty database on this server, for one test. */
    public String createDatabase() throws SQLException {
        String name = "relay_test_" + databases.incrementAndGet();
        try (Connection c = DriverManager.getConnection(url("postgres"), USER, password);
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return name;
    }

    /** The JDBC URL of {@code database}, without credentials. */
    public String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    int port() {
        return port;
    }

    public String password() {
        return password;
    }

    /** The server's process id, from its pid file. */
    long pid() throws IOException {
        return Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).getFirst().strip());
    }

    @Override
    public synchronized void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            long pid = Files.exists(data.resolve("postmaster.pid")) ? pid() : -1;
            try {
                run(asPostgresUser, base, List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(),
                        "-m", "fast", "-w", "-t", "60", "stop"));
            } catch (IOException e) {
                // pg_ctl could not stop it: end the one process we started, by its pid.
                if (pid > 0) {
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        } catch (IOException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        } finally {
            deleteTree(base);
        }
    }

    private static Optional<Path> findBinaries() throws IOException {
        if (!Files.isDirectory(DEBIAN_ROOT)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(DEBIAN_ROOT)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
                    .max(Comparator.comparingInt(PostgresServer::majorVersion));
        }
    }

    private static int majorVersion(Path bin) {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static void run(boolean asPostgresUser, Path base, List<String> command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asPostgresUser) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        Path output = Files.createTempFile("cmdop-pg-command-", ".log");
        try {
            Process process = new ProcessBuilder(full)
                    .directory(base.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish in " + COMMAND_TIMEOUT_SECONDS + " s");
            }
            if (process.exitValue() != 0) {
                String log = Files.readString(output);
                Path serverLog = base.resolve("server.log");
                if (Files.isReadable(serverLog)) {
                    log += "\n--- server.log ---\n" + Files.readString(serverLog);
                }
                throw new IOException(String.join(" ", command) + " failed with exit code " + process.exitValue() + ":\n" + log);
            }
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a temporary folder
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}

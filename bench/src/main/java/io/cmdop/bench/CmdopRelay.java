package io.cmdop.bench;

import io.cmdop.client.CmdopClient;
import io.cmdop.protocol.v1.ClientKind;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real relay, set up and started as users do ({@code cmdop relay init}, {@code cmdop relay start})
 * in a home of its own, on an ephemeral loopback port. Stopped by its pid.
 */
final class CmdopRelay implements AutoCloseable {
    /** The name the benchmark's daemon enrolls under. */
    static final String MACHINE = "bench";
    private static final Pattern LISTENING = Pattern.compile("relay listening on (https://127\\.0\\.0\\.1:\\d+)");

    private final long pid;
    private final Path log;
    private final String url;
    private final String ownerKey;
    private final String joinKey;
    private final String fingerprint;

    private CmdopRelay(long pid, Path log, String url, String ownerKey, String joinKey, String fingerprint) {
        this.pid = pid;
        this.log = log;
        this.url = url;
        this.ownerKey = ownerKey;
        this.joinKey = joinKey;
        this.fingerprint = fingerprint;
    }

    /**
     * @param javaOptions extra JVM options for the relay server (e.g. a profiler), passed through
     *     JAVA_TOOL_OPTIONS; empty for none
     */
    static CmdopRelay start(Path jar, Path home, String javaOptions) throws IOException, InterruptedException {
        Files.createDirectories(home);
        Path initOut = home.resolve("relay-init.out");
        Process init = cmdop(jar, home, List.of("relay", "init", "--json"), initOut, "").start();
        if (!init.waitFor(60, TimeUnit.SECONDS) || init.exitValue() != 0) {
            init.destroyForcibly();
            throw new IOException("cmdop relay init failed: " + Files.readString(initOut, StandardCharsets.UTF_8));
        }
        String json = Files.readString(initOut, StandardCharsets.UTF_8);
        Path log = home.resolve("relay.out");
        Process relay = cmdop(jar, home, List.of("relay", "start", "--listen", "127.0.0.1:0"), log, javaOptions).start();
        Processes.track(relay.pid());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            Matcher listening = LISTENING.matcher(Files.readString(log, StandardCharsets.UTF_8));
            if (listening.find()) {
                return new CmdopRelay(relay.pid(), log, listening.group(1), field(json, "owner_key"),
                        field(json, "join_key"), field(json, "fingerprint"));
            }
            if (!relay.isAlive() || System.nanoTime() > deadline) {
                Processes.stop(relay.pid(), 5000);
                throw new IOException("cmdop relay start failed: " + Files.readString(log, StandardCharsets.UTF_8));
            }
            Thread.sleep(20);
        }
    }

    /** What {@code cmdop agent start} needs to enroll into this relay. */
    List<String> enrollArguments() {
        return List.of("--relay", url, "--join-key", joinKey, "--fingerprint", fingerprint, "--name", MACHINE);
    }

    /** A client of the relay, with the owner's key, on a connection of its own. */
    CmdopClient client() {
        return CmdopClient.remote(url, ownerKey, fingerprint, ClientKind.CLIENT_KIND_SDK);
    }

    /** The benchmark daemon's sessions through this relay. */
    Reach reach() {
        return new Reach("relay", this::client, MACHINE);
    }

    /** Waits until the benchmark's daemon is linked. */
    void awaitMachine() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try (CmdopClient client = client()) {
            while (client.fleet().machines().stream().noneMatch(m -> m.getName().equals(MACHINE) && m.getOnline())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the daemon did not link to the relay within 60 s");
                }
                Thread.sleep(20);
            }
        }
    }

    long pid() {
        return pid;
    }

    /**
     * Fails if the relay has refused connections (its limits per source address): the SDK would
     * have retried them, and the figures through the relay would include the wait.
     */
    void assertNoneRefused() throws IOException {
        Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> l.contains("refusing connections"))
                .findFirst().ifPresent(l -> {
                    throw new IllegalStateException("the relay refused connections from the benchmark: " + l);
                });
    }

    @Override
    public void close() {
        Processes.stop(pid, 15_000);
    }

    /** As ./cmdop runs it: `relay start`, a server, with the C2 compiler; short commands without it. */
    private static ProcessBuilder cmdop(Path jar, Path home, List<String> args, Path output, String javaOptions) {
        List<String> command = new java.util.ArrayList<>(List.of(CmdopDaemon.javaBinary(),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-XX:+UseSerialGC"));
        if (!args.subList(0, 2).equals(List.of("relay", "start"))) {
            command.addAll(CmdopDaemon.SHORT_COMMAND_OPTIONS);
        }
        command.addAll(List.of("-jar", jar.toString()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().put("CMDOP_HOME", home.toString());
        if (!javaOptions.isBlank()) {
            pb.environment().put("JAVA_TOOL_OPTIONS", javaOptions);
        }
        return pb;
    }

    private static String field(String json, String name) throws IOException {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]+)\"").matcher(json);
        if (!m.find()) {
            throw new IOException("cmdop relay init printed no " + name + ": " + json);
        }
        return m.group(1);
    }
}

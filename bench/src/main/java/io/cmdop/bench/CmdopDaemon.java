package io.cmdop.bench;

import io.cmdop.client.CmdopClient;
import io.cmdop.client.CmdopHome;
import io.cmdop.protocol.v1.ClientKind;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real cmdop daemon in a home of its own, started as a user starts it ({@code cmdop agent start}
 * from the runnable jar), so it is a separate process whose resident memory can be read. Stopped
 * by its pid.
 */
final class CmdopDaemon implements AutoCloseable {
    /** The JVM options {@code ./cmdop} gives short commands, all but {@code relay start} and {@code agent run}. */
    static final List<String> SHORT_COMMAND_OPTIONS = List.of("-XX:TieredStopAtLevel=1", "-Xmn16m",
            "-Dio.netty.jfr.enabled=false", "-Dio.netty.allocator.type=pooled",
            "-Djdk.reflect.useNativeAccessorOnly=true");

    private final Path home;
    private final long pid;

    private CmdopDaemon(Path home, long pid) {
        this.home = home;
        this.pid = pid;
    }

    /**
     * @param javaOptions extra JVM options for the daemon (e.g. a flight recording), passed through
     *     JAVA_TOOL_OPTIONS; empty for none
     */
    static CmdopDaemon start(Path jar, Path home, String config, String javaOptions)
            throws IOException, InterruptedException {
        return start(jar, home, config, javaOptions, null);
    }

    /** As {@link #start(Path, Path, String, String)}, enrolled into {@code relay} unless it is null. */
    static CmdopDaemon start(Path jar, Path home, String config, String javaOptions, CmdopRelay relay)
            throws IOException, InterruptedException {
        Files.createDirectories(home);
        Files.writeString(home.resolve("config.yaml"), config);
        List<String> command = cli(jar, "agent", "start");
        if (relay != null) {
            command.addAll(relay.enrollArguments());
        }
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(home.resolve("agent-start.out").toFile());
        Map<String, String> env = pb.environment();
        env.put("CMDOP_HOME", home.toString());
        if (!javaOptions.isBlank()) {
            env.put("JAVA_TOOL_OPTIONS", javaOptions);
        }
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("cmdop agent start failed: "
                    + Files.readString(home.resolve("agent-start.out"), StandardCharsets.UTF_8));
        }
        long pid = Long.parseLong(Files.readString(home.resolve("daemon.lock"), StandardCharsets.UTF_8).trim());
        Processes.track(pid);
        return new CmdopDaemon(home, pid);
    }

    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * {@code cmdop ARGS} from {@code jar}, with the JVM options {@code ./cmdop} gives short commands
     * (C1 only, a small young generation).
     */
    static List<String> cli(Path jar, String... args) {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-XX:+UseSerialGC"));
        command.addAll(SHORT_COMMAND_OPTIONS);
        command.addAll(List.of("-jar", jar.toString()));
        command.addAll(List.of(args));
        return command;
    }

    /** The environment a CLI of this daemon runs with. */
    Map<String, String> cliEnvironment() {
        return Map.of("CMDOP_HOME", home.toString());
    }

    CmdopClient client() {
        return CmdopClient.local(new CmdopHome(home), ClientKind.CLIENT_KIND_SDK);
    }

    /** This daemon's sessions over its Unix socket. */
    Reach local() {
        return new Reach("local", this::client, "");
    }

    Path home() {
        return home;
    }

    long pid() {
        return pid;
    }

    long rss() {
        return ProcessMemory.rss(pid);
    }

    /** SIGTERM: the daemon hangs up its sessions and exits; SIGKILL if it has not after 15 s. */
    @Override
    public void close() {
        Processes.stop(pid, 15_000);
    }
}

package io.cmdop.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A tmux server of our own: its own socket in the run's directory, no configuration file, no
 * status line. Stopped by the pid it reports, never by name.
 */
final class Tmux implements AutoCloseable {
    private final Path socket;
    private final Path cwd;
    private long serverPid = -1;

    Tmux(Path socket, Path cwd) {
        this.socket = socket;
        this.cwd = cwd;
    }

    static String version() {
        try {
            Process p = new ProcessBuilder("tmux", "-V").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : "unavailable";
        } catch (IOException | InterruptedException e) {
            return "unavailable";
        }
    }

    /** A detached session running {@code command} on a pane of the given size. */
    void newSession(String name, List<String> command, int cols, int rows) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("new-session", "-d", "-s", name, "-x", Integer.toString(cols),
                "-y", Integer.toString(rows), "-c", cwd.toString()));
        args.add(shellLine(command));
        run(args);
        if (serverPid < 0) {
            run(List.of("set-option", "-g", "status", "off"));
            run(List.of("set-option", "-g", "history-limit", "1000"));
            serverPid = Long.parseLong(run(List.of("display-message", "-p", "#{pid}")).trim());
            Processes.track(serverPid);
        }
        run(List.of("set-option", "-t", name, "status", "off"));
    }

    /** What a user types to attach: the client command for a PTY. */
    List<String> attachCommand(String name) {
        return List.of("tmux", "-S", socket.toString(), "attach-session", "-t", name);
    }

    long serverPid() {
        return serverPid;
    }

    String run(List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("tmux", "-S", socket.toString(), "-f", "/dev/null"));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.remove("TMUX");
        env.put("TERM", "xterm-256color");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("tmux " + String.join(" ", args) + " failed: " + out.trim());
        }
        return out;
    }

    /** Kills the server (and every pane's program) by its pid. */
    @Override
    public void close() {
        if (serverPid > 0) {
            Processes.stop(serverPid, 5000);
            serverPid = -1;
        }
    }

    private static String shellLine(List<String> command) {
        StringBuilder sb = new StringBuilder("exec");
        for (String arg : command) {
            sb.append(' ').append('\'').append(arg.replace("'", "'\\''")).append('\'');
        }
        return sb.toString();
    }
}

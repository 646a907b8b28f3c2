package io.cmdop.bench;

import io.cmdop.session.pty.Pty;
import io.cmdop.session.pty.PtySpec;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A program on a PTY this process drives, as a terminal emulator would: the raw PTY baseline, a
 * tmux client, or the cmdop CLI. Output is either drained by a platform thread into a sink or read
 * directly by the caller.
 */
final class Terminal implements AutoCloseable {
    interface Sink {
        void accept(byte[] data, int length);
    }

    private final Pty pty;
    private Thread drain;

    private Terminal(Pty pty) {
        this.pty = pty;
    }

    static Terminal start(List<String> command, Map<String, String> extraEnv, Path cwd, int cols, int rows)
            throws IOException {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.remove("TMUX");
        env.remove("TMUX_PANE");
        env.put("TERM", "xterm-256color");
        env.put("LC_ALL", env.getOrDefault("LC_ALL", "C.UTF-8"));
        env.putAll(extraEnv);
        return new Terminal(Pty.spawn(PtySpec.builder(command).environment(env).workingDirectory(cwd)
                .size(cols, rows).build()));
    }

    /** Reads everything the program writes on a platform thread (PTY reads block in native code). */
    Terminal drainTo(Sink sink) {
        String dump = System.getenv("CMDOP_BENCH_DUMP");
        drain = Thread.ofPlatform().daemon().name("bench-drain-" + pty.pid()).start(() -> {
            byte[] buffer = new byte[64 * 1024];
            try (java.io.OutputStream copy = dump == null ? java.io.OutputStream.nullOutputStream()
                    : java.nio.file.Files.newOutputStream(Path.of(dump, "terminal-" + pty.pid() + ".out"))) {
                int n;
                while ((n = pty.read(buffer, 0, buffer.length)) > 0) {
                    copy.write(buffer, 0, n);
                    sink.accept(buffer, n);
                }
            } catch (IOException e) {
                // closed
            }
        });
        return this;
    }

    int read(byte[] buffer) throws IOException {
        return pty.read(buffer, 0, buffer.length);
    }

    void write(byte[] data) throws IOException {
        pty.write(data, 0, data.length);
    }

    long pid() {
        return pty.pid();
    }

    boolean exitedWithin(Duration timeout) throws InterruptedException {
        return pty.waitFor(timeout).isPresent();
    }

    /** Hangs up the terminal and makes sure the program is gone. */
    @Override
    public void close() {
        try {
            pty.hangUp();
        } catch (IOException e) {
            // already gone
        }
        try {
            if (pty.waitFor(Duration.ofSeconds(2)).isEmpty()) {
                pty.kill();
                pty.waitFor(Duration.ofSeconds(2));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pty.close();
        if (drain != null) {
            try {
                drain.join(TimeUnit.SECONDS.toMillis(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

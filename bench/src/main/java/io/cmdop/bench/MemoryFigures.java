package io.cmdop.bench;

import io.cmdop.client.CmdopClient;
import io.cmdop.client.Terminal;
import io.cmdop.protocol.v1.CreateSessionRequest;
import io.cmdop.protocol.v1.SessionInfo;
import io.cmdop.protocol.v1.SessionState;
import io.cmdop.protocol.v1.Size;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Memory per idle session: the server's own resident memory (and, for cmdop, its Java heap after a
 * full collection) with N idle sessions, minus the same with none, divided by N. The sessions run
 * {@code cat}, whose memory is its own process's and is not counted: only the daemon's (or the tmux
 * server's) process is measured. Sessions left idle after printing {@value #STREAMED} bytes of log
 * lines are measured the same way: what a server keeps of that output
 * (cmdop's ring and scrollback, tmux's history) once nothing happens any more.
 */
final class MemoryFigures {
    /** Per session, in bytes. */
    record PerSession(int sessions, long rss, long heap) {}

    private static final List<String> IDLE = List.of("cat");
    static final int STREAMED = 1 << 20;
    private static final String STREAMED_MARK = "streamed-" + STREAMED;
    /** cmdop gives back what its model held of streaming output after a quiet second, looked at every second. */
    private static final int QUIET_SETTLE_MILLIS = 2000;
    /** Longer than the daemon's janitor takes to come round again (every second). */
    private static final int JANITOR_ROUND_MILLIS = 1200;

    private final Path dir;
    private final int settleMillis;
    /** The log that the streamed sessions print, and what the terminal makes of it (LF sent as CR LF). */
    private final Path log;
    private final long streamedOutput;

    MemoryFigures(Path dir, int settleMillis) throws IOException {
        this.dir = dir;
        this.settleMillis = settleMillis;
        byte[] lines = logLines();
        log = Files.write(dir.resolve("log-" + STREAMED + ".txt"), lines);
        long lineFeeds = 0;
        for (byte b : lines) {
            lineFeeds += b == '\n' ? 1 : 0;
        }
        streamedOutput = lines.length + lineFeeds + STREAMED_MARK.length() + 2;
    }

    /** {@value #STREAMED} bytes of lines as a service logs them: the same words, changing numbers. */
    private static byte[] logLines() {
        StringBuilder sb = new StringBuilder(STREAMED + 128);
        for (int i = 0; sb.length() < STREAMED; i++) {
            sb.append(String.format(Locale.ROOT, "2026-12-07T12:%02d:%02d.%03d INFO request %d GET /api/v1/items/%d"
                    + " 200 served in %d ms\n", i / 600 % 60, i / 10 % 60, i * 37 % 1000, i, i * 7919 % 100_000, i * 31 % 97));
        }
        sb.setLength(STREAMED - 1);
        return sb.append('\n').toString().getBytes(StandardCharsets.US_ASCII);
    }

    private List<String> streamedThenIdle() {
        return List.of("sh", "-c", "cat '" + log + "'; echo " + STREAMED_MARK + "; exec cat");
    }

    List<PerSession> cmdop(CmdopDaemon daemon, List<Integer> counts) throws Exception {
        return cmdop(daemon, counts, false);
    }

    /** cmdop's sessions, each left idle after printing {@value #STREAMED} bytes of log lines. */
    PerSession cmdopStreamed(CmdopDaemon daemon, int sessions) throws Exception {
        return cmdop(daemon, List.of(sessions), true).getFirst();
    }

    /** For the streamed sessions, the idle ones' figure ran first on the same daemon, which warmed it up. */
    private List<PerSession> cmdop(CmdopDaemon daemon, List<Integer> counts, boolean streamed) throws Exception {
        List<PerSession> out = new ArrayList<>();
        try (CmdopClient client = daemon.client()) {
            var terminal = client.terminal();
            if (!streamed) {
                // Warm up: the code paths of creating and ending a session, so they are in the baseline.
                for (int i = 0; i < 5; i++) {
                    terminal.create(request("warm-" + i, IDLE));
                }
                for (int i = 0; i < 5; i++) {
                    terminal.destroy("warm-" + i);
                }
                Thread.sleep(settleMillis);
            }
            awaitNoEndedSessions(terminal);
            long heap0 = ProcessMemory.heapAfterFullGc(daemon.pid());
            long rss0 = daemon.rss();
            int created = 0;
            for (int target : counts) {
                while (created < target) {
                    terminal.create(request("idle-" + created, streamed ? streamedThenIdle() : IDLE));
                    created++;
                }
                if (streamed) {
                    awaitStreamed(terminal, created);
                } else {
                    Thread.sleep(settleMillis);
                }
                long heap = ProcessMemory.heapAfterFullGc(daemon.pid());
                long rss = daemon.rss();
                out.add(new PerSession(target, (rss - rss0) / target, (heap - heap0) / target));
            }
            for (int i = 0; i < created; i++) {
                terminal.destroy("idle-" + i);
            }
        }
        return out;
    }

    /** Until the sessions ended before are forgotten (the daemon is told to at once), so none is in the baseline. */
    private static void awaitNoEndedSessions(Terminal terminal) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (terminal.list().stream().anyMatch(s -> s.getState() == SessionState.SESSION_STATE_EXITED)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the daemon still lists ended sessions after a minute");
            }
            Thread.sleep(20);
        }
    }

    /**
     * Until every session has printed all its output and cmdop has packed it: the sessions' memory
     * as the daemon lists it stops falling over a round of its janitor (a loaded machine can leave
     * some sessions unpacked after the first quiet seconds).
     */
    private void awaitStreamed(Terminal terminal, int sessions) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        for (int i = 0; i < sessions; i++) {
            while (terminal.getSession("idle-" + i).getOutputOffset() < streamedOutput) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("session idle-" + i + " did not print its output in 2 minutes");
                }
                Thread.sleep(20);
            }
        }
        Thread.sleep(QUIET_SETTLE_MILLIS);
        long listed = listedMemory(terminal);
        while (true) {
            Thread.sleep(JANITOR_ROUND_MILLIS);
            long now = listedMemory(terminal);
            if (now >= listed) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the sessions' memory still fell after 2 minutes");
            }
            listed = now;
        }
    }

    private static long listedMemory(Terminal terminal) {
        return terminal.list().stream().mapToLong(SessionInfo::getMemoryBytes).sum();
    }

    /** tmux: one session (one window, one pane) per idle program, all on one server. */
    List<PerSession> tmux(List<Integer> counts) throws Exception {
        return tmux(counts, false);
    }

    /** tmux's sessions, each left idle after printing {@value #STREAMED} bytes of log lines. */
    PerSession tmuxStreamed(int sessions) throws Exception {
        return tmux(List.of(sessions), true).getFirst();
    }

    private List<PerSession> tmux(List<Integer> counts, boolean streamed) throws Exception {
        List<PerSession> out = new ArrayList<>();
        try (Tmux tmux = new Tmux(dir.resolve("tmux-memory.sock"), dir)) {
            tmux.newSession("base", IDLE, 80, 24);
            Thread.sleep(settleMillis / 3);
            long rss0 = ProcessMemory.rss(tmux.serverPid());
            int created = 0;
            for (int target : counts) {
                while (created < target) {
                    tmux.newSession("idle-" + created, streamed ? streamedThenIdle() : IDLE, 80, 24);
                    created++;
                }
                if (streamed) {
                    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
                    for (int i = 0; i < created; i++) {
                        while (!tmux.run(List.of("capture-pane", "-p", "-t", "idle-" + i)).contains(STREAMED_MARK)) {
                            if (System.nanoTime() > deadline) {
                                throw new IllegalStateException("tmux session idle-" + i + " did not print its output");
                            }
                            Thread.sleep(20);
                        }
                    }
                }
                Thread.sleep(settleMillis);
                long rss = ProcessMemory.rss(tmux.serverPid());
                out.add(new PerSession(target, (rss - rss0) / target, -1));
            }
        }
        return out;
    }

    private static CreateSessionRequest request(String name, List<String> program) {
        return CreateSessionRequest.newBuilder().setName(name).addAllCommand(program)
                .setSize(Size.newBuilder().setCols(80).setRows(24)).build();
    }
}

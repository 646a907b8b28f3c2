package io.cmdop.bench;

import io.cmdop.client.CmdopClient;
import io.cmdop.client.Terminal;
import io.cmdop.protocol.v1.CreateSessionRequest;
import io.cmdop.protocol.v1.Size;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Memory per idle session: the server's own resident memory (and, for cmdop, its Java heap after a
 * full collection) with N idle sessions, minus the same with none, divided by N. The sessions run
 * {@code cat}, whose memory is its own process's and is not counted: only the daemon's (or the tmux
 * server's) process is measured. Sessions left idle after printing {@value #STREAMED} bytes of plain
 * output, as a build or a log does, are measured the same way: what a server keeps of that output
 * (cmdop's ring and scrollback, tmux's history) once nothing happens any more.
 */
final class MemoryFigures {
    /** Per session, in bytes. */
    record PerSession(int sessions, long rss, long heap) {}

    private static final List<String> IDLE = List.of("cat");
    static final int STREAMED = 1 << 20;
    private static final String LINE = "a line of plain output, as a build log prints it";
    private static final String STREAMED_MARK = "streamed-" + STREAMED;
    private static final List<String> STREAMED_THEN_IDLE = List.of("sh", "-c",
            "yes '" + LINE + "' | head -c " + STREAMED + "; echo " + STREAMED_MARK + "; exec cat");
    /** The program's whole output, each line feed sent as CR LF by the terminal. */
    private static final long STREAMED_OUTPUT = STREAMED + STREAMED / (LINE.length() + 1) + STREAMED_MARK.length() + 2;
    /** cmdop gives back what its model held of streaming output after a quiet second, looked at every second. */
    private static final int QUIET_SETTLE_MILLIS = 2000;

    private final Path dir;
    private final int settleMillis;

    MemoryFigures(Path dir, int settleMillis) {
        this.dir = dir;
        this.settleMillis = settleMillis;
    }

    List<PerSession> cmdop(CmdopDaemon daemon, List<Integer> counts) throws Exception {
        return cmdop(daemon, counts, false);
    }

    /** cmdop's sessions, each left idle after printing {@value #STREAMED} bytes of plain output. */
    PerSession cmdopStreamed(CmdopDaemon daemon, int sessions) throws Exception {
        return cmdop(daemon, List.of(sessions), true).getFirst();
    }

    private List<PerSession> cmdop(CmdopDaemon daemon, List<Integer> counts, boolean streamed) throws Exception {
        List<PerSession> out = new ArrayList<>();
        try (CmdopClient client = daemon.client()) {
            var terminal = client.terminal();
            // Warm up: the code paths of creating and ending a session, so they are in the baseline.
            for (int i = 0; i < 5; i++) {
                terminal.create(request("warm-" + i, IDLE));
            }
            for (int i = 0; i < 5; i++) {
                terminal.destroy("warm-" + i);
            }
            Thread.sleep(settleMillis);
            long heap0 = ProcessMemory.heapAfterFullGc(daemon.pid());
            long rss0 = daemon.rss();
            int created = 0;
            for (int target : counts) {
                while (created < target) {
                    terminal.create(request("idle-" + created, streamed ? STREAMED_THEN_IDLE : IDLE));
                    created++;
                }
                if (streamed) {
                    awaitStreamed(terminal, created);
                }
                Thread.sleep(settleMillis);
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

    /** Until every session has printed all its output, and cmdop had time to settle it. */
    private static void awaitStreamed(Terminal terminal, int sessions) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        for (int i = 0; i < sessions; i++) {
            while (terminal.getSession("idle-" + i).getOutputOffset() < STREAMED_OUTPUT) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("session idle-" + i + " did not print its output in 2 minutes");
                }
                Thread.sleep(20);
            }
        }
        Thread.sleep(QUIET_SETTLE_MILLIS);
    }

    /** tmux: one session (one window, one pane) per idle program, all on one server. */
    List<PerSession> tmux(List<Integer> counts) throws Exception {
        return tmux(counts, false);
    }

    /** tmux's sessions, each left idle after printing {@value #STREAMED} bytes of plain output. */
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
                    tmux.newSession("idle-" + created, streamed ? STREAMED_THEN_IDLE : IDLE, 80, 24);
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

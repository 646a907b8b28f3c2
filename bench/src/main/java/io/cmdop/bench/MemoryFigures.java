package io.cmdop.bench;

import io.cmdop.client.CmdopClient;
import io.cmdop.protocol.v1.CreateSessionRequest;
import io.cmdop.protocol.v1.Size;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Memory per idle session: the server's own resident memory (and, for cmdop, its Java heap after a
 * full collection) with N idle sessions, minus the same with none, divided by N. The sessions run
 * {@code cat}, whose memory is its own process's and is not counted: only the daemon's (or the tmux
 * server's) process is measured.
 */
final class MemoryFigures {
    /** Per session, in bytes. */
    record PerSession(int sessions, long rss, long heap) {}

    private static final List<String> IDLE = List.of("cat");

    private final Path dir;
    private final int settleMillis;

    MemoryFigures(Path dir, int settleMillis) {
        this.dir = dir;
        this.settleMillis = settleMillis;
    }

    List<PerSession> cmdop(CmdopDaemon daemon, List<Integer> counts) throws Exception {
        List<PerSession> out = new ArrayList<>();
        try (CmdopClient client = daemon.client()) {
            var terminal = client.terminal();
            // Warm up: the code paths of creating and ending a session, so they are in the baseline.
            for (int i = 0; i < 5; i++) {
                terminal.create(request("warm-" + i));
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
                    terminal.create(request("idle-" + created));
                    created++;
                }
                Thread.sleep(settleMillis);
                long heap = ProcessMemory.heapAfterFullGc(daemon.pid());
                long rss = daemon.rss();
                out.add(new PerSession(target, (rss - rss0) / target, (heap - heap0) / target));
            }
        }
        return out;
    }

    /** tmux: one session (one window, one pane) per idle program, all on one server. */
    List<PerSession> tmux(List<Integer> counts) throws Exception {
        List<PerSession> out = new ArrayList<>();
        try (Tmux tmux = new Tmux(dir.resolve("tmux-memory.sock"), dir)) {
            tmux.newSession("base", IDLE, 80, 24);
            Thread.sleep(settleMillis / 3);
            long rss0 = ProcessMemory.rss(tmux.serverPid());
            int created = 0;
            for (int target : counts) {
                while (created < target) {
                    tmux.newSession("idle-" + created, IDLE, 80, 24);
                    created++;
                }
                Thread.sleep(settleMillis);
                long rss = ProcessMemory.rss(tmux.serverPid());
                out.add(new PerSession(target, (rss - rss0) / target, -1));
            }
        }
        return out;
    }

    private static CreateSessionRequest request(String name) {
        return CreateSessionRequest.newBuilder().setName(name).addAllCommand(IDLE)
                .setSize(Size.newBuilder().setCols(80).setRows(24)).build();
    }
}

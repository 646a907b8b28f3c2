package io.cmdop.bench;

import io.cmdop.client.CmdopClient;
import io.cmdop.client.TerminalStream;
import io.cmdop.protocol.v1.Attached;
import io.cmdop.protocol.v1.CreateSessionRequest;
import io.cmdop.protocol.v1.Mode;
import io.cmdop.protocol.v1.Size;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Joining a session: an SDK attach to a session whose ring is full (the snapshot is complete when
 * the call returns), a resume with the continuity token, and the time from starting the CLI's
 * {@code session attach} (or {@code tmux attach}) in a terminal to its first screen.
 */
final class AttachFigures {
    /** Bytes typed into the session while a resuming client is away; the tty echoes them. */
    private static final int MISSED_INPUT = 4096;

    private final Path dir;

    AttachFigures(Path dir) {
        this.dir = dir;
    }

    /** Size of the last snapshot received: bytes of ANSI, and scrollback lines in it. */
    int snapshotBytes;
    int snapshotScrollback;
    int snapshotAnsiLines;

    /** Nanoseconds per attach: from the call to the snapshot in hand, on an open connection. */
    long[] attach(CmdopDaemon daemon, Path fullRing, String marker, int count) throws Exception {
        String name = "attach-full";
        try (CmdopClient client = daemon.client()) {
            var terminal = client.terminal();
            terminal.create(CreateSessionRequest.newBuilder().setName(name).addAllCommand(Workload.catThenIdle(fullRing))
                    .setSize(Size.newBuilder().setCols(80).setRows(24)).build());
            StreamFigures.awaitScreen(terminal, name, marker);
            long[] samples = new long[count];
            int warmup = Math.min(10, count);
            for (int i = 0; i < warmup + count; i++) {
                TerminalStream stream = terminal.stream(Mode.MODE_OBSERVER);
                long start = System.nanoTime();
                Attached attached = stream.attach(name, 80, 24);
                long end = System.nanoTime();
                if (attached.getSnapshot().getLinesList().stream().noneMatch(l -> l.contains(marker))) {
                    throw new IllegalStateException("the snapshot does not show the end of the output");
                }
                if (i >= warmup) {
                    samples[i - warmup] = end - start;
                }
                snapshotBytes = attached.getSnapshot().getAnsi().size();
                snapshotScrollback = attached.getSnapshot().getScrollbackCount();
                snapshotAnsiLines = 1;
                for (byte b : attached.getSnapshot().getAnsi().toByteArray()) {
                    if (b == '\n') {
                        snapshotAnsiLines++;
                    }
                }
                stream.detach();
            }
            if (terminal.getSession(name).getOutputOffset() < 2L << 20) {
                throw new IllegalStateException("the ring was not full");
            }
            terminal.destroy(name);
            return samples;
        }
    }

    /**
     * Nanoseconds per resume: the connection drops, 4 KiB are typed into the session by someone
     * else (echoed back by the terminal), then the client resumes on a new call with its token;
     * timed from the resume request until every byte it missed has arrived.
     */
    long[] resume(CmdopDaemon daemon, int count) throws Exception {
        String name = "resume";
        try (CmdopClient client = daemon.client()) {
            var terminal = client.terminal();
            terminal.create(CreateSessionRequest.newBuilder().setName(name)
                    .addAllCommand(List.of("/bin/sh", "-c", "printf 'ready\\n'; exec cat > /dev/null"))
                    .setSize(Size.newBuilder().setCols(80).setRows(24)).build());
            StreamFigures.awaitScreen(terminal, name, "ready");
            byte[] typed = new byte[MISSED_INPUT];
            Arrays.fill(typed, (byte) 'x');
            for (int i = 63; i < typed.length; i += 64) {
                typed[i] = '\r';
            }
            long[] samples = new long[count];
            int warmup = Math.min(10, count);
            try (ResumeProbe probe = new ResumeProbe(daemon.home().resolve("agent.sock"), name)) {
                probe.attach();
                for (int i = 0; i < warmup + count; i++) {
                    long before = terminal.getSession(name).getOutputOffset();
                    probe.drop();
                    terminal.sendInput(name, typed);
                    long target = awaitOffset(terminal, name, before + MISSED_INPUT);
                    long start = System.nanoTime();
                    probe.resume();
                    probe.awaitOffset(target, TimeUnit.SECONDS.toNanos(10));
                    long end = System.nanoTime();
                    if (i >= warmup) {
                        samples[i - warmup] = end - start;
                    }
                }
            }
            terminal.destroy(name);
            return samples;
        }
    }

    /** Waits until the session's output has reached {@code offset} and stopped growing; returns where it stopped. */
    private static long awaitOffset(io.cmdop.client.Terminal terminal, String name, long offset) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long last = -1;
        while (true) {
            long now = terminal.getSession(name).getOutputOffset();
            if (now >= offset && now == last) {
                return now;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the typed input was not echoed");
            }
            last = now;
            LockSupport.parkNanos(2_000_000);
        }
    }

    /**
     * Milliseconds from starting {@code command} in an 80×24 terminal until {@code marker} (which
     * is on the session's screen) has been drawn; then the client is closed.
     */
    double[] firstScreen(List<String> command, Map<String, String> env, String marker, int count, byte[] detach)
            throws Exception {
        double[] samples = new double[count];
        for (int i = 0; i < count; i++) {
            EndMarker seen = new EndMarker(marker);
            VisibleText text = new VisibleText(seen::feedByte);
            long start = System.nanoTime();
            try (Terminal t = Terminal.start(command, env, dir, 80, 24)) {
                t.drainTo((buffer, n) -> text.feed(buffer, 0, n));
                if (!seen.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException(command.getFirst() + " never showed its first screen");
                }
                samples[i] = (seen.seenAtNanos() - start) / 1e6;
                if (detach != null) {
                    t.write(detach);
                    t.exitedWithin(java.time.Duration.ofSeconds(10));
                }
            }
        }
        return samples;
    }
}

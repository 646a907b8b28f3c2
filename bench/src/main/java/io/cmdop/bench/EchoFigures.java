package io.cmdop.bench;

import io.cmdop.client.CmdopClient;
import io.cmdop.client.TerminalStream;
import io.cmdop.protocol.v1.CreateSessionRequest;
import io.cmdop.protocol.v1.Mode;
import io.cmdop.protocol.v1.Size;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Keystroke echo latency: one key is sent, the time until it comes back on the screen is taken,
 * then the next key follows after a pause of about a millisecond (typing, not a paste). The
 * program is the same everywhere ({@link Workload#echo}). Keys go first uncounted until the JIT
 * compilers of this JVM, the daemon and the relay have used under {@link #QUIET_COMPILER_NANOS} of
 * CPU over the last {@value #QUIET_KEYS} keys (read from {@code /proc}, as the stream warm-up does):
 * at least twice as many keys as are measured, and at most the mode's {@code keyWarmup}. A method
 * called once a key reaches C2's threshold (5,000 calls) only after thousands of keys, and a C2
 * compile of a large method (Jetty's HTTP/2 flusher, inlined) takes a core for tens of
 * milliseconds: on two cores the echoes beside it wait. The SDK's client runs in this JVM; a
 * daemon, a relay and a program that uses the SDK run for days: what is measured is that steady
 * state.
 */
final class EchoFigures {
    private static final int QUIET_KEYS = 500;
    /** Compiling a few small methods in {@value #QUIET_KEYS} keys still counts as quiet; a hot path's C2 compile does not. */
    private static final long QUIET_COMPILER_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    private static final long KEY_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Path dir;
    private final int keys;
    private final int minWarmup;
    private final int maxWarmup;
    private final List<String> warmups = new ArrayList<>();
    private final List<String> costs = new ArrayList<>();
    private final long[] jvms;
    private final long daemon;
    private final long relay;

    /** {@code relay} may be null. */
    EchoFigures(Path dir, int keys, int maxWarmup, CmdopDaemon daemon, CmdopRelay relay) {
        this.dir = dir;
        this.daemon = daemon.pid();
        this.relay = relay == null ? -1 : relay.pid();
        this.jvms = BenchMain.jvms(daemon, relay);
        this.keys = keys;
        this.maxWarmup = maxWarmup;
        this.minWarmup = Math.min(2 * keys, maxWarmup);
    }

    /** Keys written to the PTY's master, read back by this thread. */
    long[] rawPty() throws Exception {
        try (Terminal t = Terminal.start(Workload.echo(), Map.of(), dir, 80, 24)) {
            return overTerminal("raw PTY", t);
        }
    }

    /** Keys typed into a tmux client's terminal, read back from that terminal. */
    long[] tmux() throws Exception {
        try (Tmux tmux = new Tmux(dir.resolve("tmux-echo.sock"), dir)) {
            tmux.newSession("echo", Workload.echo(), 80, 24);
            try (Terminal client = Terminal.start(tmux.attachCommand("echo"), Map.of(), dir, 80, 24)) {
                return overTerminal("tmux", client);
            }
        }
    }

    /** Keys typed into the cmdop CLI's terminal ({@code session attach}), read back from that terminal. */
    long[] cmdopCli(CmdopDaemon daemon, Path jar) throws Exception {
        String name = "echo-cli";
        try (CmdopClient control = daemon.client()) {
            control.terminal().create(CreateSessionRequest.newBuilder().setName(name).addAllCommand(Workload.echo())
                    .setSize(Size.newBuilder().setCols(80).setRows(24)).build());
            StreamFigures.awaitScreen(control.terminal(), name, "READY");
            try (Terminal t = Terminal.start(CmdopDaemon.cli(jar, "session", "attach", name), daemon.cliEnvironment(),
                    dir, 80, 24)) {
                return overTerminal("CLI", t, new Costed("daemon", this.daemon), new Costed("the CLI", t.pid()));
            } finally {
                control.terminal().destroy(name);
            }
        }
    }

    /**
     * Keys sent with the SDK ({@code TerminalStream.sendInput}), taken back from {@code onOutput}:
     * on a virtual thread of its own (the default), or on the transport thread when {@code inline}.
     */
    long[] cmdopSdk(Reach reach, boolean inline) throws Exception {
        String name = "echo-sdk-" + reach.label() + (inline ? "-inline" : "");
        try (CmdopClient client = reach.client()) {
            io.cmdop.client.Terminal terminal = reach.terminal(client);
            terminal.create(CreateSessionRequest.newBuilder().setName(name).addAllCommand(Workload.echo())
                    .setSize(Size.newBuilder().setCols(80).setRows(24)).build());
            StreamFigures.awaitScreen(terminal, name, "READY");
            Thread measurer = Thread.currentThread();
            Echo echo = new Echo(measurer);
            VisibleText text = new VisibleText(echo::seen);
            try (TerminalStream stream = terminal.stream(Mode.MODE_OPERATOR)) {
                if (inline) {
                    stream.callbacksOnTransportThread();
                }
                stream.onOutput(bytes -> text.feed(bytes, 0, bytes.length));
                stream.attach(name, 0, 0);
                String label = "SDK " + reach.label() + (inline ? " on the transport thread" : "");
                Costed[] servers = reach.label().equals("relay")
                        ? new Costed[] {new Costed("daemon", daemon), new Costed("relay", relay)}
                        : new Costed[] {new Costed("daemon", daemon)};
                return measure(label, servers, key -> {
                    echo.expect(key[0]);
                    long start = System.nanoTime();
                    stream.sendInput(key);
                    return echo.awaitSeen(start + KEY_TIMEOUT_NANOS) - start;
                });
            } finally {
                terminal.destroy(name);
            }
        }
    }

    private long[] overTerminal(String label, Terminal t, Costed... processes) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        EndMarker ready = new EndMarker("READY");
        VisibleText readyText = new VisibleText(ready::feedByte);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!ready.isSeen()) {
            int n = t.read(buffer);
            if (n < 0 || System.nanoTime() > deadline) {
                throw new IllegalStateException("the echo program never became ready");
            }
            readyText.feed(buffer, 0, n);
        }
        int[] found = new int[1];
        return measure(label, processes, key -> {
            int want = key[0];
            found[0] = 0;
            VisibleText text = new VisibleText(b -> {
                if (b == want) {
                    found[0] = 1;
                }
            });
            long start = System.nanoTime();
            t.write(key);
            while (found[0] == 0) {
                int n = t.read(buffer);
                if (n < 0) {
                    throw new IllegalStateException("the terminal closed while waiting for an echo");
                }
                text.feed(buffer, 0, n);
            }
            return System.nanoTime() - start;
        });
    }

    /**
     * What each cmdop figure's measured keys cost the daemon (and the relay, and the CLI), per key:
     * its threads' context switches (each a wake-up, tens of µs on a virtual machine) and its CPU
     * time, which include the idle process's own background (tens of switches a second).
     */
    String costs() {
        return String.join("; ", costs);
    }

    /** How many unmeasured keys each figure took to warm up, in the order measured. */
    String warmups() {
        return String.join(", ", warmups);
    }

    /**
     * The warm-up, then {@code keys} measured echoes, a pause after each; what the measured keys cost
     * the {@code processes} (the daemon; the relay; the CLI) is kept for {@link #costs}.
     */
    private long[] measure(String label, Costed[] processes, KeyEcho echo) throws IOException {
        byte[] key = new byte[1];
        int sent = 0;
        long compiledAt = ProcessMemory.compilerCpuNanos(jvms);
        for (int warm = 0; warm < maxWarmup; warm++, sent++) {
            if (warm % QUIET_KEYS == 0) {
                long compiled = ProcessMemory.compilerCpuNanos(jvms);
                long spent = compiled - compiledAt; // negative when an idle compiler thread ended, taking its time
                if (warm >= minWarmup && spent >= 0 && spent < QUIET_COMPILER_NANOS) {
                    break;
                }
                compiledAt = compiled;
            }
            key[0] = (byte) ('a' + sent % 26);
            echo.echo(key);
            pause();
        }
        warmups.add(String.format(Locale.ROOT, "%s %,d", label, sent));
        long[] switchesBefore = new long[processes.length];
        long[] cpuBefore = new long[processes.length];
        for (int s = 0; s < processes.length; s++) {
            switchesBefore[s] = ProcessMemory.threadSwitches(processes[s].pid());
            cpuBefore[s] = ProcessMemory.cpuNanos(processes[s].pid());
        }
        long[] samples = new long[keys];
        for (int i = 0; i < keys; i++, sent++) {
            key[0] = (byte) ('a' + sent % 26);
            samples[i] = echo.echo(key);
            pause();
        }
        List<String> perProcess = new ArrayList<>();
        for (int s = 0; s < processes.length; s++) {
            perProcess.add(String.format(Locale.ROOT, "%s %.1f switches, %.0f µs of CPU", processes[s].name(),
                    (ProcessMemory.threadSwitches(processes[s].pid()) - switchesBefore[s]) / (double) keys,
                    (ProcessMemory.cpuNanos(processes[s].pid()) - cpuBefore[s]) / 1e3 / keys));
        }
        if (!perProcess.isEmpty()) {
            costs.add(label + ": " + String.join(", ", perProcess));
        }
        return samples;
    }

    /** A process whose cost per key is reported. */
    private record Costed(String name, long pid) {
    }

    /** Sends one key and returns the nanoseconds until it was seen back. */
    private interface KeyEcho {
        long echo(byte[] key) throws IOException;
    }

    private static void pause() {
        LockSupport.parkNanos(1_000_000);
    }

    /** Hands the moment a key came back from the SDK's callback thread to the measuring thread. */
    private static final class Echo {
        private final Thread measurer;
        private volatile int expected = -1;
        private volatile long seenAt;

        Echo(Thread measurer) {
            this.measurer = measurer;
        }

        void expect(int key) {
            seenAt = 0;
            expected = key;
        }

        void seen(int b) {
            if (b == expected && seenAt == 0) {
                seenAt = System.nanoTime();
                expected = -1;
                LockSupport.unpark(measurer);
            }
        }

        long awaitSeen(long deadline) {
            long t;
            while ((t = seenAt) == 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no echo within 10 s");
                }
                LockSupport.parkNanos(1_000_000);
            }
            return t;
        }
    }
}

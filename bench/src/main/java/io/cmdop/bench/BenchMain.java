package io.cmdop.bench;

import io.cmdop.bench.Table.Better;
import io.cmdop.bench.Table.Row;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * {@code cmdop-bench [--quick|--full] [--out FILE]}: measures cmdop side by side with the raw PTY
 * and tmux, in one run, on this machine, prints one Markdown table and writes it with the
 * machine's description to a file. Everything it starts (daemons, tmux servers, PTYs) lives in one
 * temporary directory and is stopped by pid before it exits.
 */
public final class BenchMain {
    private static final double MIB = 1024.0 * 1024.0;
    /**
     * A stream warm-up round in which the JIT compilers of this JVM, the daemon and the relay used less
     * CPU than this ends the warm-up. Not zero: each round's new sessions and calls keep the three
     * compiling a little (0.1–0.2 s a round after 20 rounds, measured), on paths a stream runs once.
     */
    private static final long QUIET_COMPILER_NANOS = 200_000_000;
    private static final List<String> SECTIONS = List.of("throughput", "fanout", "stalled", "echo", "attach", "cli", "memory",
            "relaymem", "micro");

    /** Held so that its level sticks: the SDK's Netty logs a harmless warning per connection. */
    private static final java.util.logging.Logger NETTY = java.util.logging.Logger.getLogger("io.netty");

    private final BenchMode mode;
    private final Path root;
    private final Path jar;
    private final Path work;
    private final String daemonJavaOptions;
    private final String relayJavaOptions;
    private final Set<String> sections;
    private final Table table = new Table();
    private int homes;

    private BenchMain(BenchMode mode, Path root, Path jar, Path work, String daemonJavaOptions,
                      String relayJavaOptions, Set<String> sections) {
        this.mode = mode;
        this.root = root;
        this.jar = jar;
        this.work = work;
        this.daemonJavaOptions = daemonJavaOptions;
        this.relayJavaOptions = relayJavaOptions;
        this.sections = sections;
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args));
    }

    /** Runs the benchmark; returns the process exit code. */
    public static int run(String[] args) throws Exception {
        NETTY.setLevel(java.util.logging.Level.SEVERE);
        BenchMode mode = BenchMode.quick();
        Path root = Path.of(System.getProperty("cmdop.root", ".")).toAbsolutePath().normalize();
        Path out = null;
        Path jar = null;
        String daemonJfr = null;
        String daemonOptions = "";
        String relayOptions = "";
        Set<String> sections = new LinkedHashSet<>(SECTIONS);
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--quick" -> mode = BenchMode.quick();
                    case "--full" -> mode = BenchMode.full();
                    case "--smoke" -> mode = BenchMode.smoke();
                    case "--out" -> out = Path.of(value(args, ++i, "--out"));
                    case "--root" -> root = Path.of(value(args, ++i, "--root")).toAbsolutePath().normalize();
                    case "--jar" -> jar = Path.of(value(args, ++i, "--jar"));
                    case "--daemon-jfr" -> daemonJfr = value(args, ++i, "--daemon-jfr");
                    case "--daemon-java-options" -> daemonOptions = value(args, ++i, "--daemon-java-options");
                    case "--relay-java-options" -> relayOptions = value(args, ++i, "--relay-java-options");
                    case "--stream-mib" -> {
                        mode = mode.withStreams(mebibytes(value(args, ++i, "--stream-mib")) << 20);
                    }
                    case "--only" -> {
                        sections.clear();
                        for (String s : value(args, ++i, "--only").split(",")) {
                            if (!SECTIONS.contains(s) && !s.equals("grpc")) {
                                System.err.println("cmdop-bench: unknown section '" + s + "' (sections: "
                                        + String.join(", ", SECTIONS) + ")");
                                return 2;
                            }
                            sections.add(s);
                        }
                    }
                    case "-h", "--help" -> {
                        System.out.println("""
                                usage: cmdop-bench [--quick|--full] [--out FILE] [--only SECTION,...] [--daemon-jfr DIR]

                                  --quick        the default: every figure, small sizes, under 2 minutes
                                  --full         100+ MB streams, 1,000 sessions, longer JMH runs; takes several minutes
                                  --out FILE     where the table and the machine's description go
                                                 (default bench/results/latest.md)
                                  --only LIST    some sections only: throughput, fanout, stalled, echo, attach,
                                                 cli, memory, relaymem, micro
                                  --stream-mib N     stream N MiB in the throughput, fan-out and stalled figures
                                  --jar FILE         the cmdop jar to measure (default cli/target/cmdop.jar)
                                  --daemon-jfr DIR   record the daemons with Java Flight Recorder into DIR
                                  --daemon-java-options OPTS   more JVM options for the daemons
                                  --relay-java-options OPTS    more JVM options for the relays
                                """);
                        return 0;
                    }
                    default -> {
                        System.err.println("cmdop-bench: unknown argument '" + args[i] + "' (try --help)");
                        return 2;
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("cmdop-bench: " + e.getMessage() + " (try --help)");
            return 2;
        }
        if (out == null) {
            out = root.resolve("bench/results/latest.md");
        }
        if (jar == null) {
            jar = root.resolve("cli/target/cmdop.jar");
        }
        if (!Files.isRegularFile(jar)) {
            System.err.println("cmdop-bench: no cmdop jar at " + jar + " (build first: ./mvnw -DskipTests install)");
            return 1;
        }
        String javaOptions = daemonOptions;
        if (daemonJfr != null) {
            Path dir = Files.createDirectories(Path.of(daemonJfr).toAbsolutePath());
            javaOptions += " -XX:StartFlightRecording=filename=" + dir.resolve("daemon-%p.jfr")
                    + ",settings=profile,jdk.ExecutionSample#period=1ms";
        }
        Path work = Files.createTempDirectory("cmdop-bench-");
        Thread removeWork = new Thread(() -> {
            try {
                deleteTree(work);
            } catch (IOException e) {
                // best effort at exit
            }
        }, "bench-remove-work");
        Runtime.getRuntime().addShutdownHook(removeWork);
        Map<String, String> machine = Machine.describe(root);
        BenchMain bench = new BenchMain(mode, root, jar, work, javaOptions, relayOptions, sections);
        long started = System.nanoTime();
        try {
            bench.measure();
        } finally {
            deleteTree(work);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        machine.put("load average at end", Machine.loadAverage());
        String report = bench.report(machine, seconds);
        System.out.println(bench.table.markdown());
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, report, StandardCharsets.UTF_8);
        System.err.printf(Locale.ROOT, "cmdop-bench: %s mode took %.0f s; results in %s%n", mode.name(), seconds, out);
        return 0;
    }

    Table table() {
        return table;
    }

    private void measure() throws Exception {
        String marker = EndMarker.newMarker();
        Path stream = Workload.writeStream(work.resolve("stream.txt"), mode.streamBytes(), marker);
        Path fanOut = Workload.writeStream(work.resolve("fanout.txt"), mode.fanOutBytes(), marker);
        Path warm = Workload.writeStream(work.resolve("warm.txt"), mode.streamWarmupBytes(), marker);
        if (sections.stream().anyMatch(this::onSharedDaemon)) {
            boolean viaRelay = sections.stream().filter(this::onSharedDaemon)
                    .anyMatch(List.of("throughput", "fanout", "echo", "relaymem")::contains);
            try (CmdopRelay relay = viaRelay ? startRelay() : null;
                 CmdopDaemon daemon = startDaemon(relay)) {
                if (relay != null) {
                    relay.awaitMachine();
                }
                StreamFigures f = new StreamFigures(work);
                if (mode.streamWarmups() > 0 && (sections.contains("throughput") || sections.contains("fanout")
                        || sections.contains("stalled"))) {
                    warmStreams(f, daemon, relay, warm, marker);
                }
                if (sections.contains("throughput")) {
                    throughput(f, daemon, relay, stream, marker);
                }
                List<StreamFigures.Outcome> baseline = List.of();
                if (sections.contains("fanout")) {
                    baseline = fanOut(f, daemon, relay, fanOut, marker);
                    relay.assertNoneRefused();
                }
                if (sections.contains("stalled")) {
                    stalled(f, daemon, fanOut, marker, baseline);
                }
                if (sections.contains("grpc")) {
                    progress("diagnostic: the SDK against a direct gRPC observer, " + mib(stream));
                    for (int i = 0; i < mode.repeats() + 1; i++) {
                        f.cmdop(daemon, daemon.local(), stream, marker, 1, false, false, false);
                        f.cmdop(daemon, daemon.local(), stream, marker, 1, false, false, true);
                    }
                    progress("diagnostic: unary round trips on one connection (µs)");
                    try (var client = daemon.client()) {
                        client.terminal().create(io.cmdop.protocol.v1.CreateSessionRequest.newBuilder()
                                .setName("rtt").addAllCommand(List.of("/bin/sh", "-c", "stty -echo; exec cat > /dev/null"))
                                .build());
                        for (String what : List.of("status", "sendInput", "status", "sendInput")) {
                            long[] samples = new long[mode.keys()];
                            for (int i = 0; i < samples.length; i++) {
                                long start = System.nanoTime();
                                if (what.equals("status")) {
                                    client.status();
                                } else {
                                    client.terminal().sendInput("rtt", new byte[] {'x'});
                                }
                                samples[i] = System.nanoTime() - start;
                                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                            }
                            Stats st = Stats.ofNanos(samples, 1e3);
                            progress(String.format(Locale.ROOT, "  %s: p50 %.0f, p99 %.0f", what, st.median(),
                                    st.percentile(99)));
                        }
                        client.terminal().destroy("rtt");
                    }
                }
                if (sections.contains("echo")) {
                    echo(daemon, relay);
                }
                if (sections.contains("attach")) {
                    attach(daemon);
                }
                if (sections.contains("cli")) {
                    cliAttach(daemon);
                }
                if (sections.contains("memory") && !mode.thorough()) {
                    memory(daemon);
                }
                if (sections.contains("relaymem") && !mode.thorough()) {
                    relayMemory(daemon, relay);
                }
            }
        }
        if (sections.contains("memory") && mode.thorough()) {
            try (CmdopDaemon daemon = startDaemon()) {
                memory(daemon);
            }
        }
        if (sections.contains("relaymem") && mode.thorough()) {
            try (CmdopRelay relay = startRelay(); CmdopDaemon daemon = startDaemon(relay)) {
                relay.awaitMachine();
                relayMemory(daemon, relay);
            }
        }
        if (sections.contains("micro") && mode.jmh()) {
            micro();
        }
    }

    /**
     * Whether a section runs on the daemon (and relay) the stream, echo and attach figures share; in
     * thorough mode the memory figures get processes of their own, which nothing else has grown.
     */
    private boolean onSharedDaemon(String section) {
        return switch (section) {
            case "micro" -> false;
            case "memory", "relaymem" -> !mode.thorough();
            default -> true;
        };
    }

    private CmdopRelay startRelay() throws IOException, InterruptedException {
        return CmdopRelay.start(jar, work.resolve("relay-" + ++homes), relayJavaOptions);
    }

    private CmdopDaemon startDaemon() throws IOException, InterruptedException {
        return startDaemon(null);
    }

    /** A daemon for the figures; enrolled into {@code relay} (and reachable through it) unless null. */
    private CmdopDaemon startDaemon(CmdopRelay relay) throws IOException, InterruptedException {
        Path home = work.resolve("home-" + ++homes);
        int maxSessions = mode.idleSessions().stream().max(Integer::compare).orElse(0) + 100;
        // Ended sessions are forgotten at once (default: kept 10 minutes with their ring), so that
        // one figure's sessions do not weigh on the next one's memory.
        return CmdopDaemon.start(jar, home, "daemon:\n  max_sessions: " + maxSessions
                + "\nsession:\n  ended_retention: 0s\n", daemonJavaOptions, relay);
    }

    // ------------------------------------------------------------------ streams

    /**
     * Streams to 1 client locally, 1 through the relay and none, round after round, until a round
     * leaves the JIT compilers of this JVM (the SDK clients), the daemon and the relay nearly idle:
     * at least two rounds, at most the mode's. A busy session's code runs once per 64 KiB event: after
     * a few hundred events C2 was still compiling the per-event paths of all three through the
     * measured runs, 1–2 s of CPU per round on the two cores the stream needs. Servers, and programs
     * that use the SDK, run for days: the figures are of that steady state.
     */
    private void warmStreams(StreamFigures f, CmdopDaemon daemon, CmdopRelay relay, Path warm, String marker)
            throws Exception {
        progress("streams: warming up until the JIT compilers are quiet (at most " + mode.streamWarmups()
                + " rounds of " + mib(warm) + ")");
        f.rawPty(warm, marker);
        long[] jvms = jvms(daemon, relay);
        int rounds = 0;
        long compiled;
        do {
            long before = ProcessMemory.compilerCpuNanos(jvms);
            f.cmdop(daemon, warm, marker, 1, false, false);
            if (relay != null) {
                f.cmdop(daemon, relay.reach(), warm, marker, 1, false, false, false);
            }
            f.cmdop(daemon, warm, marker, 0, false, false);
            compiled = ProcessMemory.compilerCpuNanos(jvms) - before;
            rounds++;
            progress(String.format(Locale.ROOT, "  warm-up round %d: the JIT compilers used %.0f ms", rounds,
                    compiled / 1e6));
        } while (rounds < mode.streamWarmups() && (rounds < 2 || compiled > QUIET_COMPILER_NANOS));
        table.note(String.format(Locale.ROOT, "Stream figures: %d warm-up rounds of %s first (1 client locally, %snone); "
                + "in the last, the JIT compilers of this JVM, the daemon%s used %.0f ms of CPU", rounds, mib(warm),
                relay == null ? "" : "1 through the relay, ", relay == null ? "" : " and the relay", compiled / 1e6));
    }

    /** This JVM, the daemon's and the relay's, if any: whose JIT compilers a warm-up waits for. */
    static long[] jvms(CmdopDaemon daemon, CmdopRelay relay) {
        return relay == null ? new long[] {ProcessHandle.current().pid(), daemon.pid()}
                : new long[] {ProcessHandle.current().pid(), daemon.pid(), relay.pid()};
    }

    private void throughput(StreamFigures f, CmdopDaemon daemon, CmdopRelay relay, Path stream, String marker)
            throws Exception {
        String size = mib(stream);
        progress("streams: 1 client (local and through the relay) and no client, " + size);
        List<StreamFigures.Outcome> raw = new ArrayList<>();
        List<StreamFigures.Outcome> tmux1 = new ArrayList<>();
        List<StreamFigures.Outcome> cmdop1 = new ArrayList<>();
        List<StreamFigures.Outcome> relay1 = new ArrayList<>();
        List<StreamFigures.Outcome> tmux0 = new ArrayList<>();
        List<StreamFigures.Outcome> cmdop0 = new ArrayList<>();
        List<StreamFigures.Outcome> cli1 = new ArrayList<>();
        List<StreamFigures.Outcome> rawModel = new ArrayList<>();
        for (int r = 0; r < mode.repeats(); r++) {
            raw.add(f.rawPty(stream, marker));
            rawModel.add(f.rawPtyWithModel(stream, marker));
            tmux1.add(f.tmux(stream, marker, 1));
            cmdop1.add(f.cmdop(daemon, stream, marker, 1, false, false));
            cli1.add(f.cmdopCli(daemon, jar, stream, marker));
            relay1.add(f.cmdop(daemon, relay.reach(), stream, marker, 1, false, false, false));
            tmux0.add(f.tmux(stream, marker, 0));
            cmdop0.add(f.cmdop(daemon, stream, marker, 0, false, false));
        }
        double rawClient = median(raw, StreamFigures.Outcome::slowest);
        double tmuxClient = median(tmux1, StreamFigures.Outcome::slowest);
        double cmdopClient = median(cmdop1, StreamFigures.Outcome::slowest);
        table.add(new Row("Output throughput, 1 client (" + size + " stream)", "MB/s", rawClient, tmuxClient,
                cmdopClient, Better.HIGHER, "≥ 0.9× raw PTY and ≥ 1.5× tmux",
                cmdopClient >= 0.9 * rawClient && cmdopClient >= 1.5 * tmuxClient, "")
                .viaRelay(median(relay1, StreamFigures.Outcome::slowest)));
        table.add(new Row("Output throughput, 1 client: the cmdop CLI in a terminal (as tmux)", "MB/s", rawClient,
                tmuxClient, median(cli1, StreamFigures.Outcome::slowest), Better.HIGHER, "", null,
                String.format(Locale.ROOT, "the CLI (C1 only, as `./cmdop` starts it) used %.2f s of CPU per run (median)",
                        median(cli1, StreamFigures.Outcome::clientCpu))));
        table.row("Producer throughput, no client attached (" + size + ")", "MB/s",
                median(raw, StreamFigures.Outcome::producer), median(tmux0, StreamFigures.Outcome::producer),
                median(cmdop0, StreamFigures.Outcome::producer), Better.HIGHER);
        table.add(new Row("Producer throughput, no client: against the raw PTY read with cmdop's terminal model",
                "MB/s", median(rawModel, StreamFigures.Outcome::producer), Double.NaN,
                median(cmdop0, StreamFigures.Outcome::producer), Better.HIGHER, "", null,
                String.format(Locale.ROOT, "in the raw PTY column, for scale: this process reads the terminal and "
                        + "hands each read to a thread that feeds cmdop's terminal model (80×24, the sessions' "
                        + "scrollback), as the daemon does with nothing else (ring, events, marks, clients): the "
                        + "model's own cost to the program (the model read the end at %.1f MB/s); cmdop ÷ raw is "
                        + "what the rest of the daemon costs on top of it",
                        median(rawModel, StreamFigures.Outcome::slowest))));
    }

    /**
     * Fan-out figures, locally and through the relay; returns cmdop's local runs with the second
     * observer count (10), the first with its live heap: the stalled figure's baseline.
     */
    private List<StreamFigures.Outcome> fanOut(StreamFigures f, CmdopDaemon daemon, CmdopRelay relay, Path fanOut,
                                         String marker) throws Exception {
        String fanSize = mib(fanOut);
        progress("streams: fan-out, " + fanSize);
        List<StreamFigures.Outcome> rawFan = new ArrayList<>();
        for (int r = 0; r < mode.repeats(); r++) {
            rawFan.add(f.rawPty(fanOut, marker));
        }
        double rawProducer = median(rawFan, StreamFigures.Outcome::producer);
        double rawDelivered = median(rawFan, StreamFigures.Outcome::slowest);
        List<StreamFigures.Outcome> baseline10 = List.of();
        for (int n : mode.fanOuts()) {
            List<StreamFigures.Outcome> cmdop = new ArrayList<>();
            List<StreamFigures.Outcome> relayed = new ArrayList<>();
            List<StreamFigures.Outcome> tmux = new ArrayList<>();
            List<StreamFigures.Outcome> plain = new ArrayList<>();
            for (int r = 0; r < mode.repeats(); r++) {
                progress("streams: fan-out to " + n + " observers (local and through the relay)");
                cmdop.add(f.cmdop(daemon, fanOut, marker, n, false, r == 0));
                relayed.add(f.cmdop(daemon, relay.reach(), fanOut, marker, n, false, false, false));
                if (mode.tmuxFanOuts().contains(n)) {
                    tmux.add(f.tmux(fanOut, marker, n));
                }
                if (n > 1) {
                    plain.add(f.plainSockets(fanOut, marker, n));
                }
            }
            if (n == mode.fanOuts().get(Math.min(1, mode.fanOuts().size() - 1))) {
                baseline10 = cmdop;
            }
            double producer = median(cmdop, StreamFigures.Outcome::producer);
            double slowest = median(cmdop, StreamFigures.Outcome::slowest);
            int gaps = maxGaps(cmdop);
            int relayedGaps = maxGaps(relayed);
            double tmuxProducer = tmux.isEmpty() ? Double.NaN : median(tmux, StreamFigures.Outcome::producer);
            double tmuxSlowest = tmux.isEmpty() ? Double.NaN : median(tmux, StreamFigures.Outcome::slowest);
            boolean target = n == 100;
            boolean last = n == mode.fanOuts().getLast();
            table.add(new Row("Fan-out to " + n + " observer" + (n == 1 ? "" : "s") + ": producer (" + fanSize + ")",
                    "MB/s", rawProducer, tmuxProducer, producer, Better.HIGHER, target ? "≥ 0.8× raw PTY" : "",
                    target ? producer >= 0.8 * rawProducer : null, last ? relayConnections() : "")
                    .viaRelay(median(relayed, StreamFigures.Outcome::producer)));
            table.add(new Row("Fan-out to " + n + " observer" + (n == 1 ? "" : "s") + ": slowest observer", "MB/s",
                    rawDelivered, tmuxSlowest, slowest, Better.HIGHER, target ? "≥ 0.5× raw PTY" : "",
                    target ? slowest >= 0.5 * rawDelivered : null,
                    gaps + relayedGaps == 0 ? "" : "cmdop observers were skipped forward " + gaps + " time(s) locally, "
                            + relayedGaps + " through the relay, in the worst run (credited only with the bytes they "
                            + "received)")
                    .viaRelay(median(relayed, StreamFigures.Outcome::slowest)));
            if (!plain.isEmpty()) {
                table.add(new Row("Fan-out to " + n + " readers of plain Unix sockets, every byte to each (no protocol, "
                        + "no terminal model): slowest reader", "MB/s", median(plain, StreamFigures.Outcome::slowest),
                        Double.NaN, Double.NaN, Better.HIGHER, "", null, plainSocketsNote(plain)));
            }
        }
        return baseline10;
    }

    /** What the plain sockets' figure is, and what it cost: the scale of what a fan-out can get on this machine. */
    private static String plainSocketsNote(List<StreamFigures.Outcome> plain) {
        return String.format(Locale.ROOT, "for scale, in the raw PTY column: this process reads the program's "
                + "terminal and writes each read to every socket, each socket read by a thread of its own; every "
                + "reader gets every byte, so the program goes at the slowest reader's pace (producer %.1f MB/s, "
                + "this process %.2f s of CPU, medians); what the machine gives a fan-out without a protocol, a "
                + "terminal model or skipping", median(plain, StreamFigures.Outcome::producer),
                median(plain, StreamFigures.Outcome::clientCpu));
    }

    private static int maxGaps(List<StreamFigures.Outcome> outcomes) {
        return outcomes.stream().mapToInt(StreamFigures.Outcome::gaps).max().orElse(0);
    }

    /**
     * Why the fan-out through the relay is not refused: every observer has a connection of its own,
     * all from 127.0.0.1, and the relay's limits per source are fixed (GuardedConnector).
     */
    private String relayConnections() {
        int total = mode.repeats() * mode.fanOuts().stream().mapToInt(Integer::intValue).sum();
        return String.format(Locale.ROOT, "through the relay each observer has a TLS connection of its own, all from "
                + "127.0.0.1: at most %d open at once and %,d opened over the fan-out runs (a few more for the other "
                + "relay figures), within the relay's limits per source address (256 open, 600 opened a minute; "
                + "fixed, not configurable); none was refused (checked in the relay's log), so no run waited",
                mode.fanOuts().getLast(), total);
    }

    /**
     * As many runs with a stalled observer as the other stream figures have, against as many without:
     * one run against one would compare two draws from a spread wider than the target's 10 %.
     */
    private void stalled(StreamFigures f, CmdopDaemon daemon, Path fanOut, String marker,
                         List<StreamFigures.Outcome> baseline10) throws Exception {
        int others = mode.fanOuts().get(Math.min(1, mode.fanOuts().size() - 1));
        List<StreamFigures.Outcome> without = new ArrayList<>(baseline10);
        for (int r = without.size(); r < mode.repeats(); r++) {
            progress("streams: " + others + " observers (the baseline)");
            without.add(f.cmdop(daemon, fanOut, marker, others, false, r == 0));
        }
        List<StreamFigures.Outcome> with = new ArrayList<>();
        for (int r = 0; r < mode.repeats(); r++) {
            progress("streams: " + (others - 1) + " observers and one stalled");
            with.add(f.cmdop(daemon, fanOut, marker, others - 1, true, r == 0));
        }
        double withMean = median(with, StreamFigures.Outcome::mean);
        double withoutMean = median(without, StreamFigures.Outcome::mean);
        table.add(new Row("1 stalled observer among " + others + ": the other " + (others - 1) + " (mean)", "MB/s",
                Double.NaN, Double.NaN, withMean, Better.HIGHER, "within 10 % of without it ("
                + Table.format(withoutMean) + " MB/s)", withMean >= 0.9 * withoutMean,
                String.format(Locale.ROOT, "median of %d runs with the stalled observer and of %d without; "
                        + "the runs' means with it %s, without it %s MB/s", with.size(), without.size(),
                        means(with), means(without))));
        StreamFigures.Outcome heapWith = with.getFirst();
        StreamFigures.Outcome heapWithout = without.getFirst();
        long extra = heapWith.liveHeap() - heapWithout.liveHeap();
        boolean bounded = extra <= 16L << 20;
        table.add(new Row("1 stalled observer among " + others + ": daemon live heap growth over the stream", "MiB",
                Double.NaN, Double.NaN, heapWith.liveHeap() / MIB, Better.LOWER,
                "bounded (≤ 16 MiB more than without it: " + Table.format(heapWithout.liveHeap() / MIB) + " MiB)",
                bounded, String.format(Locale.ROOT, "live heap after a full GC at the end minus just before the "
                        + "stream, in the first run of each; daemon peak RSS %.0f MiB with the stalled observer, "
                        + "%.0f MiB without", heapWith.peakRss() / MIB, heapWithout.peakRss() / MIB)));
    }

    private static String means(List<StreamFigures.Outcome> outcomes) {
        return String.join(", ", outcomes.stream().map(o -> Table.format(o.mean())).toList());
    }

    // ------------------------------------------------------------------ echo

    private void echo(CmdopDaemon daemon, CmdopRelay relay) throws Exception {
        EchoFigures f = new EchoFigures(work, mode.keys(), mode.keyWarmup(), daemon, relay);
        progress("echo: raw PTY, tmux, cmdop SDK (local and through the relay, callbacks on their own thread and on "
                + "the transport thread), cmdop CLI (" + mode.keys() + " keys each)");
        Stats raw = Stats.ofNanos(f.rawPty(), 1e3);
        Stats tmux = Stats.ofNanos(f.tmux(), 1e3);
        Stats sdk = Stats.ofNanos(f.cmdopSdk(daemon.local(), false), 1e3);
        Stats sdkViaRelay = Stats.ofNanos(f.cmdopSdk(relay.reach(), false), 1e3);
        Stats inline = Stats.ofNanos(f.cmdopSdk(daemon.local(), true), 1e3);
        Stats inlineViaRelay = Stats.ofNanos(f.cmdopSdk(relay.reach(), true), 1e3);
        Stats cli = Stats.ofNanos(f.cmdopCli(daemon, jar), 1e3);
        echoRows("cmdop SDK (sendInput → onOutput)", raw, tmux, sdk, sdkViaRelay,
                "unmeasured keys first (at least twice as many as measured, until the JIT compilers of this JVM, "
                        + "the daemon and the relay used under 2 ms of CPU over 500 keys, within the mode's bounds): "
                        + f.warmups());
        echoRows("cmdop SDK, callbacks on the transport thread", raw, tmux, inline, inlineViaRelay,
                "what the measured keys cost the servers (and the CLI), per key: " + f.costs());
        echoRows("cmdop CLI in a terminal (as tmux)", raw, tmux, cli, null, "");
    }

    private void echoRows(String client, Stats raw, Stats tmux, Stats cmdop, Stats viaRelay, String note) {
        for (double p : new double[] {50, 99, 99.9}) {
            String pn = p == 50 ? "p50" : p == 99 ? "p99" : "p99.9";
            boolean target = p == 50;
            table.add(new Row("Keystroke echo " + pn + ", " + client, "µs", raw.percentile(p), tmux.percentile(p),
                    cmdop.percentile(p), Better.LOWER, target ? "p50 no worse than tmux" : "",
                    target ? cmdop.percentile(p) <= tmux.percentile(p) : null, target ? note : "")
                    .viaRelay(viaRelay == null ? Double.NaN : viaRelay.percentile(p)));
        }
    }

    // ------------------------------------------------------------------ attach, resume

    private void attach(CmdopDaemon daemon) throws Exception {
        AttachFigures f = new AttachFigures(work);
        String marker = EndMarker.newMarker();
        Path fullRing = Workload.writeStream(work.resolve("ring.txt"), (5L << 20) / 2, marker);
        progress("attach: " + mode.attaches() + " attaches to a full ring, " + mode.attaches() + " resumes");
        Stats attach = Stats.ofNanos(f.attach(daemon, fullRing, marker, mode.attaches()), 1e6);
        Stats resume = Stats.ofNanos(f.resume(daemon, mode.attaches()), 1e6);
        table.add(new Row("Attach to a complete snapshot, full 2 MiB ring: p50", "ms", Double.NaN, Double.NaN,
                attach.median(), Better.LOWER, "", null, String.format(Locale.ROOT, "the snapshot: %.0f KiB of ANSI "
                        + "drawing %d lines; %d scrollback lines as text; 80×24", f.snapshotBytes / 1024.0,
                f.snapshotAnsiLines, f.snapshotScrollback)));
        table.add(new Row("Attach to a complete snapshot, full 2 MiB ring: p99", "ms", Double.NaN, Double.NaN,
                attach.percentile(99), Better.LOWER, "≤ 20 ms", attach.percentile(99) <= 20, ""));
        table.row("Resume with the token, 4 KiB missed, until all delivered: p50", "ms", Double.NaN, Double.NaN,
                resume.median(), Better.LOWER);
        table.row("Resume with the token, 4 KiB missed, until all delivered: p99", "ms", Double.NaN, Double.NaN,
                resume.percentile(99), Better.LOWER);
    }

    // ------------------------------------------------------------------ CLI attach

    private void cliAttach(CmdopDaemon daemon) throws Exception {
        AttachFigures f = new AttachFigures(work);
        String marker = EndMarker.newMarker();
        List<String> program = List.of("/bin/sh", "-c", "printf '%s\\n' \"$0\"; exec cat", marker);
        progress("cli: " + mode.cliAttaches() + " × `./cmdop session attach`, `tmux attach`");
        double[] tmux;
        try (Tmux server = new Tmux(work.resolve("tmux-attach.sock"), work)) {
            server.newSession("first", program, 80, 24);
            f.firstScreen(server.attachCommand("first"), Map.of(), marker, 1, null);
            tmux = f.firstScreen(server.attachCommand("first"), Map.of(), marker, mode.cliAttaches(), null);
        }
        double[] launcher = null;
        double[] direct;
        try (var client = daemon.client()) {
            client.terminal().create(io.cmdop.protocol.v1.CreateSessionRequest.newBuilder().setName("first")
                    .addAllCommand(program).build());
            StreamFigures.awaitScreen(client.terminal(), "first", marker);
            Map<String, String> env = daemon.cliEnvironment();
            byte[] detach = {0x1d};
            List<String> viaJar = CmdopDaemon.cli(jar, "session", "attach", "first");
            if (mode.thorough()) {
                List<String> viaLauncher = List.of(root.resolve("cmdop").toString(), "session", "attach", "first");
                f.firstScreen(viaLauncher, env, marker, 1, detach);
                launcher = f.firstScreen(viaLauncher, env, marker, mode.cliAttaches(), detach);
            }
            direct = f.firstScreen(viaJar, env, marker, mode.cliAttaches(), detach);
            client.terminal().destroy("first");
        }
        if (launcher != null) {
            table.add(new Row("`./cmdop session attach X` to the first screen (median of " + mode.cliAttaches() + ")",
                    "ms", Double.NaN, new Stats(tmux).median(), new Stats(launcher).median(), Better.LOWER, "", null,
                    String.format(Locale.ROOT, "tmux column: `tmux attach`; the same JVM started without the ./cmdop "
                            + "launcher script and its AOT cache: %.0f ms", new Stats(direct).median())));
        } else {
            table.add(new Row("`java -jar cmdop.jar session attach X` to the first screen (median of "
                    + mode.cliAttaches() + ")", "ms", Double.NaN, new Stats(tmux).median(), new Stats(direct).median(),
                    Better.LOWER, "", null, "tmux column: `tmux attach`"));
        }
    }

    // ------------------------------------------------------------------ memory

    private void memory(CmdopDaemon daemon) throws Exception {
        MemoryFigures f = new MemoryFigures(work, mode.settleMillis());
        progress("memory: " + mode.idleSessions() + " idle sessions");
        List<MemoryFigures.PerSession> cmdop = f.cmdop(daemon, mode.idleSessions());
        List<MemoryFigures.PerSession> tmux = f.tmux(mode.idleSessions());
        for (int i = 0; i < cmdop.size(); i++) {
            MemoryFigures.PerSession c = cmdop.get(i);
            MemoryFigures.PerSession t = tmux.get(i);
            table.add(new Row("Server RSS per idle session, " + c.sessions() + " sessions", "KiB", Double.NaN,
                    t.rss() / 1024.0, c.rss() / 1024.0, Better.LOWER, "≤ 256 KiB beyond the ring (idle: ring empty)",
                    c.rss() <= 256 * 1024, ""));
            table.row("Daemon heap per idle session, " + c.sessions() + " sessions (live, after a full GC)", "KiB",
                    Double.NaN, Double.NaN, c.heap() / 1024.0, Better.LOWER);
        }
        int n = mode.streamedSessions();
        progress("memory: " + n + " sessions idle after printing 1 MiB of log lines each");
        MemoryFigures.PerSession c = f.cmdopStreamed(daemon, n);
        MemoryFigures.PerSession t = f.tmuxStreamed(n);
        String what = "per session idle after printing 1 MiB of log lines, " + n + " sessions";
        table.add(new Row("Server RSS " + what, "KiB", Double.NaN, t.rss() / 1024.0, c.rss() / 1024.0, Better.LOWER,
                "", null, "what the server keeps of output nobody looks at any more: cmdop its ring (2 MiB at most: all "
                        + "of it here, compressed once the session is quiet) and the model's 1,000 lines of scrollback, "
                        + "tmux its history (1,000 lines, as set here); the RSS also counts the daemon's heap pages the "
                        + "output touched for the first time"));
        table.row("Daemon heap " + what + " (live, after a full GC)", "KiB", Double.NaN, Double.NaN, c.heap() / 1024.0,
                Better.LOWER);
    }

    private void relayMemory(CmdopDaemon daemon, CmdopRelay relay) throws Exception {
        int n = mode.relayObservers();
        progress("memory: " + n + " observers attached through the relay");
        RelayMemoryFigures.PerObserver m = new RelayMemoryFigures(mode.settleMillis()).measure(daemon, relay, n);
        relay.assertNoneRefused();
        String note = String.format(Locale.ROOT, "SDK observers of %d idle session(s) (a session holds at most 256 "
                        + "attached clients by default) over %d TLS connection(s) to the relay, %d HTTP/2 streams each at most; the "
                        + "relay's RSS and live heap after a full GC with them attached minus before, per observer; "
                        + "the daemon's side: %s KiB RSS, %s KiB heap per observer",
                m.sessions(), m.connections(), RelayMemoryFigures.PER_CONNECTION, Table.format(m.daemonRss() / 1024.0),
                Table.format(m.daemonHeap() / 1024.0));
        String count = String.format(Locale.ROOT, "%,d observer%s", n, n == 1 ? "" : "s");
        table.add(new Row("Relay memory per attached observer, " + count, "KiB", Double.NaN, Double.NaN, Double.NaN,
                Better.LOWER, "", null, note).viaRelay(m.relayRss() / 1024.0));
        table.add(new Row("Relay heap per attached observer, " + count + " (live, after a full GC)", "KiB", Double.NaN,
                Double.NaN, Double.NaN, Better.LOWER, "", null, "").viaRelay(m.relayHeap() / 1024.0));
    }

    // ------------------------------------------------------------------ JMH

    private void micro() throws Exception {
        progress("micro: JMH (" + mode.warmup() + " warm-up and " + mode.measure() + " measured iterations of "
                + mode.iterationMillis() + " ms, 1 fork each)");
        Map<String, Double> scores = MicroFigures.run(mode, work.resolve("jmh.log"));
        String[] labels = {"typical output (ASCII, some SGR)", "CJK-heavy output", "full-screen redraws"};
        String[] streams = MicroFigures.streams();
        for (int i = 0; i < streams.length; i++) {
            double mbps = MicroFigures.parseMBps(scores, "feed", streams[i]);
            boolean target = i == 0;
            table.add(new Row("JMH terminal model parsing, " + labels[i], "MB/s", Double.NaN, Double.NaN, mbps,
                    Better.HIGHER, target ? "≥ 200 MB/s" : "", target ? mbps >= 200 : null, ""));
        }
        StringBuilder others = new StringBuilder();
        for (int i = 1; i < streams.length; i++) {
            others.append(i == 1 ? "" : ", ").append(labels[i]).append(' ')
                    .append(Table.format(MicroFigures.parseMBps(scores, "feedReadingScreen", streams[i]))).append(" MB/s");
        }
        table.add(new Row("JMH terminal model parsing, " + labels[0] + ", its screen read every 64 KiB", "MB/s",
                Double.NaN, Double.NaN, MicroFigures.parseMBps(scores, "feedReadingScreen", streams[0]), Better.HIGHER, "",
                null, "as a client asking for the screen that often would: no more than 64 KiB of plain output is held"
                        + " back, and all of it is parsed cell by cell; the same for " + others));
        Double append = scores.get("EventRingBench.append");
        Double replay = scores.get("EventRingBench.replayLastMiB");
        table.row("JMH ring append of a 4 KiB output event, ring full (evicting)", "ns", Double.NaN, Double.NaN,
                append == null ? Double.NaN : 1e9 / append, Better.LOWER);
        table.row("JMH ring replay of the last 1 MiB (256 events)", "µs", Double.NaN, Double.NaN,
                replay == null ? Double.NaN : 1e6 / replay, Better.LOWER);
        for (int n : new int[] {1, 10, 100}) {
            Double ops = scores.get("FanOutBench.publishAndDrain[" + n + "]");
            table.row("JMH fan-out of a 4 KiB event to " + n + " queue" + (n == 1 ? "" : "s")
                    + " (offer + poll), per client", "ns", Double.NaN, Double.NaN,
                    ops == null ? Double.NaN : 1e9 / ops / n, Better.LOWER);
        }
    }

    // ------------------------------------------------------------------ report

    private String report(Map<String, String> machine, double seconds) {
        StringBuilder sb = new StringBuilder();
        sb.append("# cmdop benchmark (").append(mode.name()).append(" mode)\n\n");
        sb.append(table.markdown()).append('\n');
        sb.append("## Machine\n\n");
        machine.forEach((k, v) -> sb.append("- ").append(k).append(": ").append(v).append('\n'));
        sb.append(String.format(Locale.ROOT, "- run time: %.0f s%n", seconds));
        sb.append("\nReproduce with `./cmdop-bench --").append(mode.name()).append("`; what each figure means: ")
                .append("docs/performance.md.\n");
        return sb.toString();
    }

    private static double median(List<StreamFigures.Outcome> outcomes, ToDoubleFunction<StreamFigures.Outcome> f) {
        return new Stats(outcomes.stream().mapToDouble(f).toArray()).median();
    }

    private static String mib(Path file) throws IOException {
        return String.format(Locale.ROOT, "%.0f MiB", Files.size(file) / MIB);
    }

    private static final long STARTED = System.nanoTime();

    private static void progress(String what) {
        System.err.printf(Locale.ROOT, "bench: [%4.0f s] %s%n", (System.nanoTime() - STARTED) / 1e9, what);
    }

    private static long mebibytes(String text) {
        try {
            long mib = Long.parseLong(text);
            if (mib >= 1 && mib <= 64 * 1024) {
                return mib;
            }
        } catch (NumberFormatException e) {
            // told below
        }
        throw new IllegalArgumentException("--stream-mib needs a whole number of MiB from 1 to 65536, not '" + text + "'");
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @SuppressWarnings("unused")
    private static String join(double[] values) {
        return Arrays.toString(values);
    }
}

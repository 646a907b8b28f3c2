package io.cmdop.bench;

import io.cmdop.client.CmdopClient;
import io.cmdop.client.TerminalStream;
import io.cmdop.protocol.v1.Attached;
import io.cmdop.protocol.v1.CreateSessionRequest;
import io.cmdop.protocol.v1.Mode;
import io.cmdop.protocol.v1.Size;
import io.cmdop.session.SessionConfig;
import io.cmdop.terminal.VirtualTerminal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One large stream printed by a program, timed from the moment it is let go until each client has
 * its end marker: for the raw PTY (this process reads the PTY), for tmux (a real server, clients
 * attached through PTYs this process drains) and for cmdop (a real daemon, SDK observers, or the
 * CLI in a terminal this process drains).
 *
 * <p>Throughputs are in MB/s of the program's output (10⁶ bytes per second). A client's figure is
 * what it was delivered: a cmdop observer that fell behind and was skipped forward (a gap and a
 * fresh screen) is credited only with the bytes it received. tmux sends its clients a redrawn
 * screen, not the stream, so its client figure is the time until the client shows the end.
 */
final class StreamFigures {
    /**
     * @param producer the program's throughput until it had written everything
     * @param clients each client's delivered throughput, in attach order
     * @param gaps skips forward (resyncs) the clients received
     * @param peakRss the server's peak resident memory during the run (tmux server or cmdop daemon), -1 if not sampled
     * @param liveHeap how much the daemon's heap after a full collection grew from just before the
     *     stream to its end (every client had it, a stalled one still stalled), -1 if not measured
     * @param serverCpu CPU seconds the server (tmux server or cmdop daemon) used from the start of the
     *     stream until every client had its end, NaN for the raw PTY
     * @param clientCpu CPU seconds the clients used over the same time: this process (the raw PTY's
     *     reader, the tmux clients' drains, the cmdop SDK observers), or the CLI's own process
     */
    record Outcome(double producer, double[] clients, int gaps, long peakRss, long liveHeap, double serverCpu,
                   double clientCpu) {
        double slowest() {
            double min = Double.NaN;
            for (double c : clients) {
                min = Double.isNaN(min) ? c : Math.min(min, c);
            }
            return min;
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT,
                    "producer %.1f MB/s, slowest client %.1f MB/s, mean %.1f MB/s, %d gap(s), server CPU %.2f s, "
                            + "clients' CPU %.2f s", producer, slowest(), mean(), gaps, serverCpu, clientCpu);
        }

        double mean() {
            double sum = 0;
            for (double c : clients) {
                sum += c;
            }
            return clients.length == 0 ? Double.NaN : sum / clients.length;
        }
    }

    private static final long TIMEOUT_SECONDS = 300;
    private static final AtomicInteger RUNS = new AtomicInteger();

    private final Path dir;

    StreamFigures(Path dir) {
        this.dir = dir;
    }

    /** A Pty read loop in this process, counting bytes until the marker. */
    Outcome rawPty(Path data, String marker) throws Exception {
        EndMarker end = new EndMarker(marker);
        return fromRawPty("raw PTY", data, (buffer, n) -> end.feed(buffer, 0, n), List.of(end));
    }

    /**
     * The raw PTY with the one piece of work a server of terminal sessions cannot skip: each read
     * copied and handed to a thread of this process that feeds it to cmdop's terminal model (the
     * sessions' size and scrollback), as the daemon hands its reads to its processing. Timed until
     * the model has read the end. What the model alone costs the program, for scale beside the
     * daemon's figure with no client.
     */
    Outcome rawPtyWithModel(Path data, String marker) throws Exception {
        EndMarker end = new EndMarker(marker);
        warmModel(data);
        VirtualTerminal model = newModel();
        BlockingQueue<byte[]> reads = new ArrayBlockingQueue<>(256);
        Thread worker = Thread.ofPlatform().daemon().name("bench-model").start(() -> {
            try {
                while (true) {
                    byte[] read = reads.take();
                    model.feed(read, 0, read.length);
                    end.feed(read, 0, read.length);
                }
            } catch (InterruptedException e) {
                // the run is over
            }
        });
        try {
            return fromRawPty("raw PTY with the terminal model", data, (buffer, n) -> {
                try {
                    // Bounded, if more loosely than the daemon's 1 MiB: when full, the reader waits, as the daemon stops reading.
                    reads.put(Arrays.copyOf(buffer, n));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, List.of(end));
        } finally {
            worker.interrupt();
        }
    }

    private static VirtualTerminal newModel() {
        return new VirtualTerminal(80, 24, SessionConfig.defaults().scrollbackLines());
    }

    /** The daemon's model is compiled by the time it is measured (the warm-up rounds): so is this process's. */
    private static void warmModel(Path data) throws IOException {
        VirtualTerminal scratch = newModel();
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(data)) {
            long left = 32L << 20;
            int n;
            while (left > 0 && (n = in.read(buffer)) > 0) {
                scratch.feed(buffer, 0, n);
                left -= n;
            }
        }
    }

    /**
     * What this machine gives a fan-out with nothing in the way: the raw PTY read by this process,
     * each read copied once into a direct buffer and written to {@code readers} Unix-domain sockets,
     * each read by a thread of its own that looks for the end. No protocol, no terminal model, no
     * skipping: every reader gets every byte, so the program goes at the pace of the slowest.
     */
    Outcome plainSockets(Path data, String marker, int readers) throws Exception {
        Path socket = dir.resolve("fan-" + RUNS.incrementAndGet() + ".sock");
        List<SocketChannel> channels = new ArrayList<>();
        List<SocketChannel> writers = new ArrayList<>();
        List<EndMarker> ends = new ArrayList<>();
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            for (int i = 0; i < readers; i++) {
                SocketChannel reader = SocketChannel.open(UnixDomainSocketAddress.of(socket));
                channels.add(reader);
                SocketChannel writer = server.accept();
                channels.add(writer);
                writers.add(writer);
                EndMarker end = new EndMarker(marker);
                ends.add(end);
                Thread.ofPlatform().daemon().name("bench-socket-reader-" + i).start(() -> readInto(reader, end));
            }
            ByteBuffer copy = ByteBuffer.allocateDirect(64 * 1024);
            return fromRawPty("plain sockets, " + readers + " reader(s)", data, (buffer, n) -> {
                copy.clear().put(buffer, 0, n).flip();
                for (SocketChannel writer : writers) {
                    writeFully(writer, copy.duplicate());
                }
            }, ends);
        } finally {
            for (SocketChannel c : channels) {
                c.close();
            }
            Files.deleteIfExists(socket);
        }
    }

    /**
     * The program on a PTY this process reads, each read handed to {@code reads}; timed from the
     * program's release until each of {@code ends} has seen the end.
     */
    private Outcome fromRawPty(String what, Path data, Terminal.Sink reads, List<EndMarker> ends) throws Exception {
        Trigger trigger = new Trigger(dir, data);
        EndMarker armed = new EndMarker("armed");
        try (Terminal t = Terminal.start(Workload.triggeredCat(trigger.fifo, data, trigger.done), java.util.Map.of(),
                dir, 80, 24)) {
            t.drainTo((buffer, n) -> {
                armed.feed(buffer, 0, n);
                reads.accept(buffer, n);
            });
            await(armed, "the program of the " + what + " figure to start");
            long ownCpu = ownCpu();
            trigger.fire();
            double[] rates = new double[ends.size()];
            for (int i = 0; i < rates.length; i++) {
                await(ends.get(i), "the end of the " + what + " stream (reader " + i + ")");
                rates[i] = trigger.rate(ends.get(i).seenAtNanos() - trigger.firedNanos);
            }
            double cpu = (ownCpu() - ownCpu) / 1e9;
            Outcome outcome = new Outcome(trigger.producerRate(), rates, 0, -1, -1, Double.NaN, cpu);
            System.err.println("bench:   " + what + ": " + outcome);
            return outcome;
        }
    }

    private static void readInto(SocketChannel reader, EndMarker end) {
        byte[] buffer = new byte[64 * 1024];
        ByteBuffer wrapped = ByteBuffer.wrap(buffer);
        try {
            int n;
            while ((n = reader.read(wrapped.clear())) > 0) {
                end.feed(buffer, 0, n);
            }
        } catch (IOException e) {
            // closed at the end of the run
        }
    }

    private static void writeFully(SocketChannel writer, ByteBuffer bytes) {
        try {
            while (bytes.hasRemaining()) {
                writer.write(bytes);
            }
        } catch (IOException e) {
            System.err.println("bench: a plain socket's write failed: " + e);
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A tmux server with {@code clients} clients attached through PTYs; 0 clients: nobody attached. */
    Outcome tmux(Path data, String marker, int clients) throws Exception {
        Trigger trigger = new Trigger(dir, data);
        List<Terminal> terminals = new ArrayList<>();
        List<EndMarker> ends = new ArrayList<>();
        try (Tmux tmux = new Tmux(dir.resolve("tmux-" + RUNS.incrementAndGet() + ".sock"), dir)) {
            tmux.newSession("bench", Workload.triggeredCat(trigger.fifo, data, trigger.done), 80, 24);
            for (int i = 0; i < clients; i++) {
                EndMarker armed = new EndMarker("armed");
                EndMarker end = new EndMarker(marker);
                VisibleText text = new VisibleText((d, from, to) -> {
                    armed.feed(d, from, to - from);
                    end.feed(d, from, to - from);
                });
                terminals.add(Terminal.start(tmux.attachCommand("bench"), java.util.Map.of(), dir, 80, 24)
                        .drainTo((buffer, n) -> text.feed(buffer, 0, n)));
                ends.add(end);
                await(armed, "a tmux client's first screen");
            }
            ProcessMemory.PeakSampler rss = new ProcessMemory.PeakSampler(tmux.serverPid(), 20);
            long serverCpu = ProcessMemory.cpuNanos(tmux.serverPid());
            long ownCpu = ownCpu();
            trigger.fire();
            double[] rates = new double[clients];
            for (int i = 0; i < clients; i++) {
                await(ends.get(i), "tmux client " + i);
                rates[i] = trigger.rate(ends.get(i).seenAtNanos() - trigger.firedNanos);
            }
            double producer = trigger.producerRate();
            double server = (ProcessMemory.cpuNanos(tmux.serverPid()) - serverCpu) / 1e9;
            double own = (ownCpu() - ownCpu) / 1e9;
            rss.close();
            Outcome outcome = new Outcome(producer, rates, 0, rss.peak(), -1, server, own);
            System.err.println("bench:   tmux, " + clients + " client(s): " + outcome);
            return outcome;
        } finally {
            terminals.forEach(Terminal::close);
        }
    }

    /**
     * A cmdop session with {@code observers} SDK observers, each on its own connection (as separate
     * programs would be). With {@code stalled}, one more observer never reads after its first output.
     */
    Outcome cmdop(CmdopDaemon daemon, Path data, String marker, int observers, boolean stalled, boolean liveHeap)
            throws Exception {
        return cmdop(daemon, daemon.local(), data, marker, observers, stalled, liveHeap, false);
    }

    /**
     * With {@code reach}, the observers come through it (the control client always uses the local
     * socket); with {@code direct}, they are {@link DirectObserver}s instead of the SDK (a diagnostic).
     */
    Outcome cmdop(CmdopDaemon daemon, Reach reach, Path data, String marker, int observers, boolean stalled,
                  boolean liveHeap, boolean direct) throws Exception {
        Trigger trigger = new Trigger(dir, data);
        CountDownLatch release = new CountDownLatch(1);
        List<CmdopClient> clients = new ArrayList<>();
        List<TerminalStream> streams = new ArrayList<>();
        List<DirectObserver> directs = new ArrayList<>();
        try (CmdopClient control = daemon.client()) {
            var terminal = control.terminal();
            String name = armedSession(terminal, trigger, data);
            List<EndMarker> ends = new ArrayList<>();
            long[] attachedAt = new long[observers];
            AtomicInteger gaps = new AtomicInteger();
            for (int i = 0; i < observers + (stalled ? 1 : 0); i++) {
                if (direct && i < observers) {
                    DirectObserver d = new DirectObserver(daemon.home().resolve("agent.sock"));
                    directs.add(d);
                    EndMarker end = new EndMarker(marker);
                    ends.add(end);
                    long before = terminal.getSession(name).getOutputOffset();
                    d.attach(name, end, gaps);
                    attachedAt[i] = before;
                    continue;
                }
                CmdopClient client = reach.client();
                clients.add(client);
                TerminalStream stream = reach.terminal(client).stream(Mode.MODE_OBSERVER);
                if (i == observers) {
                    stream.onOutput(bytes -> awaitQuietly(release));
                } else {
                    EndMarker end = new EndMarker(marker);
                    ends.add(end);
                    stream.onOutput(end::feed).onResync(r -> {
                        gaps.incrementAndGet();
                        if (r.getSnapshot().getLinesList().stream().anyMatch(l -> l.contains(marker))) {
                            end.markSeen();
                        }
                    });
                }
                Attached attached = stream.attach(name, 0, 0);
                if (i < observers) {
                    attachedAt[i] = attached.getSnapshot().getOffset();
                }
                streams.add(stream);
            }
            long heapBefore = liveHeap ? ProcessMemory.heapAfterFullGc(daemon.pid()) : -1;
            ProcessMemory.PeakSampler rss = new ProcessMemory.PeakSampler(daemon.pid(), 20);
            long serverCpu = ProcessMemory.cpuNanos(daemon.pid());
            long ownCpu = ownCpu();
            trigger.fire();
            double[] rates = new double[observers];
            for (int i = 0; i < observers; i++) {
                await(ends.get(i), "cmdop observer " + i);
            }
            double producer = trigger.producerRate();
            double server = (ProcessMemory.cpuNanos(daemon.pid()) - serverCpu) / 1e9;
            double own = (ownCpu() - ownCpu) / 1e9;
            rss.close();
            var info = terminal.getSession(name);
            long finalOffset = info.getOutputOffset();
            for (int i = 0; i < observers; i++) {
                EndMarker end = ends.get(i);
                double delivered = Math.min(1.0, (double) end.bytes() / Math.max(1, finalOffset - attachedAt[i] - 2));
                rates[i] = trigger.rate(end.seenAtNanos() - trigger.firedNanos) * delivered;
            }
            long heap = liveHeap ? ProcessMemory.heapAfterFullGc(daemon.pid()) - heapBefore : -1;
            if (liveHeap && System.getenv("CMDOP_BENCH_HISTOGRAM") != null) {
                String histogram = ProcessMemory.jcmd(daemon.pid(), "GC.class_histogram");
                System.err.println(histogram.lines().limit(18).collect(java.util.stream.Collectors.joining("\n")));
            }
            release.countDown();
            streams.forEach(TerminalStream::detach);
            terminal.destroy(name);
            Outcome outcome = new Outcome(producer, rates, gaps.get(), rss.peak(), heap, server, own);
            System.err.println("bench:   cmdop, " + observers + (direct ? " direct gRPC" : " SDK") + " observer(s)"
                    + (stalled ? " + 1 stalled" : "") + ": " + outcome + "; " + info.getLastSeq() + " events, "
                    + finalOffset / Math.max(1, info.getLastSeq()) + " bytes of output per event");
            return outcome;
        } finally {
            release.countDown();
            clients.forEach(CmdopClient::close);
            directs.forEach(DirectObserver::close);
        }
    }

    /**
     * The cmdop CLI ({@code session attach}, as an observer would run it) in a terminal this process
     * drains, timed until that terminal shows the end, as tmux's client is. The outcome's client CPU
     * is the CLI's own.
     */
    Outcome cmdopCli(CmdopDaemon daemon, Path jar, Path data, String marker) throws Exception {
        Trigger trigger = new Trigger(dir, data);
        try (CmdopClient control = daemon.client()) {
            var terminal = control.terminal();
            String name = armedSession(terminal, trigger, data);
            EndMarker armed = new EndMarker("armed");
            EndMarker end = new EndMarker(marker);
            VisibleText text = new VisibleText((d, from, to) -> {
                armed.feed(d, from, to - from);
                end.feed(d, from, to - from);
            });
            try (Terminal cli = Terminal.start(CmdopDaemon.cli(jar, "session", "attach", name),
                    daemon.cliEnvironment(), dir, 80, 24).drainTo((buffer, n) -> text.feed(buffer, 0, n))) {
                await(armed, "the CLI's first screen");
                long serverCpu = ProcessMemory.cpuNanos(daemon.pid());
                long cliCpu = ProcessMemory.cpuNanos(cli.pid());
                trigger.fire();
                await(end, "the CLI");
                double rate = trigger.rate(end.seenAtNanos() - trigger.firedNanos);
                double server = (ProcessMemory.cpuNanos(daemon.pid()) - serverCpu) / 1e9;
                double client = (ProcessMemory.cpuNanos(cli.pid()) - cliCpu) / 1e9;
                Outcome outcome = new Outcome(trigger.producerRate(), new double[] {rate}, 0, -1, -1, server, client);
                System.err.println("bench:   cmdop, the CLI in a terminal (clients' CPU: the CLI's): " + outcome);
                return outcome;
            } finally {
                terminal.destroy(name);
            }
        }
    }

    /** An 80×24 session whose program waits for {@code trigger} to print {@code data}; returns its name. */
    private static String armedSession(io.cmdop.client.Terminal terminal, Trigger trigger, Path data)
            throws InterruptedException {
        String name = "stream-" + RUNS.incrementAndGet();
        terminal.create(CreateSessionRequest.newBuilder().setName(name)
                .addAllCommand(Workload.triggeredCat(trigger.fifo, data, trigger.done))
                .setSize(Size.newBuilder().setCols(80).setRows(24)).build());
        awaitScreen(terminal, name, "armed");
        return name;
    }

    private static long ownCpu() {
        return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(-1L);
    }

    static void awaitScreen(io.cmdop.client.Terminal terminal, String session, String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (terminal.screen(session, 0).getLinesList().stream().noneMatch(l -> l.contains(text))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("session " + session + " never showed '" + text + "'");
            }
            Thread.sleep(5);
        }
    }

    private static void await(EndMarker marker, String what) throws InterruptedException {
        if (!marker.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            throw new IllegalStateException("timed out after " + TIMEOUT_SECONDS + " s waiting for " + what);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The FIFO the program waits on, and the file where it writes the time it finished. Firing it
     * notes the time on both clocks.
     */
    static final class Trigger {
        final Path fifo;
        final Path done;
        final long bytes;
        long firedNanos;
        long firedEpochNanos;

        Trigger(Path dir, Path data) throws IOException, InterruptedException {
            int n = RUNS.incrementAndGet();
            this.fifo = dir.resolve("go-" + n);
            this.done = dir.resolve("done-" + n);
            this.bytes = Files.size(data);
            Workload.mkfifo(fifo);
        }

        void fire() throws IOException {
            try (OutputStream out = Files.newOutputStream(fifo)) {
                Instant now = Instant.now();
                firedNanos = System.nanoTime();
                firedEpochNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
                out.write("go\n".getBytes(StandardCharsets.US_ASCII));
            }
        }

        /** MB/s of the stream over {@code nanos}. */
        double rate(long nanos) {
            return bytes * 1e3 / nanos;
        }

        void awaitDone() throws InterruptedException, IOException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
            while (!Files.exists(done) || Files.size(done) == 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the program never finished its stream");
                }
                Thread.sleep(1);
            }
            Thread.sleep(5);
        }

        double producerRate() throws IOException, InterruptedException {
            awaitDone();
            long finished = Long.parseLong(Files.readString(done, StandardCharsets.US_ASCII).trim());
            return rate(finished - firedEpochNanos);
        }
    }
}

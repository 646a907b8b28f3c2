package io.cmdop.bench.micro;

import io.cmdop.terminal.VirtualTerminal;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/**
 * The terminal model's parsing rate: one operation feeds {@link #BYTES} of a stream to a 120×40
 * terminal with 1000 lines of scrollback, in 16 KiB chunks as a PTY read delivers them. MB/s is
 * operations per second × {@link #BYTES} / 10⁶. {@link #feed} reads the screen only at the end, as
 * with no client attached; {@link #feedReadingScreen} reads it every 64 KiB, as a client that
 * keeps asking for it would, so that held plain output is never more than that and every byte of
 * it is parsed.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TerminalParseBench {
    public static final int BYTES = 4 << 20;
    private static final int CHUNK = 16 * 1024;
    private static final int READ_EVERY = 64 * 1024;

    @Param({Streams.TYPICAL, Streams.CJK, Streams.REDRAW})
    public String stream;

    private byte[] data;
    private VirtualTerminal terminal;

    @Setup
    public void setUp() {
        data = Streams.of(stream, BYTES);
        terminal = new VirtualTerminal(120, 40, 1000);
    }

    @Benchmark
    public int feed() {
        return feed(d -> false);
    }

    @Benchmark
    public int feedReadingScreen() {
        return feed(offset -> offset % READ_EVERY == 0);
    }

    private int feed(java.util.function.IntPredicate readScreenAt) {
        byte[] d = data;
        int rows = 0;
        for (int offset = 0; offset < d.length; ) {
            int n = Math.min(CHUNK, d.length - offset);
            terminal.feed(d, offset, n);
            offset += n;
            if (readScreenAt.test(offset)) {
                rows += terminal.snapshot(0).rows();
            }
        }
        return terminal.snapshot(0).rows() + rows;
    }

    /** The exact size of one operation's input, for the MB/s figure. */
    public static int operationBytes(String stream) {
        return Streams.of(stream, BYTES).length;
    }
}

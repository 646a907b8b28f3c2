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
 * operations per second × {@link #BYTES} / 10⁶.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TerminalParseBench {
    public static final int BYTES = 4 << 20;
    private static final int CHUNK = 16 * 1024;

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
        byte[] d = data;
        for (int offset = 0; offset < d.length; offset += CHUNK) {
            terminal.feed(d, offset, Math.min(CHUNK, d.length - offset));
        }
        return terminal.cols();
    }

    /** The exact size of one operation's input, for the MB/s figure. */
    public static int operationBytes(String stream) {
        return Streams.of(stream, BYTES).length;
    }
}

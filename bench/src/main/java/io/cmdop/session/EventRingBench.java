package io.cmdop.session;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The session's ring (ARCHITECTURE §3.5), full as it is after 2 MiB of output: appending a 4 KiB
 * output event (which evicts the oldest), and replaying the last 1 MiB, as a resume does.
 *
 * <p>{@link EventRing} is package-private, so this benchmark lives in the session's package (in the
 * bench module, without changing the session module): it measures the ring itself, not the PTY.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class EventRingBench {
    public static final int CHUNK = 4096;
    public static final int REPLAY_EVENTS = (1 << 20) / CHUNK;

    private final byte[] chunk = new byte[CHUNK];
    private EventRing ring;
    private long seq;
    private long offset;

    @Setup
    public void setUp() {
        ring = new EventRing(SessionConfig.DEFAULT_RING_BYTES);
        for (int i = 0; i < 2 * SessionConfig.DEFAULT_RING_BYTES / CHUNK; i++) {
            append();
        }
    }

    @Benchmark
    public long append() {
        ring.append(new SessionEvent.Output(++seq, 0L, offset, chunk));
        offset += CHUNK;
        return ring.weight();
    }

    @Benchmark
    public int replayLastMiB() {
        List<SessionEvent> missed = ring.after(seq - REPLAY_EVENTS).orElseThrow();
        return missed.size();
    }
}

package io.cmdop.session;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Fan-out of one 4 KiB output event to N attachments' bounded queues, and each carrier taking it
 * from its queue: the session's publish loop and {@link Attachment#poll}, without PTY or network.
 *
 * <p>Attachments are made with their package-private constructor, so this benchmark lives in the
 * session's package (in the bench module, without changing the session module). Offer and poll
 * never touch the attachment's session, which is therefore null here.
 */
@State(Scope.Thread)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class FanOutBench {
    public static final int CHUNK = 4096;

    @Param({"1", "10", "100"})
    public int clients;

    private final byte[] chunk = new byte[CHUNK];
    private Attachment[] attachments;
    private long seq;
    private long offset;

    @Setup
    public void setUp() {
        attachments = new Attachment[clients];
        for (int i = 0; i < clients; i++) {
            attachments[i] = new Attachment(null, Attachment.Route.QUEUE, "bench" + i, "bench", ClientKind.SDK, Mode.OBSERVER, 0L, null, false,
                    1 << 20, 0L, false);
        }
    }

    @Benchmark
    public int publishAndDrain() throws InterruptedException {
        SessionEvent event = new SessionEvent.Output(++seq, 0L, offset, chunk);
        offset += CHUNK;
        for (Attachment a : attachments) {
            a.offer(event);
        }
        int delivered = 0;
        for (Attachment a : attachments) {
            if (a.poll(0, Duration.ZERO) instanceof Delivery.Event) {
                delivered++;
            }
        }
        return delivered;
    }
}

package io.cmdop.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OutputHandoffTest {
    @Test
    void aSmallChunkWithNothingPendingIsProcessedByTheReaderItself() throws Exception {
        AtomicReference<Thread> processedOn = new AtomicReference<>();
        OutputHandoff handoff = new OutputHandoff(chunk -> processedOn.set(Thread.currentThread()), "test", () -> { }, () -> { });
        handoff.accept(new byte[] {'x'});
        assertThat(processedOn.get()).isSameAs(Thread.currentThread());
    }

    @Test
    void chunksAreProcessedInOrderAndOneAtATimeWhileTheReaderGoesOn() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger active = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        OutputHandoff handoff = new OutputHandoff(chunk -> {
            if (active.incrementAndGet() > 1) {
                overlaps.incrementAndGet();
            }
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            order.add((int) chunk[0]);
            active.decrementAndGet();
        }, "test", () -> { }, () -> { });
        handoff.accept(chunk(0, 64 * 1024)); // busy output: handed to a thread of its own
        for (int i = 1; i <= 10; i++) {
            // The reader is not held up by the processing; small chunks now queue behind the first.
            handoff.accept(chunk(i, i % 2 == 0 ? 10 : 8 * 1024));
        }
        assertThat(order).as("nothing processed while the first chunk holds the processing").isEmpty();
        release.countDown();
        handoff.awaitProcessed();
        assertThat(order).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        assertThat(overlaps.get()).isZero();
    }

    @Test
    void theReaderIsToldToStopOnceAMebibyteIsPendingAndToGoOnWhenHalfOfItIsProcessed() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger processed = new AtomicInteger();
        List<String> told = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch resumed = new CountDownLatch(1);
        OutputHandoff handoff = new OutputHandoff(chunk -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            processed.incrementAndGet();
        }, "test", () -> told.add("stop"), () -> {
            told.add("resume");
            resumed.countDown();
        });
        int accepted = 0;
        while (told.isEmpty() && accepted < 40) {
            handoff.accept(chunk(accepted++, 64 * 1024)); // never waits: the reader may be an event loop
        }
        assertThat(told).containsExactly("stop");
        assertThat(accepted).as("chunks taken before the reader was told to stop").isBetween(16, 17);
        assertThat(processed.get()).isZero();
        release.countDown();
        assertThat(resumed.await(30, TimeUnit.SECONDS)).isTrue();
        handoff.awaitProcessed();
        assertThat(told).containsExactly("stop", "resume");
        assertThat(processed.get()).isEqualTo(accepted);
    }

    private static byte[] chunk(int tag, int size) {
        byte[] chunk = new byte[size];
        Arrays.fill(chunk, (byte) tag);
        return chunk;
    }
}

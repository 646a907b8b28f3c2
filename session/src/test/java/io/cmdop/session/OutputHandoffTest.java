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
        OutputHandoff handoff = new OutputHandoff(chunk -> processedOn.set(Thread.currentThread()), "test");
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
        }, "test");
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
    void theReaderWaitsOnceAMebibyteIsPendingAndGoesOnWhenItIsProcessed() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger processed = new AtomicInteger();
        OutputHandoff handoff = new OutputHandoff(chunk -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            processed.incrementAndGet();
        }, "test");
        Thread reader = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 40; i++) {
                handoff.accept(chunk(i, 64 * 1024));
            }
        });
        Blocking.awaitBlockedIn(reader, "awaitUninterruptibly", java.time.Duration.ofSeconds(30));
        assertThat(processed.get()).isZero();
        release.countDown();
        reader.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(reader.isAlive()).isFalse();
        handoff.awaitProcessed();
        assertThat(processed.get()).isEqualTo(40);
    }

    private static byte[] chunk(int tag, int size) {
        byte[] chunk = new byte[size];
        Arrays.fill(chunk, (byte) tag);
        return chunk;
    }
}

package io.cmdop.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.cmdop.session.pty.Pty;
import io.cmdop.session.pty.PtySpec;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ThreadPerPtyTest {
    @Test
    void aPausedWatchMakesNoCallUntilResumedAndThenReadsOnToTheEnd() throws Exception {
        int size = 1_000_000;
        ExecutorService resumer = Executors.newSingleThreadExecutor();
        try (Pty pty = Pty.spawn(PtySpec.builder("sh", "-c", "head -c " + size + " /dev/zero | tr '\\0' x").build())) {
            AtomicLong xs = new AtomicLong();
            AtomicLong callsWhilePaused = new AtomicLong();
            CompletableFuture<Void> ended = new CompletableFuture<>();
            byte[] buffer = new byte[64 * 1024];
            boolean[] paused = {false};
            PtyWatcher.threadPerPty().watch(pty, "test-output", watch -> {
                synchronized (paused) {
                    if (paused[0]) {
                        callsWhilePaused.incrementAndGet();
                    }
                    paused[0] = true;
                }
                int n;
                try {
                    n = pty.tryRead(buffer, 0, buffer.length);
                } catch (IOException e) {
                    n = -1;
                }
                if (n < 0) {
                    watch.cancel();
                    ended.complete(null);
                    return;
                }
                for (int i = 0; i < n; i++) {
                    xs.addAndGet(buffer[i] == 'x' ? 1 : 0);
                }
                watch.pause();
                resumer.execute(() -> {
                    synchronized (paused) {
                        paused[0] = false;
                    }
                    watch.resume();
                });
            });
            ended.get(30, TimeUnit.SECONDS);
            assertThat(xs.get()).isEqualTo(size);
            assertThat(callsWhilePaused.get()).isZero();
        } finally {
            resumer.shutdownNow();
        }
    }
}

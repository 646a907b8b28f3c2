package io.cmdop.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.cmdop.session.PtyWatcher;
import io.cmdop.session.pty.Pty;
import io.cmdop.session.pty.PtySpec;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The daemon's event loop watching real PTYs: every byte to the end, paused and resumed, closed. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoopPtyWatcherTest {
    private final MultiThreadIoEventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final LoopPtyWatcher watcher = new LoopPtyWatcher(loops);
    private final ExecutorService resumer = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() throws Exception {
        resumer.shutdownNow();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void aWatchPausedAfterEveryReadAndResumedFromAnotherThreadReadsEveryByteToTheEnd() throws Exception {
        int size = 2_000_000;
        try (Pty pty = Pty.spawn(PtySpec.builder("sh", "-c", "head -c " + size + " /dev/zero | tr '\\0' x; echo END")
                .build())) {
            ByteArrayOutputStream read = new ByteArrayOutputStream();
            CompletableFuture<Void> ended = new CompletableFuture<>();
            AtomicInteger pauses = new AtomicInteger();
            byte[] buffer = new byte[64 * 1024];
            watcher.watch(pty, "test", watch -> {
                int n = tryRead(pty, buffer);
                if (n < 0) {
                    watch.cancel();
                    ended.complete(null);
                } else if (n > 0) {
                    read.write(buffer, 0, n);
                    // As a session whose processing fell behind: no more calls until another thread says so.
                    watch.pause();
                    pauses.incrementAndGet();
                    resumer.execute(watch::resume);
                }
            });
            ended.get(30, TimeUnit.SECONDS);
            String text = read.toString(StandardCharsets.US_ASCII);
            assertThat(text.chars().filter(c -> c == 'x').count()).isEqualTo(size);
            assertThat(text).endsWith("END\r\n");
            assertThat(pauses.get()).isGreaterThan(1);
        }
    }

    @Test
    void busyOutputIsReadFromAThreadOfItsOwnAndTheLoopTakesOverAgainOnceItIsQuiet() throws Exception {
        int size = 2_000_000;
        try (Pty pty = Pty.spawn(PtySpec.builder("sh", "-c",
                "head -c " + size + " /dev/zero | tr '\\0' x; sleep 0.3; echo after").build())) {
            Thread loopThread = loops.next().submit(Thread::currentThread).get();
            StringBuilder read = new StringBuilder();
            List<Thread> callers = Collections.synchronizedList(new ArrayList<>());
            AtomicReference<Thread> readAfter = new AtomicReference<>();
            CompletableFuture<Void> ended = new CompletableFuture<>();
            byte[] buffer = new byte[64 * 1024];
            watcher.watch(pty, "busy-reader", watch -> {
                int n = tryRead(pty, buffer);
                if (n < 0) {
                    watch.cancel();
                    ended.complete(null);
                    return;
                }
                callers.add(Thread.currentThread());
                String text = new String(buffer, 0, n, StandardCharsets.US_ASCII);
                if (text.contains("after")) {
                    readAfter.set(Thread.currentThread());
                }
                read.append(text);
                if (n > 4096) {
                    watch.busy(); // as a session does
                }
            });
            ended.get(30, TimeUnit.SECONDS);
            assertThat(read.chars().filter(c -> c == 'x').count()).isEqualTo(size);
            assertThat(read.toString()).endsWith("after\r\n");
            assertThat(callers).as("calls from the busy reader").anyMatch(t -> t.getName().equals("busy-reader"));
            assertThat(callers.getFirst()).isSameAs(loopThread);
            assertThat(readAfter.get()).as("the line printed after a quiet spell").isSameAs(loopThread);
        }
    }

    @Test
    void closingThePtyCallsOnceMoreToReadTheEndAndTheDescriptorIsReturned() throws Exception {
        Pty pty = Pty.spawn(PtySpec.builder("sleep", "60").build());
        CompletableFuture<Integer> end = new CompletableFuture<>();
        byte[] buffer = new byte[1024];
        watcher.watch(pty, "test", watch -> {
            int n = tryRead(pty, buffer);
            if (n < 0) {
                watch.cancel();
                end.complete(n);
            }
        });
        Path master;
        try (Pty.MasterLease lease = pty.lendMaster(() -> { })) {
            master = Path.of("/proc/self/fd/" + lease.fd());
        }
        pty.close(); // the program still holds its side open: no hang-up comes
        assertThat(end.get(30, TimeUnit.SECONDS)).isEqualTo(-1);
        // The watch gave the descriptor back: the PTY closes its master once nothing uses it.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (isPtyMaster(master) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        assertThat(isPtyMaster(master)).as("master descriptor still open").isFalse();
        pty.kill();
    }

    private static boolean isPtyMaster(Path descriptor) {
        try {
            return Files.readSymbolicLink(descriptor).toString().equals("/dev/ptmx");
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void aPtyWatchedOnceTheLoopHasStoppedIsWatchedFromAThreadInstead() throws Exception {
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        try (Pty pty = Pty.spawn(PtySpec.builder("sh", "-c", "echo still-read").build())) {
            StringBuilder read = new StringBuilder();
            CompletableFuture<Thread> ended = new CompletableFuture<>();
            byte[] buffer = new byte[1024];
            watcher.watch(pty, "fallback-reader", watch -> {
                int n = tryRead(pty, buffer);
                if (n < 0) {
                    watch.cancel();
                    ended.complete(Thread.currentThread());
                } else {
                    read.append(new String(buffer, 0, n, StandardCharsets.US_ASCII));
                }
            });
            assertThat(ended.get(30, TimeUnit.SECONDS).getName()).isEqualTo("fallback-reader");
            assertThat(read.toString()).isEqualTo("still-read\r\n");
        }
    }

    private static int tryRead(Pty pty, byte[] buffer) {
        try {
            return pty.tryRead(buffer, 0, buffer.length);
        } catch (IOException e) {
            return -1;
        }
    }
}

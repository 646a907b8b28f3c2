package io.cmdop.session;

import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Hands the PTY reader's chunks to the session's processing (terminal model, ring, clients) in
 * order, one at a time. A terminal buffers only a few KiB: a reader that processed each chunk
 * itself would leave a fast program blocked on a full terminal for as long as that takes, so busy
 * output is processed on a virtual thread while the reader goes on reading. A small chunk (a
 * keystroke's echo) that finds nothing pending is processed by the reader at once, with no
 * hand-off on its way. Pending chunks are bounded: past that the reader is told to stop reading
 * (so the program waits, as on a slow terminal) until half of them are processed. The reader may
 * be an event loop, so nothing here waits for the processing.
 */
final class OutputHandoff {
    private static final long MAX_PENDING_BYTES = 1024 * 1024;
    private static final int INLINE_BYTES = 4096;

    private final Consumer<byte[]> process;
    private final String threadName;
    private final Runnable stopReading;
    private final Runnable resumeReading;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
    private long pendingBytes;
    /** A chunk is being processed; always true while chunks are pending. */
    private boolean busy;
    /** The reader was told to stop reading. */
    private boolean stopped;

    /**
     * {@code stopReading} and {@code resumeReading} are called under this hand-off's lock, so they
     * come in order; they must not wait.
     */
    OutputHandoff(Consumer<byte[]> process, String threadName, Runnable stopReading, Runnable resumeReading) {
        this.process = process;
        this.threadName = threadName;
        this.stopReading = stopReading;
        this.resumeReading = resumeReading;
    }

    /** Called by the reader, one chunk after the other; the chunk is handed over, not copied. */
    void accept(byte[] chunk) {
        lock.lock();
        try {
            if (busy || chunk.length > INLINE_BYTES) {
                pending.addLast(chunk);
                pendingBytes += chunk.length;
                if (pendingBytes >= MAX_PENDING_BYTES && !stopped) {
                    stopped = true;
                    stopReading.run();
                }
                if (!busy) {
                    busy = true;
                    Thread.ofVirtual().name(threadName).start(this::drain);
                }
                return;
            }
            busy = true;
        } finally {
            lock.unlock();
        }
        try {
            process.accept(chunk);
        } finally {
            idle();
        }
    }

    /** Waits until every chunk accepted so far has been processed. */
    void awaitProcessed() {
        lock.lock();
        try {
            while (busy) {
                changed.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
    }

    private void drain() {
        while (true) {
            byte[] chunk;
            lock.lock();
            try {
                chunk = pending.pollFirst();
                if (chunk == null) {
                    busy = false;
                    changed.signalAll();
                    return;
                }
                pendingBytes -= chunk.length;
                if (stopped && pendingBytes <= MAX_PENDING_BYTES / 2) {
                    stopped = false;
                    resumeReading.run();
                }
            } finally {
                lock.unlock();
            }
            boolean processed = false;
            try {
                process.accept(chunk);
                processed = true;
            } finally {
                if (!processed) {
                    idle();
                }
            }
        }
    }

    private void idle() {
        lock.lock();
        try {
            busy = !pending.isEmpty();
            if (busy) {
                Thread.ofVirtual().name(threadName).start(this::drain);
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}

package io.cmdop.session;

import io.cmdop.session.pty.Pty;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Writes accepted input to the PTY in acceptance order, on the session's own thread, so that a
 * program that stops reading its input blocks nobody: callers only enqueue, and a full backlog
 * refuses input instead of growing.
 */
final class InputWriter {
    private final Pty pty;
    private final long maxBytes;
    private final String threadName;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition available = lock.newCondition();
    private final ArrayDeque<byte[]> backlog = new ArrayDeque<>();
    private long backlogBytes;
    private boolean closed;
    private Thread thread;

    InputWriter(Pty pty, long maxBytes, String threadName) {
        this.pty = pty;
        this.maxBytes = maxBytes;
        this.threadName = threadName;
    }

    /** Queues bytes for the PTY; false when the backlog is full or the writer closed. */
    boolean offer(byte[] data) {
        lock.lock();
        try {
            if (closed || backlogBytes + data.length > maxBytes) {
                return false;
            }
            if (thread == null) {
                // Writes block in native code: a platform thread (ARCHITECTURE §8), started on first input.
                thread = Thread.ofPlatform().name(threadName).daemon().stackSize(256 * 1024).start(this::drain);
            }
            backlog.addLast(data);
            backlogBytes += data.length;
            available.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    void close() {
        lock.lock();
        try {
            closed = true;
            backlog.clear();
            backlogBytes = 0;
            available.signal();
        } finally {
            lock.unlock();
        }
    }

    private void drain() {
        while (true) {
            byte[] next;
            lock.lock();
            try {
                while (backlog.isEmpty() && !closed) {
                    available.awaitUninterruptibly();
                }
                if (closed) {
                    return;
                }
                next = backlog.pollFirst();
                backlogBytes -= next.length;
            } finally {
                lock.unlock();
            }
            try {
                pty.write(next, 0, next.length);
            } catch (IOException e) {
                // The terminal is gone; the session's exit path reports it. Stop accepting input.
                close();
                return;
            }
        }
    }
}

package io.cmdop.session;

import io.cmdop.session.pty.Pty;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Writes accepted input to the PTY in acceptance order. Input that the terminal takes at once (a
 * keystroke, a short paste) is written by the caller, with no thread hand-off on the echo's path;
 * the rest waits in a bounded backlog for the session's own writer thread, so that a program that
 * stops reading its input blocks nobody, and a full backlog refuses input instead of growing.
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
    /** The writer thread holds bytes taken from the backlog: they go before anything offered now. */
    private boolean writing;
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
            if (backlog.isEmpty() && !writing) {
                int written;
                try {
                    written = pty.tryWrite(data, 0, data.length);
                } catch (IOException e) {
                    closed = true; // the terminal is gone; the session's exit path reports it
                    available.signal();
                    return true;
                }
                if (written == data.length) {
                    return true;
                }
                data = Arrays.copyOfRange(data, written, data.length);
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
                writing = true;
            } finally {
                lock.unlock();
            }
            try {
                pty.write(next, 0, next.length);
            } catch (IOException e) {
                // The terminal is gone; the session's exit path reports it. Stop accepting input.
                close();
                return;
            } finally {
                lock.lock();
                writing = false;
                lock.unlock();
            }
        }
    }
}

package io.cmdop.session;

import io.cmdop.session.pty.Pty;
import java.io.IOException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/** Watches each PTY from a platform thread of its own (waits for output block in native code: ARCHITECTURE §8). */
final class ThreadPerPty implements PtyWatcher {
    static final ThreadPerPty INSTANCE = new ThreadPerPty();

    private ThreadPerPty() {
    }

    @Override
    public void watch(Pty pty, String name, Consumer<Watch> readable) {
        ThreadWatch watch = new ThreadWatch(pty, readable);
        Thread.ofPlatform().name(name).daemon().stackSize(512 * 1024).start(watch::run);
    }

    private static final class ThreadWatch implements Watch {
        private final Pty pty;
        private final Consumer<Watch> readable;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition resumed = lock.newCondition();
        private boolean paused;
        private volatile boolean cancelled;

        ThreadWatch(Pty pty, Consumer<Watch> readable) {
            this.pty = pty;
            this.readable = readable;
        }

        private void run() {
            while (awaitResumed()) {
                try {
                    pty.awaitOutput();
                } catch (IOException e) {
                    // The terminal is gone: the read that follows says so.
                }
                if (!cancelled) {
                    readable.accept(this);
                }
            }
        }

        /** False once cancelled. */
        private boolean awaitResumed() {
            lock.lock();
            try {
                while (paused && !cancelled) {
                    resumed.awaitUninterruptibly();
                }
                return !cancelled;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void pause() {
            lock.lock();
            try {
                paused = true;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void resume() {
            lock.lock();
            try {
                paused = false;
                resumed.signal();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void cancel() {
            lock.lock();
            try {
                cancelled = true;
                resumed.signal();
            } finally {
                lock.unlock();
            }
        }
    }
}

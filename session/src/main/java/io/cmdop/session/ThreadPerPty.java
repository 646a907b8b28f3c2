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
        start(new ThreadWatch(pty, readable, -1, () -> { }, () -> { }), name);
    }

    static void start(ThreadWatch watch, String name) {
        Thread.ofPlatform().name(name).daemon().stackSize(512 * 1024).start(watch::run);
    }

    static final class ThreadWatch implements Watch {
        private final Pty pty;
        private final Consumer<Watch> readable;
        /** -1: watches until cancelled. */
        private final int quietMillis;
        private final Runnable onQuiet;
        private final Runnable onCancel;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition resumed = lock.newCondition();
        private boolean paused;
        private boolean cancelled;

        ThreadWatch(Pty pty, Consumer<Watch> readable, int quietMillis, Runnable onQuiet, Runnable onCancel) {
            this.pty = pty;
            this.readable = readable;
            this.quietMillis = quietMillis;
            this.onQuiet = onQuiet;
            this.onCancel = onCancel;
        }

        private void run() {
            while (awaitResumed()) {
                boolean ready;
                try {
                    ready = pty.awaitOutput(quietMillis);
                } catch (IOException e) {
                    ready = true; // the terminal is gone: the read that follows says so
                }
                if (!ready) {
                    onQuiet.run(); // only calls pause it, and none came: nothing is paused
                    return;
                }
                if (awaitResumed()) {
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
                if (cancelled) {
                    return;
                }
                cancelled = true;
                resumed.signal();
            } finally {
                lock.unlock();
            }
            onCancel.run();
        }
    }
}

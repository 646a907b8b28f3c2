package io.cmdop.session.pty;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the threads using a set of file descriptors and closes them only when the last one is
 * done, so that a descriptor is never closed under a thread still in a native call on it (which
 * could then act on an unrelated file that reused the number).
 *
 * <p>Every use is bracketed: {@code if (guard.enter()) try { ... } finally { guard.exit(); }}.
 * {@link #close(Runnable)} refuses new uses, runs a wake-up action so that blocked users return,
 * and the release action runs exactly once, on whichever thread leaves last.
 */
final class CloseGuard {
    private static final int CLOSED = 1;
    private static final int ONE_USER = 2;

    /** Users times two, plus one once closed. */
    private final AtomicInteger state = new AtomicInteger();
    private final Runnable release;

    CloseGuard(Runnable release) {
        this.release = release;
    }

    /** Starts a use; false if closed, in which case the resources must not be touched. */
    boolean enter() {
        int current;
        do {
            current = state.get();
            if ((current & CLOSED) != 0) {
                return false;
            }
        } while (!state.compareAndSet(current, current + ONE_USER));
        return true;
    }

    /** Ends a use begun by a successful {@link #enter()}. */
    void exit() {
        if (state.addAndGet(-ONE_USER) == CLOSED) {
            release.run();
        }
    }

    boolean isClosed() {
        return (state.get() & CLOSED) != 0;
    }

    /**
     * Refuses new uses and runs {@code wakeUp} while the resources are still open; they are released
     * once every current user has left. Returns false if it was closed already.
     */
    boolean close(Runnable wakeUp) {
        int current;
        do {
            current = state.get();
            if ((current & CLOSED) != 0) {
                return false;
            }
        } while (!state.compareAndSet(current, (current + ONE_USER) | CLOSED));
        try {
            wakeUp.run();
        } finally {
            exit();
        }
        return true;
    }
}

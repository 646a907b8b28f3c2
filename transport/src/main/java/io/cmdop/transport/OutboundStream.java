package io.cmdop.transport;

import io.grpc.stub.ServerCallStreamObserver;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The server side of a streaming call, made safe to share: sends are serialised, and a sender can
 * wait until gRPC's flow control accepts more, so a client that stops reading leaves its messages
 * in the session's bounded queue instead of in an unbounded transport buffer.
 */
public final class OutboundStream<T> {
    /**
     * Bytes the transport may hold before a sender waits. gRPC's default (32 KiB) is less than one
     * busy output event (up to 64 KiB), which made every event wait for the one before it to reach
     * the socket; a few events in flight keep the socket busy, and the bound stays small.
     */
    private static final int READY_THRESHOLD = 256 * 1024;

    private final ServerCallStreamObserver<T> observer;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    private volatile boolean cancelled;
    private boolean closed;

    public OutboundStream(ServerCallStreamObserver<T> observer, Runnable onCancel) {
        this.observer = observer;
        observer.setOnReadyThreshold(READY_THRESHOLD);
        observer.setOnReadyHandler(this::signalReady);
        observer.setOnCancelHandler(() -> {
            cancelled = true;
            signalReady();
            onCancel.run();
        });
    }

    /**
     * Waits until the transport takes more; false when the call is gone. Untimed: a timed wait of a
     * virtual thread schedules a timer, and cancels it, on every wait.
     */
    public boolean awaitReady() throws InterruptedException {
        return awaitReadyNanos(-1);
    }

    /** As {@link #awaitReady()}; false also when the wait timed out. */
    public boolean awaitReady(long timeoutMillis) throws InterruptedException {
        return awaitReadyNanos(TimeUnit.MILLISECONDS.toNanos(timeoutMillis));
    }

    /** A negative {@code timeoutNanos} waits without a timeout. */
    private boolean awaitReadyNanos(long timeoutNanos) throws InterruptedException {
        long remaining = timeoutNanos;
        lock.lock();
        try {
            while (!cancelled && !closed && !observer.isReady()) {
                if (timeoutNanos < 0) {
                    ready.await();
                } else if (remaining <= 0) {
                    return false;
                } else {
                    remaining = ready.awaitNanos(remaining);
                }
            }
            return !cancelled && !closed;
        } finally {
            lock.unlock();
        }
    }

    /** Sends only if the transport takes it without waiting; false otherwise (nothing sent). */
    public boolean trySend(T message) {
        lock.lock();
        try {
            return !cancelled && !closed && observer.isReady() && send(message);
        } finally {
            lock.unlock();
        }
    }

    public boolean send(T message) {
        lock.lock();
        try {
            if (cancelled || closed) {
                return false;
            }
            observer.onNext(message);
            return true;
        } catch (RuntimeException e) {
            // The call went away between our check and the send.
            cancelled = true;
            return false;
        } finally {
            lock.unlock();
        }
    }

    public void complete() {
        lock.lock();
        try {
            if (!closed && !cancelled) {
                closed = true;
                observer.onCompleted();
            }
            closed = true;
            ready.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public void fail(Throwable error) {
        lock.lock();
        try {
            if (!closed && !cancelled) {
                closed = true;
                observer.onError(error);
            }
            closed = true;
            ready.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public boolean cancelled() {
        return cancelled;
    }

    private void signalReady() {
        lock.lock();
        try {
            ready.signalAll();
        } finally {
            lock.unlock();
        }
    }
}

package io.cmdop.daemon;

import io.cmdop.session.PtyWatcher;
import io.cmdop.session.pty.Pty;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Watches the sessions' PTYs from the daemon's event loop (epoll): a keystroke's echo is read by
 * the loop that sends it on to the client, with no thread woken in between, and an idle session
 * costs no thread. Busy output is read from a platform thread of its own while it lasts, as it was
 * before: a loop that also writes to many clients reads a PTY only once per turn, and the program
 * would wait for it.
 */
final class LoopPtyWatcher implements PtyWatcher {
    private static final Logger LOG = Logger.getLogger(LoopPtyWatcher.class.getName());
    /** Quiet this long, busy output goes back to the loop. */
    private static final int BUSY_UNTIL_QUIET_MILLIS = 50;

    private final IoEventLoopGroup loops;

    LoopPtyWatcher(IoEventLoopGroup loops) {
        this.loops = loops;
    }

    @Override
    public void watch(Pty pty, String name, Consumer<Watch> readable) throws IOException {
        LoopWatch watch = new LoopWatch(loops.next(), pty, name, readable);
        watch.lease = pty.lendMaster(watch::ptyClosed);
        try {
            watch.loop.execute(watch::register);
        } catch (RejectedExecutionException e) {
            watch.fallBack(e); // the daemon is stopping: its sessions still end as programs do
        }
    }

    /**
     * Calls come from the loop until a call says the output is busy; the PTY is then lent to a
     * thread of its own ({@link PtyWatcher#threadUntilQuiet}), whose watch the calls carry, and
     * taken back once that is quiet. The loop stops watching before the thread starts, and the
     * thread ends before the loop watches again, so calls never overlap.
     */
    private static final class LoopWatch implements Watch, EpollIoHandle {
        private final IoEventLoop loop;
        private final Pty pty;
        private final String name;
        private final Consumer<Watch> readable;
        private final ReentrantLock lock = new ReentrantLock();
        private Pty.MasterLease lease;
        private FileDescriptor fd;
        private IoRegistration registration;
        private boolean paused;
        private boolean cancelled;
        /** The PTY was closed: no readiness may ever come, the next call reads the end. */
        private boolean closed;
        /** A call said busy: the PTY is lent once calls may go on. */
        private boolean busy;
        /** A thread of its own has the PTY. */
        private boolean lent;

        LoopWatch(IoEventLoop loop, Pty pty, String name, Consumer<Watch> readable) {
            this.loop = loop;
            this.pty = pty;
            this.name = name;
            this.readable = readable;
        }

        private void register() {
            if (isCancelled()) {
                lease.close();
                return;
            }
            fd = new FileDescriptor(lease.fd()); // never closed through this: the PTY owns the descriptor
            loop.register(this).addListener(done -> {
                if (!done.isSuccess()) {
                    fallBack(done.cause());
                    return;
                }
                lock.lock();
                try {
                    registration = (IoRegistration) done.getNow();
                    if (cancelled) {
                        registration.cancel();
                    } else {
                        interest();
                    }
                } finally {
                    lock.unlock();
                }
            });
        }

        private void fallBack(Throwable cause) {
            LOG.log(Level.SEVERE, name + ": cannot watch the terminal from an event loop; a thread waits for it", cause);
            lease.close();
            try {
                PtyWatcher.threadPerPty().watch(pty, name, readable);
            } catch (IOException e) {
                LOG.log(Level.SEVERE, name + ": the terminal closed before it could be watched", e);
            }
        }

        /**
         * Under the lock. Level-triggered: the loop calls again as long as output is left, one read
         * per turn. Otherwise edge-triggered with no events: at most a hang-up, once (Netty takes a
         * descriptor whose ops become NONE out of epoll, then fails to modify it back).
         */
        private void interest() {
            if (registration != null && registration.isValid()) {
                registration.submit(loopCalls() ? EpollIoOps.EPOLLIN : EpollIoOps.EPOLLET);
            }
        }

        private boolean loopCalls() {
            return !paused && !cancelled && !lent;
        }

        /** Under the lock: a busy PTY goes to a thread of its own, unless calls must wait. */
        private void lendIfBusy() {
            if (busy && !paused && !cancelled) {
                busy = false;
                lent = true;
                interest();
                PtyWatcher.threadUntilQuiet(pty, name, readable, BUSY_UNTIL_QUIET_MILLIS, this::takeBack, this::cancel);
            }
        }

        private void takeBack() {
            lock.lock();
            try {
                lent = false;
                interest();
                if (closed) {
                    loop.execute(this::callFromLoop);
                }
            } finally {
                lock.unlock();
            }
        }

        /** The PTY is closing: one more call reads its end (a thread it is lent to is woken by the close). */
        private void ptyClosed() {
            lock.lock();
            try {
                closed = true;
            } finally {
                lock.unlock();
            }
            try {
                loop.execute(this::callFromLoop);
            } catch (RejectedExecutionException e) {
                // The daemon is stopping and its loop with it: nothing reads this PTY any more.
            }
        }

        /** On the loop. */
        private void callFromLoop() {
            lock.lock();
            try {
                if (!loopCalls()) {
                    return;
                }
            } finally {
                lock.unlock();
            }
            readable.accept(this);
            lock.lock();
            try {
                lendIfBusy();
            } finally {
                lock.unlock();
            }
        }

        private boolean isCancelled() {
            lock.lock();
            try {
                return cancelled;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public FileDescriptor fd() {
            return fd;
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            callFromLoop();
        }

        @Override
        public void unregistered() {
            lease.close();
        }

        @Override
        public void close() {
            cancel();
        }

        @Override
        public void busy() {
            lock.lock();
            try {
                busy = true;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void pause() {
            lock.lock();
            try {
                paused = true;
                interest();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void resume() {
            lock.lock();
            try {
                paused = false;
                lendIfBusy();
                interest();
                if (closed && loopCalls()) {
                    loop.execute(this::callFromLoop);
                }
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
                // The lease goes back once the loop no longer watches the descriptor (unregistered);
                // a registration still on its way, or not begun, finds the watch cancelled.
                if (registration != null) {
                    registration.cancel();
                }
            } finally {
                lock.unlock();
            }
        }
    }
}

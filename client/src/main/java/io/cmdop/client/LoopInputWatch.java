package io.cmdop.client;

import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.concurrent.Future;

import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Calls its reader from the transport's event loop (epoll, level-triggered) while the descriptor has
 * input or has hung up, so that what it reads and sends leaves on that same thread.
 */
final class LoopInputWatch implements InputWatch, EpollIoHandle {
    private static final Logger LOG = Logger.getLogger(LoopInputWatch.class.getName());

    private final FileDescriptor fd;
    /** The reader, as a scoped call, built once: the loop calls it for every key typed. */
    private final ScopedValue.CallableOp<Boolean, RuntimeException> read;
    private volatile IoRegistration registration;
    private volatile boolean closed;

    private LoopInputWatch(int fd, BooleanSupplier onReadable) {
        this.fd = new FileDescriptor(fd); // never closed through this: the caller owns the descriptor
        this.read = onReadable::getAsBoolean;
    }

    /** Empty when the loop cannot watch the descriptor (a regular file, a closed one). */
    static Optional<InputWatch> start(IoEventLoop loop, int fd, BooleanSupplier onReadable) {
        LoopInputWatch watch = new LoopInputWatch(fd, onReadable);
        Future<IoRegistration> registered = loop.register(watch).awaitUninterruptibly();
        Throwable refused = registered.cause();
        if (registered.isSuccess()) {
            watch.registration = registered.getNow();
            try {
                if (watch.registration.submit(EpollIoOps.EPOLLIN) >= 0) {
                    return Optional.of(watch);
                }
            } catch (UncheckedIOException e) { // epoll refuses it
                refused = e;
            }
            watch.close();
        }
        LOG.log(Level.FINE, "descriptor " + fd + " cannot be watched from the event loop", refused);
        return Optional.empty();
    }

    @Override
    public FileDescriptor fd() {
        return fd;
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        if (closed) {
            return;
        }
        boolean more;
        try {
            more = TransportThread.onTransportThread(read);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "reading descriptor " + fd.intValue() + " failed; no longer watched", e);
            more = false;
        }
        if (!more) {
            close(); // at its end, or with input its reader failed on, it would call back on every turn
        }
    }

    @Override
    public void unregistered() {
    }

    /** Also called by the loop when it shuts down; the descriptor is not closed. */
    @Override
    public void close() {
        closed = true;
        IoRegistration r = registration;
        if (r != null) {
            r.cancel();
        }
    }
}

package io.cmdop.session.pty;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Waits for the programs of every PTY on one platform thread, polling a pidfd per program. A thread
 * blocked in {@code waitid} per program would cost each idle session ~100 KiB of committed stack.
 */
final class Reaper {
    private static final long STACK_SIZE = 256 * 1024;

    private final ReentrantLock lock = new ReentrantLock();
    /** One entry per PTY whose program has not been reaped: bounded by the PTYs that exist. */
    private final Map<Integer, Pty> watched = new HashMap<>();
    private final int wakeUp;
    private final MemorySegment wakeUpValue = Arena.global().allocate(JAVA_LONG);
    private final MemorySegment state = Arena.global().allocate(LibC.CALL_STATE);

    private Reaper() throws IOException {
        wakeUp = LibC.eventfd(state, 0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        if (wakeUp < 0) {
            throw LibC.error("eventfd", LibC.errno(state));
        }
        Thread.ofPlatform().name("cmdop-pty-reaper").daemon().stackSize(STACK_SIZE).start(this::run);
    }

    private static final class Holder {
        static final Reaper INSTANCE;

        static {
            try {
                INSTANCE = new Reaper();
            } catch (IOException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    /** Reaps {@code pty}'s program ({@link Pty#reapExited()}) once it has exited, even if it already has. */
    static void watch(Pty pty, int pid) throws IOException {
        Holder.INSTANCE.add(pty, pid);
    }

    private void add(Pty pty, int pid) throws IOException {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment callState = call.allocate(LibC.CALL_STATE);
            int pidfd = LibC.pidfdOpen(callState, pid);
            if (pidfd < 0) {
                throw LibC.error("pidfd_open " + pid + " (cmdop needs Linux 5.3 or later)", LibC.errno(callState));
            }
            lock.lock();
            try {
                watched.put(pidfd, pty);
            } finally {
                lock.unlock();
            }
            MemorySegment one = call.allocate(JAVA_LONG);
            one.set(JAVA_LONG, 0, 1L);
            LibC.write(callState, wakeUp, one, JAVA_LONG.byteSize());
        }
    }

    private void run() {
        MemorySegment fds = MemorySegment.NULL;
        List<Integer> pidfds = new ArrayList<>();
        while (true) {
            pidfds.clear();
            lock.lock();
            try {
                pidfds.addAll(watched.keySet());
            } finally {
                lock.unlock();
            }
            int count = pidfds.size() + 1;
            if (fds.byteSize() < count * LibC.POLLFD_SIZE) {
                // Grown by doubling and freed by the GC: the set of programs changes far less often than it is polled.
                fds = Arena.ofAuto().allocate(Math.max(16, Integer.highestOneBit(count) * 2) * LibC.POLLFD_SIZE, 8);
            }
            setPollFd(fds, 0, wakeUp);
            for (int i = 0; i < pidfds.size(); i++) {
                setPollFd(fds, i + 1, pidfds.get(i));
            }
            if (LibC.poll(state, fds, count, -1) < 0) {
                continue; // EINTR: poll again
            }
            if (fds.get(JAVA_SHORT, 6) != 0) {
                LibC.read(state, wakeUp, wakeUpValue, JAVA_LONG.byteSize());
            }
            for (int i = 0; i < pidfds.size(); i++) {
                if (fds.get(JAVA_SHORT, (i + 1) * LibC.POLLFD_SIZE + 6) != 0) {
                    reap(pidfds.get(i));
                }
            }
        }
    }

    private void reap(int pidfd) {
        Pty pty;
        lock.lock();
        try {
            pty = watched.get(pidfd);
        } finally {
            lock.unlock();
        }
        if (pty.reapExited()) {
            lock.lock();
            try {
                watched.remove(pidfd);
            } finally {
                lock.unlock();
            }
            LibC.close(state, pidfd);
        }
    }

    private static void setPollFd(MemorySegment fds, int index, int fd) {
        long at = index * LibC.POLLFD_SIZE;
        fds.set(JAVA_INT, at, fd);
        fds.set(JAVA_SHORT, at + 4, LibC.POLLIN);
        fds.set(JAVA_SHORT, at + 6, (short) 0);
    }
}

package io.cmdop.session.pty;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A pseudo-terminal with a program running on its slave side, driven from its master side. Linux
 * only (Linux 5.3 and glibc 2.36 or later), built on the Foreign Function &amp; Memory API: the JVM needs
 * {@code --enable-native-access=ALL-UNNAMED}.
 *
 * <p>The program is started with {@code posix_spawn} in a new session whose controlling terminal is
 * the slave, so job control works as in a terminal emulator: {@link #signal(Signal)} reaches the
 * foreground process group, {@link #resize(int, int)} sends it {@code SIGWINCH}. The program gets no
 * file descriptor of the JVM besides the terminal on 0, 1 and 2.
 *
 * <h2>Threads</h2>
 * All methods are thread-safe. Reading and writing are independent: a reader never holds anything a
 * writer needs, so one thread can block in {@link #read} while another writes. {@link #read} waits
 * in native code ({@code poll}), so it must run on a <b>platform thread</b>: a virtual thread would
 * pin its carrier for as long as the program is silent, and is refused. A server with an event loop
 * can instead watch the master itself ({@link #lendMaster}) and take the output with
 * {@link #tryRead}, which never waits. {@link #write} can also wait
 * in native code, when the program does not consume its input; keep it off virtual threads too if
 * that can last. {@link #waitFor()} and {@link #onExit()} are fine on virtual threads: one platform
 * thread waits for the programs of every PTY.
 *
 * <h2>Lifecycle</h2>
 * {@link #close()} closes the master and wakes up blocked readers (they get -1) and writers (they
 * get an {@link IOException}). It sends no signal itself, but closing the master hangs up the
 * terminal, and the kernel then sends {@code SIGHUP} to the program's session; a program that
 * ignores it keeps running. The process is always reaped, whether or not anybody waits for it.
 */
public final class Pty implements AutoCloseable {
    /**
     * Size of each native transfer buffer; a system call moves at most this much. A terminal hands
     * over at most 4 KiB per read on Linux: bigger buffers only cost memory per session.
     */
    static final int BUFFER_SIZE = 4 * 1024;

    private static final String MASTER_PATH = "/dev/ptmx";

    private final int master;
    private final int wakeUp;
    private final int pid;
    private final String ttyName;
    private final Arena arena;
    private final CloseGuard guard;

    private final ReentrantLock readLock = new ReentrantLock();
    private final MemorySegment readBuffer;
    private final MemorySegment readPoll;
    private final MemorySegment readState;
    private boolean endOfOutput;

    /** Lent descriptors (one per watching loop): each holds a use of the guard until returned. */
    private final Set<MasterLease> leases = ConcurrentHashMap.newKeySet();

    private final ReentrantLock writeLock = new ReentrantLock();
    private final MemorySegment writeBuffer;
    private final MemorySegment writePoll;
    private final MemorySegment writeState;

    private final ReentrantLock reapLock = new ReentrantLock();
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private boolean reaped;

    private Pty(int master, int wakeUp, int pid, String ttyName, Arena arena) {
        this.master = master;
        this.wakeUp = wakeUp;
        this.pid = pid;
        this.ttyName = ttyName;
        this.arena = arena;
        this.guard = new CloseGuard(this::releaseDescriptors);
        this.readBuffer = arena.allocate(BUFFER_SIZE, 64);
        this.readPoll = arena.allocate(2 * LibC.POLLFD_SIZE, 8);
        this.readState = arena.allocate(LibC.CALL_STATE);
        this.writeBuffer = arena.allocate(BUFFER_SIZE, 64);
        this.writePoll = arena.allocate(2 * LibC.POLLFD_SIZE, 8);
        this.writeState = arena.allocate(LibC.CALL_STATE);
    }

    /**
     * Opens a new pseudo-terminal of the spec's size and starts the spec's program on it.
     *
     * @throws IOException if the program cannot be found or started (the message names it and says
     *     why), if the working directory does not exist, or if no terminal can be allocated
     * @throws UnsupportedOperationException on anything but Linux
     */
    public static Pty spawn(PtySpec spec) throws IOException {
        Objects.requireNonNull(spec, "spec");
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
            throw new UnsupportedOperationException("Pty supports Linux only, not " + System.getProperty("os.name"));
        }
        if (!Files.isDirectory(spec.workingDirectory())) {
            throw new IOException("cannot start '" + spec.command().getFirst() + "': working directory "
                    + spec.workingDirectory() + " does not exist or is not a directory");
        }
        String executable = Spawner.resolveExecutable(spec);
        int master = -1;
        int wakeUp = -1;
        Arena arena = Arena.ofShared();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = call.allocate(LibC.CALL_STATE);
            master = LibC.open(state, call.allocateFrom(MASTER_PATH),
                    LibC.O_RDWR | LibC.O_NOCTTY | LibC.O_CLOEXEC | LibC.O_NONBLOCK, 0);
            if (master < 0) {
                throw LibC.error("open " + MASTER_PATH, LibC.errno(state));
            }
            if (LibC.grantpt(state, master) != 0) {
                throw LibC.error("grantpt", LibC.errno(state));
            }
            if (LibC.unlockpt(state, master) != 0) {
                throw LibC.error("unlockpt", LibC.errno(state));
            }
            MemorySegment name = call.allocate(256);
            int error = LibC.ptsname_r(master, name, name.byteSize());
            if (error != 0) {
                throw LibC.error("ptsname_r", error);
            }
            String ttyName = name.getString(0);
            setWindowSize(call, state, master, spec.columns(), spec.rows());
            wakeUp = LibC.eventfd(state, 0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
            if (wakeUp < 0) {
                throw LibC.error("eventfd", LibC.errno(state));
            }
            Pty pty = new Pty(master, wakeUp, Spawner.spawn(spec, executable, ttyName), ttyName, arena);
            Reaper.watch(pty, pty.pid);
            return pty;
        } catch (IOException | RuntimeException | Error e) {
            closeQuietly(master);
            closeQuietly(wakeUp);
            arena.close();
            throw e;
        }
    }

    /** The process id of the program. */
    public long pid() {
        return pid;
    }

    /** The path of the slave side, as the program's {@code tty} prints it, for example {@code /dev/pts/3}. */
    public String ttyName() {
        return ttyName;
    }

    /**
     * Reads output of the program, blocking until some is available, then taking what else is
     * already available up to {@code length}: a program writing fast is read in large chunks, a
     * lone keystroke's echo at once. Returns the number of bytes
     * read (at least one), or -1 at the end: when no process holds the slave open any more (the
     * kernel reports {@code EIO}), or once this PTY is closed, also when a read was already waiting.
     *
     * <p>Blocks in native code: call it on a platform thread, never on a virtual thread. The wait
     * does not respond to {@link Thread#interrupt()}; {@link #close()} ends it.
     *
     * @throws IllegalStateException if called on a virtual thread
     */
    public int read(byte[] buffer, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, buffer.length);
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("Pty.read blocks in native code; call it on a platform thread, not a virtual thread");
        }
        return read(buffer, offset, length, true);
    }

    /**
     * Reads the output already available, up to {@code length}, without waiting: returns the number
     * of bytes read, 0 when there is none yet, or -1 at the end (as {@link #read}). Cheap enough for
     * any thread: an event loop told by {@link #lendMaster} that output is there, or a thread that
     * waited in {@link #awaitOutput}.
     */
    public int tryRead(byte[] buffer, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, buffer.length);
        return read(buffer, offset, length, false);
    }

    private int read(byte[] buffer, int offset, int length, boolean wait) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (!guard.enter()) {
            return -1;
        }
        try {
            readLock.lock();
            try {
                return readLocked(buffer, offset, length, wait);
            } finally {
                readLock.unlock();
            }
        } finally {
            guard.exit();
        }
    }

    /**
     * Waits until a {@link #tryRead} would not return 0: output is there, the program's side is
     * gone, or this PTY is closed. Blocks in native code, like {@link #read}: a platform thread only.
     *
     * @throws IllegalStateException if called on a virtual thread
     */
    public void awaitOutput() throws IOException {
        awaitOutput(-1);
    }

    /**
     * As {@link #awaitOutput()}, for at most {@code timeoutMillis} (-1: no limit); false if that
     * passed first.
     */
    public boolean awaitOutput(int timeoutMillis) throws IOException {
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("Pty.awaitOutput blocks in native code; call it on a platform thread, not a virtual thread");
        }
        if (!guard.enter()) {
            return true;
        }
        try {
            readLock.lock();
            try {
                return endOfOutput || awaitReady(readPoll, readState, LibC.POLLIN, timeoutMillis) != 0;
            } finally {
                readLock.unlock();
            }
        } finally {
            guard.exit();
        }
    }

    /**
     * Lends the master's descriptor to an event loop that watches it for output (epoll) instead of a
     * thread waiting in {@link #read}. The descriptor stays open, even past {@link #close()}, until
     * the lease is returned, so that the loop never acts on a number another file has reused;
     * {@link #close()} runs {@code onClose} first, for the loop to stop watching and return it.
     *
     * @throws IOException if this PTY is closed
     */
    public MasterLease lendMaster(Runnable onClose) throws IOException {
        Objects.requireNonNull(onClose, "onClose");
        if (!guard.enter()) {
            throw closed();
        }
        MasterLease lease = new MasterLease(onClose);
        leases.add(lease);
        return lease;
    }

    /** The master's descriptor, lent by {@link #lendMaster}. */
    public final class MasterLease implements AutoCloseable {
        private final Runnable onClose;
        private final AtomicBoolean returned = new AtomicBoolean();

        private MasterLease(Runnable onClose) {
            this.onClose = onClose;
        }

        /** The descriptor: watch it, never read, write or close it (that is this PTY's). */
        public int fd() {
            return master;
        }

        /** Returns the descriptor; idempotent. The loop must no longer use its number. */
        @Override
        public void close() {
            if (returned.compareAndSet(false, true)) {
                leases.remove(this);
                guard.exit();
            }
        }
    }

    /** Waits for the first bytes unless told not to, then takes whatever else is already there. */
    private int readLocked(byte[] buffer, int offset, int length, boolean wait) throws IOException {
        int total = 0;
        while (!endOfOutput && total < length) {
            long count = LibC.read(readState, master, readBuffer, Math.min(length - total, BUFFER_SIZE));
            if (count > 0) {
                MemorySegment.copy(readBuffer, JAVA_BYTE, 0, buffer, offset + total, (int) count);
                total += (int) count;
                continue;
            }
            int errno = count == 0 ? 0 : LibC.errno(readState);
            if (count == 0 || errno == LibC.EIO) {
                endOfOutput = true;
            } else if (errno == LibC.EAGAIN) {
                if (total > 0 || !wait) {
                    return total;
                }
                if (awaitReady(readPoll, readState, LibC.POLLIN, -1) < 0) {
                    return -1;
                }
            } else if (errno != LibC.EINTR) {
                if (total > 0) {
                    return total; // the next read reports the error
                }
                throw LibC.error("read " + ttyName, errno);
            }
        }
        return total > 0 ? total : -1;
    }

    /**
     * Writes all of {@code data[offset, offset + length)} to the program's input, waiting while the
     * terminal's input queue is full.
     *
     * @throws IOException if this PTY is closed (also while waiting) or the terminal rejects the write
     */
    public void write(byte[] data, int offset, int length) throws IOException {
        transfer(data, offset, length, true);
    }

    /**
     * Writes what the terminal's input queue takes now of {@code data[offset, offset + length)},
     * without waiting: returns how many bytes it took (0 when the queue is full). Cheap enough for
     * any thread, virtual ones included.
     *
     * @throws IOException if this PTY is closed or the terminal rejects the write
     */
    public int tryWrite(byte[] data, int offset, int length) throws IOException {
        return transfer(data, offset, length, false);
    }

    /** Writes through the native buffer, chunk by chunk; stops at a full input queue unless {@code wait}. */
    private int transfer(byte[] data, int offset, int length, boolean wait) throws IOException {
        Objects.checkFromIndexSize(offset, length, data.length);
        if (!guard.enter()) {
            throw closed();
        }
        try {
            writeLock.lock();
            try {
                int done = 0;
                while (done < length) {
                    int chunk = Math.min(length - done, BUFFER_SIZE);
                    MemorySegment.copy(data, offset + done, writeBuffer, JAVA_BYTE, 0, chunk);
                    int written = writeChunk(chunk, wait);
                    done += written;
                    if (written < chunk) {
                        break;
                    }
                }
                return done;
            } finally {
                writeLock.unlock();
            }
        } finally {
            guard.exit();
        }
    }

    /** Writes writeBuffer[0, length); returns less only when not waiting and the input queue is full. */
    private int writeChunk(int length, boolean wait) throws IOException {
        long written = 0;
        while (written < length) {
            long count = LibC.write(writeState, master, writeBuffer.asSlice(written), length - written);
            if (count > 0) {
                written += count;
                continue;
            }
            int errno = count == 0 ? LibC.EAGAIN : LibC.errno(writeState);
            if (errno == LibC.EAGAIN) {
                if (!wait) {
                    break;
                }
                int events = awaitReady(writePoll, writeState, LibC.POLLOUT, -1);
                if (events < 0) {
                    throw closed();
                }
                if ((events & LibC.POLLOUT) == 0 && (events & (LibC.POLLHUP | LibC.POLLERR)) != 0) {
                    throw new IOException("write " + ttyName + ": the terminal was hung up");
                }
            } else if (errno != LibC.EINTR) {
                throw LibC.error("write " + ttyName, errno);
            }
        }
        return (int) written;
    }

    /**
     * Waits until the master is ready for {@code events} or this PTY is closed, for at most
     * {@code timeoutMillis} (-1: no limit). Returns the master's ready events (0 if the time passed
     * first), or -1 if closed.
     */
    private int awaitReady(MemorySegment fds, MemorySegment state, short events, int timeoutMillis) throws IOException {
        fds.set(JAVA_INT, 0, master);
        fds.set(JAVA_SHORT, 4, events);
        fds.set(JAVA_SHORT, 6, (short) 0);
        fds.set(JAVA_INT, 8, wakeUp);
        fds.set(JAVA_SHORT, 12, LibC.POLLIN);
        fds.set(JAVA_SHORT, 14, (short) 0);
        while (LibC.poll(state, fds, 2, timeoutMillis) < 0) {
            int errno = LibC.errno(state);
            if (errno != LibC.EINTR) {
                throw LibC.error("poll " + ttyName, errno);
            }
        }
        if (fds.get(JAVA_SHORT, 14) != 0) {
            return -1;
        }
        short ready = fds.get(JAVA_SHORT, 6);
        if ((ready & LibC.POLLNVAL) != 0) {
            throw new IOException("poll " + ttyName + ": the master descriptor is not open");
        }
        return ready;
    }

    /**
     * Sets the terminal size ({@code TIOCSWINSZ} on the master). If it changed, the kernel sends
     * {@code SIGWINCH} to the foreground process group.
     *
     * @throws IllegalArgumentException unless both are 1 to 65535
     */
    public void resize(int columns, int rows) throws IOException {
        PtySpec.checkSize(columns, rows);
        if (!guard.enter()) {
            throw closed();
        }
        try (Arena call = Arena.ofConfined()) {
            setWindowSize(call, call.allocate(LibC.CALL_STATE), master, columns, rows);
        } finally {
            guard.exit();
        }
    }

    private static void setWindowSize(Arena call, MemorySegment state, int fd, int columns, int rows)
            throws IOException {
        MemorySegment size = call.allocate(LibC.WINSIZE_SIZE, 2);
        size.set(JAVA_SHORT, 0, (short) rows);
        size.set(JAVA_SHORT, 2, (short) columns);
        if (LibC.ioctl(state, fd, LibC.TIOCSWINSZ, size) != 0) {
            throw LibC.error("ioctl TIOCSWINSZ", LibC.errno(state));
        }
    }

    /**
     * Sends {@code signal} the way the terminal's own keys do ({@code ^C} is {@link Signal#INT}): to
     * the terminal's foreground process group, or, if it has none, to the program's process group.
     *
     * @throws IOException if there is nobody to signal, the program having exited and been reaped
     */
    public void signal(Signal signal) throws IOException {
        Objects.requireNonNull(signal, "signal");
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = call.allocate(LibC.CALL_STATE);
            int foreground = foregroundGroup(state);
            if (foreground > 0 && fromTheKeyboard(signal)) {
                discardTypedAhead(state);
            }
            if (foreground > 0 && LibC.kill(state, -foreground, signal.number()) == 0) {
                return;
            }
            // No foreground group (or it just vanished): the program's own group.
            reapLock.lock();
            try {
                if (reaped) {
                    throw new IOException("cannot send " + signal.signalName() + ": process " + pid + " has exited");
                }
                if (!signalProgram(state, signal)) {
                    throw LibC.error("kill " + pid + " " + signal.signalName(), LibC.errno(state));
                }
            } finally {
                reapLock.unlock();
            }
        }
    }

    /**
     * Does what the kernel does when a terminal hangs up, without closing anything: sends
     * {@code SIGHUP} and then {@code SIGCONT} to the program (the session leader) and to the
     * terminal's foreground process group. A shell passes the hangup on to its jobs and exits; the
     * output stays readable until the end.
     *
     * @throws IOException if there is nobody to signal, the program having exited and been reaped
     */
    public void hangUp() throws IOException {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = call.allocate(LibC.CALL_STATE);
            int foreground = foregroundGroup(state);
            boolean sent = false;
            if (foreground > 0 && LibC.kill(state, -foreground, Signal.HUP.number()) == 0) {
                LibC.kill(state, -foreground, Signal.CONT.number());
                sent = true;
            }
            reapLock.lock();
            try {
                if (!reaped && LibC.kill(state, pid, Signal.HUP.number()) == 0) {
                    LibC.kill(state, pid, Signal.CONT.number());
                    sent = true;
                }
            } finally {
                reapLock.unlock();
            }
            if (!sent) {
                throw new IOException("cannot hang up: process " + pid + " has exited");
            }
        }
    }

    /**
     * Kills with {@code SIGKILL} the terminal's foreground process group and the program's process
     * group. Does nothing for what has already exited; never fails.
     */
    public void kill() {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = call.allocate(LibC.CALL_STATE);
            int foreground = foregroundGroup(state);
            if (foreground > 0) {
                LibC.kill(state, -foreground, Signal.KILL.number());
            }
            reapLock.lock();
            try {
                if (!reaped) {
                    signalProgram(state, Signal.KILL);
                }
            } finally {
                reapLock.unlock();
            }
        }
    }

    /** The terminal's foreground process group ({@code tcgetpgrp} on the master), or -1 if none. */
    private static boolean fromTheKeyboard(Signal signal) {
        return signal == Signal.INT || signal == Signal.QUIT || signal == Signal.TSTP;
    }

    /**
     * What the line discipline does besides signalling when ^C, ^\ or ^Z is typed: the input the
     * program has not read yet is discarded, unless the program asked otherwise (NOFLSH) or reads
     * those keys as input (no ISIG). Without it, "sleep 60" typed just before an interrupt could
     * start after it. Only the slave side flushes that input (through the master, TCFLSH flushes
     * the other way). Best effort: a flush that fails leaves the signal as it was.
     */
    private void discardTypedAhead(MemorySegment state) {
        try (Arena call = Arena.ofConfined()) {
            int slave = LibC.open(state, call.allocateFrom(ttyName), LibC.O_RDWR | LibC.O_NOCTTY | LibC.O_NONBLOCK
                    | LibC.O_CLOEXEC, 0);
            if (slave < 0) {
                return;
            }
            try {
                MemorySegment termios = call.allocate(LibC.TERMIOS_SIZE);
                if (LibC.ioctl(state, slave, LibC.TCGETS, termios) != 0) {
                    return;
                }
                int lflag = termios.get(JAVA_INT, LibC.TERMIOS_LFLAG_OFFSET);
                if ((lflag & LibC.ISIG) != 0 && (lflag & LibC.NOFLSH) == 0) {
                    LibC.ioctl(state, slave, LibC.TCFLSH, MemorySegment.ofAddress(LibC.TCIFLUSH));
                }
            } finally {
                LibC.close(state, slave);
            }
        }
    }

    private int foregroundGroup(MemorySegment state) {
        if (!guard.enter()) {
            return -1;
        }
        try {
            return LibC.tcgetpgrp(state, master);
        } finally {
            guard.exit();
        }
    }

    /**
     * Signals the program's process group, or the program alone if it has left its group. Call it
     * holding {@link #reapLock} after checking {@link #reaped}: the pid cannot be reaped, and so
     * reused by another process, in between.
     */
    private boolean signalProgram(MemorySegment state, Signal signal) {
        if (LibC.kill(state, -pid, signal.number()) == 0) {
            return true;
        }
        return LibC.errno(state) == LibC.ESRCH && LibC.kill(state, pid, signal.number()) == 0;
    }

    /**
     * Waits for the program to end and returns its exit code, or 128 plus the signal number if a
     * signal killed it (as a shell reports it). Any number of threads may wait, any number of times.
     *
     * @throws IllegalStateException if the process could not be waited for (somebody else reaped it)
     */
    public int waitFor() throws InterruptedException {
        try {
            return exit.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot wait for process " + pid, e.getCause());
        }
    }

    /** Like {@link #waitFor()}, giving up after {@code timeout}: empty if the program still runs. */
    public OptionalInt waitFor(Duration timeout) throws InterruptedException {
        try {
            return OptionalInt.of(exit.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            return OptionalInt.empty();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot wait for process " + pid, e.getCause());
        }
    }

    /** The exit status as {@link #waitFor()} returns it, if the program has ended and been reaped. */
    public OptionalInt exitStatus() {
        Integer status = exit.getNow(null);
        return status == null ? OptionalInt.empty() : OptionalInt.of(status);
    }

    /** Completes with the exit status when the program ends; completing the returned future does nothing. */
    public CompletableFuture<Integer> onExit() {
        return exit.copy();
    }

    /**
     * Closes the master side; idempotent. Blocked {@link #read}s return -1 and blocked
     * {@link #write}s fail. Sends no signal, but the terminal is hung up (see the class comment).
     */
    @Override
    public void close() {
        guard.close(this::wakeUpWaiters);
    }

    @Override
    public String toString() {
        return "Pty[pid=" + pid + ", tty=" + ttyName + (guard.isClosed() ? ", closed" : "")
                + exitStatus().stream().mapToObj(s -> ", exit=" + s).findFirst().orElse("") + "]";
    }

    private IOException closed() {
        return new IOException("Pty " + ttyName + " is closed");
    }

    private void wakeUpWaiters() {
        for (MasterLease lease : leases) {
            lease.onClose.run();
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment one = call.allocate(JAVA_LONG);
            one.set(JAVA_LONG, 0, 1L);
            LibC.write(call.allocate(LibC.CALL_STATE), wakeUp, one, JAVA_LONG.byteSize());
        }
    }

    /** Runs once, when closed and no thread uses the descriptors any more. */
    private void releaseDescriptors() {
        closeQuietly(master);
        closeQuietly(wakeUp);
        arena.close();
    }

    private static void closeQuietly(int fd) {
        if (fd >= 0) {
            try (Arena call = Arena.ofConfined()) {
                LibC.close(call.allocate(LibC.CALL_STATE), fd);
            }
        }
    }

    /**
     * Reaps the program once {@link Reaper} saw it exit, under the lock that {@link #signal} takes,
     * so that a signal never reaches a process that reused the pid. Returns false if it is still
     * there to reap later. Completes {@link #exit} on a thread of its own: whatever a caller chained
     * to it must not hold up the reaper of every other PTY, and neither may a failure here.
     */
    boolean reapExited() {
        Throwable failure;
        try {
            OptionalInt status = reapNow();
            if (status.isEmpty()) {
                return false;
            }
            int code = status.getAsInt();
            Thread.startVirtualThread(() -> exit.complete(code));
            return true;
        } catch (IOException | RuntimeException | Error e) {
            failure = e;
        }
        Thread.startVirtualThread(() -> exit.completeExceptionally(failure));
        return true;
    }

    /** The exit status if the program has exited, reaping it; empty if it still runs. */
    private OptionalInt reapNow() throws IOException {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = call.allocate(LibC.CALL_STATE);
            MemorySegment status = call.allocate(JAVA_INT);
            reapLock.lock();
            try {
                int result;
                while ((result = LibC.waitpid(state, pid, status, LibC.WNOHANG)) < 0 && LibC.errno(state) == LibC.EINTR) {
                    // retry
                }
                if (result == 0) {
                    return OptionalInt.empty();
                }
                if (result != pid) {
                    throw LibC.error("waitpid " + pid, result < 0 ? LibC.errno(state) : LibC.ECHILD);
                }
                reaped = true;
                return OptionalInt.of(decode(status.get(JAVA_INT, 0)));
            } finally {
                reapLock.unlock();
            }
        }
    }

    /** A wait status as a shell reports it: the exit code, or 128 + the signal that killed it. */
    static int decode(int status) {
        int signal = status & 0x7f;
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal;
    }
}

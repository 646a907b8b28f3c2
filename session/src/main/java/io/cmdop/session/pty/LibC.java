package io.cmdop.session.pty;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few C library functions the PTY needs (Linux, glibc 2.34 or later), bound once through the
 * Foreign Function &amp; Memory API, with the constants of Linux x86_64/aarch64.
 *
 * <p>Functions that report failure through {@code errno} take, as their first argument, a segment
 * laid out as {@link #CALL_STATE} in which the linker captures {@code errno} right after the call
 * (reading {@code errno} later from Java would be unreliable: the JVM itself makes calls in between).
 * Functions of the {@code posix_spawn} family return an error number instead.
 *
 * <p>Binding these functions is a restricted operation: the JVM needs
 * {@code --enable-native-access=ALL-UNNAMED} (or the module's name), otherwise it prints a warning.
 */
@SuppressWarnings("restricted") // binding native functions is the point of this class
final class LibC {
    // open(2) and fcntl.h
    static final int O_RDWR = 0x2;
    static final int O_NOCTTY = 0x100;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;
    // sys/eventfd.h
    static final int EFD_NONBLOCK = 0x800;
    static final int EFD_CLOEXEC = 0x80000;
    // asm-generic/ioctls.h
    static final long TCGETS = 0x5401;
    static final long TCFLSH = 0x540B;
    /** {@code TCFLSH}'s argument: the input the program has not read yet. */
    static final long TCIFLUSH = 0;
    /** The kernel's {@code struct termios} (36 bytes) with room to spare; {@code c_lflag} at offset 12. */
    static final long TERMIOS_SIZE = 64;
    static final long TERMIOS_LFLAG_OFFSET = 12;
    static final int ISIG = 0x1;
    static final int NOFLSH = 0x80;
    static final long TIOCGWINSZ = 0x5413;
    static final long TIOCSWINSZ = 0x5414;
    // poll.h
    static final short POLLIN = 0x1;
    static final short POLLOUT = 0x4;
    static final short POLLERR = 0x8;
    static final short POLLHUP = 0x10;
    static final short POLLNVAL = 0x20;
    // sys/wait.h
    static final int WNOHANG = 0x1;
    // spawn.h
    static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    static final short POSIX_SPAWN_SETSID = 0x80;
    // errno.h
    static final int ESRCH = 3;
    static final int EINTR = 4;
    static final int EIO = 5;
    static final int ECHILD = 10;
    static final int EAGAIN = 11;

    /** Sizes of opaque glibc types, rounded up generously (x86_64: 336, 80, 128 bytes). */
    static final long SPAWNATTR_SIZE = 512;
    static final long FILE_ACTIONS_SIZE = 256;
    static final long SIGSET_SIZE = 128;

    /** struct pollfd { int fd; short events; short revents; } */
    static final long POLLFD_SIZE = 8;
    /** struct winsize { unsigned short ws_row, ws_col, ws_xpixel, ws_ypixel; } */
    static final long WINSIZE_SIZE = 8;

    /** Where the linker captures errno; allocate one per thread that makes calls. */
    static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();

    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option ERRNO_OPTION = Linker.Option.captureCallState("errno");

    private static final MethodHandle OPEN =
            bindWithErrno("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = bindWithErrno("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle READ =
            bindWithErrno("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE =
            bindWithErrno("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle POLL =
            bindWithErrno("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle IOCTL =
            bindWithErrno("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle GRANTPT = bindWithErrno("grantpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle UNLOCKPT = bindWithErrno("unlockpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle PTSNAME_R =
            bind("ptsname_r", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle EVENTFD = bindWithErrno("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle TCGETPGRP = bindWithErrno("tcgetpgrp", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle KILL = bindWithErrno("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle PIDFD_OPEN =
            bindWithErrno("pidfd_open", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle WAITPID =
            bindWithErrno("waitpid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));

    private static final MethodHandle SIGEMPTYSET = bind("sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SIGFILLSET = bind("sigfillset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SPAWN = bind("posix_spawn",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle SPAWNATTR_INIT =
            bind("posix_spawnattr_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SPAWNATTR_DESTROY =
            bind("posix_spawnattr_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SPAWNATTR_SETFLAGS =
            bind("posix_spawnattr_setflags", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
    private static final MethodHandle SPAWNATTR_SETSIGMASK =
            bind("posix_spawnattr_setsigmask", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SPAWNATTR_SETSIGDEFAULT =
            bind("posix_spawnattr_setsigdefault", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle ACTIONS_INIT =
            bind("posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ACTIONS_DESTROY =
            bind("posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ACTIONS_ADDOPEN = bind("posix_spawn_file_actions_addopen",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACTIONS_ADDDUP2 =
            bind("posix_spawn_file_actions_adddup2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACTIONS_ADDCHDIR =
            bind("posix_spawn_file_actions_addchdir_np", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle ACTIONS_ADDCLOSEFROM =
            bind("posix_spawn_file_actions_addclosefrom_np", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));

    private static final MethodHandle STRERRORDESC = bind("strerrordesc_np", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final MethodHandle STRERRORNAME = bind("strerrorname_np", FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private LibC() {}

    private static MethodHandle bind(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("C library function not found: " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    private static MethodHandle bindWithErrno(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        Linker.Option[] all = new Linker.Option[options.length + 1];
        all[0] = ERRNO_OPTION;
        System.arraycopy(options, 0, all, 1, options.length);
        return bind(name, descriptor, all);
    }

    /** The errno captured by the last call that was given {@code state}. */
    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** An exception for a failed call: {@code "read: Input/output error (EIO)"}. */
    static IOException error(String call, int errno) {
        return new IOException(call + ": " + describe(errno));
    }

    /** The text of an error number with its symbolic name: {@code "No such file or directory (ENOENT)"}. */
    static String describe(int errno) {
        String text = cString(STRERRORDESC, errno);
        String name = cString(STRERRORNAME, errno);
        return (text == null ? "unknown error " + errno : text) + (name == null ? "" : " (" + name + ")");
    }

    private static String cString(MethodHandle function, int errno) {
        try {
            MemorySegment text = (MemorySegment) function.invokeExact(errno);
            return text.equals(MemorySegment.NULL) ? null : text.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int open(MemorySegment state, MemorySegment path, int flags, int mode) {
        try {
            return (int) OPEN.invokeExact(state, path, flags, mode);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int close(MemorySegment state, int fd) {
        try {
            return (int) CLOSE.invokeExact(state, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long read(MemorySegment state, int fd, MemorySegment buffer, long count) {
        try {
            return (long) READ.invokeExact(state, fd, buffer, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long write(MemorySegment state, int fd, MemorySegment buffer, long count) {
        try {
            return (long) WRITE.invokeExact(state, fd, buffer, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int poll(MemorySegment state, MemorySegment fds, long count, int timeoutMillis) {
        try {
            return (int) POLL.invokeExact(state, fds, count, timeoutMillis);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int ioctl(MemorySegment state, int fd, long request, MemorySegment argument) {
        try {
            return (int) IOCTL.invokeExact(state, fd, request, argument);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int grantpt(MemorySegment state, int fd) {
        try {
            return (int) GRANTPT.invokeExact(state, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int unlockpt(MemorySegment state, int fd) {
        try {
            return (int) UNLOCKPT.invokeExact(state, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Returns 0 or an error number. */
    static int ptsname_r(int fd, MemorySegment buffer, long size) {
        try {
            return (int) PTSNAME_R.invokeExact(fd, buffer, size);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int eventfd(MemorySegment state, int initial, int flags) {
        try {
            return (int) EVENTFD.invokeExact(state, initial, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int tcgetpgrp(MemorySegment state, int fd) {
        try {
            return (int) TCGETPGRP.invokeExact(state, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int kill(MemorySegment state, int pid, int signal) {
        try {
            return (int) KILL.invokeExact(state, pid, signal);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A descriptor that polls readable once process {@code pid} has exited (Linux 5.3, glibc 2.36). */
    static int pidfdOpen(MemorySegment state, int pid) {
        try {
            return (int) PIDFD_OPEN.invokeExact(state, pid, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int waitpid(MemorySegment state, int pid, MemorySegment status, int options) {
        try {
            return (int) WAITPID.invokeExact(state, pid, status, options);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int sigemptyset(MemorySegment set) {
        try {
            return (int) SIGEMPTYSET.invokeExact(set);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int sigfillset(MemorySegment set) {
        try {
            return (int) SIGFILLSET.invokeExact(set);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Returns 0 or an error number; an exec failure in the child is returned here too. */
    static int posix_spawn(MemorySegment pid, MemorySegment path, MemorySegment fileActions, MemorySegment attributes,
            MemorySegment argv, MemorySegment envp) {
        try {
            return (int) SPAWN.invokeExact(pid, path, fileActions, attributes, argv, envp);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int posix_spawnattr_init(MemorySegment attributes) {
        try {
            return (int) SPAWNATTR_INIT.invokeExact(attributes);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int posix_spawnattr_destroy(MemorySegment attributes) {
        try {
            return (int) SPAWNATTR_DESTROY.invokeExact(attributes);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int posix_spawnattr_setflags(MemorySegment attributes, short flags) {
        try {
            return (int) SPAWNATTR_SETFLAGS.invokeExact(attributes, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int posix_spawnattr_setsigmask(MemorySegment attributes, MemorySegment set) {
        try {
            return (int) SPAWNATTR_SETSIGMASK.invokeExact(attributes, set);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int posix_spawnattr_setsigdefault(MemorySegment attributes, MemorySegment set) {
        try {
            return (int) SPAWNATTR_SETSIGDEFAULT.invokeExact(attributes, set);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int posix_spawn_file_actions_init(MemorySegment actions) {
        try {
            return (int) ACTIONS_INIT.invokeExact(actions);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int posix_spawn_file_actions_destroy(MemorySegment actions) {
        try {
            return (int) ACTIONS_DESTROY.invokeExact(actions);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int posix_spawn_file_actions_addopen(MemorySegment actions, int fd, MemorySegment path, int flags, int mode) {
        try {
            return (int) ACTIONS_ADDOPEN.invokeExact(actions, fd, path, flags, mode);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int posix_spawn_file_actions_adddup2(MemorySegment actions, int fd, int newFd) {
        try {
            return (int) ACTIONS_ADDDUP2.invokeExact(actions, fd, newFd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int posix_spawn_file_actions_addchdir_np(MemorySegment actions, MemorySegment path) {
        try {
            return (int) ACTIONS_ADDCHDIR.invokeExact(actions, path);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int posix_spawn_file_actions_addclosefrom_np(MemorySegment actions, int lowFd) {
        try {
            return (int) ACTIONS_ADDCLOSEFROM.invokeExact(actions, lowFd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("unexpected checked exception from a native call", t);
    }
}

package io.cmdop.session.pty;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts the program of a {@link PtySpec} on the slave side of a terminal with {@code posix_spawn}
 * (never {@code fork}: glibc spawns with {@code clone(CLONE_VM|CLONE_VFORK)} and runs no Java in the
 * child). The child
 * <ul>
 *   <li>starts a new session ({@code POSIX_SPAWN_SETSID}), then opens the slave without
 *       {@code O_NOCTTY} onto fd 0, which makes it the controlling terminal, and duplicates it to 1
 *       and 2;
 *   <li>closes every other descriptor ({@code closefrom(3)}), so nothing of the JVM leaks into it;
 *   <li>starts with an empty signal mask and every signal at its default disposition (the JVM
 *       blocks and ignores some);
 *   <li>changes to the working directory and gets exactly the spec's environment.
 * </ul>
 */
final class Spawner {
    /** What {@code execvp} searches when there is no {@code PATH}. */
    static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

    private Spawner() {}

    /**
     * The file to execute for the spec's program: a name with a {@code /} as it is, otherwise the
     * first executable regular file of that name in the spec's {@code PATH}.
     */
    static String resolveExecutable(PtySpec spec) throws IOException {
        String program = spec.command().getFirst();
        if (program.indexOf('/') >= 0) {
            return program;
        }
        String searchPath = spec.environment().getOrDefault("PATH", DEFAULT_PATH);
        for (String directory : searchPath.split(":", -1)) {
            Path candidate = spec.workingDirectory().resolve(directory).resolve(program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new IOException("cannot start '" + program + "': command not found in PATH " + searchPath);
    }

    /** Starts the program with {@code slavePath} as its terminal and returns its pid. */
    static int spawn(PtySpec spec, String executable, String slavePath) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attributes = arena.allocate(LibC.SPAWNATTR_SIZE, 16);
            MemorySegment actions = arena.allocate(LibC.FILE_ACTIONS_SIZE, 16);
            check("posix_spawnattr_init", LibC.posix_spawnattr_init(attributes));
            try {
                setAttributes(arena, attributes);
                check("posix_spawn_file_actions_init", LibC.posix_spawn_file_actions_init(actions));
                try {
                    addFileActions(arena, actions, spec, slavePath);
                    MemorySegment pid = arena.allocate(JAVA_INT);
                    int error = LibC.posix_spawn(pid, arena.allocateFrom(executable), actions, attributes,
                            stringArray(arena, spec.command()), stringArray(arena, environment(spec.environment())));
                    if (error != 0) {
                        throw new IOException("cannot start '" + spec.command().getFirst() + "': posix_spawn "
                                + executable + " in " + spec.workingDirectory() + ": " + LibC.describe(error));
                    }
                    return pid.get(JAVA_INT, 0);
                } finally {
                    LibC.posix_spawn_file_actions_destroy(actions);
                }
            } finally {
                LibC.posix_spawnattr_destroy(attributes);
            }
        }
    }

    private static void setAttributes(Arena arena, MemorySegment attributes) throws IOException {
        short flags = (short) (LibC.POSIX_SPAWN_SETSID | LibC.POSIX_SPAWN_SETSIGMASK | LibC.POSIX_SPAWN_SETSIGDEF);
        check("posix_spawnattr_setflags", LibC.posix_spawnattr_setflags(attributes, flags));
        MemorySegment noSignals = arena.allocate(LibC.SIGSET_SIZE, 8);
        LibC.sigemptyset(noSignals);
        check("posix_spawnattr_setsigmask", LibC.posix_spawnattr_setsigmask(attributes, noSignals));
        MemorySegment allSignals = arena.allocate(LibC.SIGSET_SIZE, 8);
        LibC.sigfillset(allSignals);
        check("posix_spawnattr_setsigdefault", LibC.posix_spawnattr_setsigdefault(attributes, allSignals));
    }

    private static void addFileActions(Arena arena, MemorySegment actions, PtySpec spec, String slavePath)
            throws IOException {
        // Runs in the child after setsid(): the first terminal a session leader opens without
        // O_NOCTTY becomes its controlling terminal.
        check("posix_spawn_file_actions_addopen",
                LibC.posix_spawn_file_actions_addopen(actions, 0, arena.allocateFrom(slavePath), LibC.O_RDWR, 0));
        check("posix_spawn_file_actions_adddup2", LibC.posix_spawn_file_actions_adddup2(actions, 0, 1));
        check("posix_spawn_file_actions_adddup2", LibC.posix_spawn_file_actions_adddup2(actions, 0, 2));
        check("posix_spawn_file_actions_addchdir_np",
                LibC.posix_spawn_file_actions_addchdir_np(actions, arena.allocateFrom(spec.workingDirectory().toString())));
        check("posix_spawn_file_actions_addclosefrom_np", LibC.posix_spawn_file_actions_addclosefrom_np(actions, 3));
    }

    private static List<String> environment(Map<String, String> environment) {
        List<String> entries = new ArrayList<>(environment.size());
        environment.forEach((name, value) -> entries.add(name + "=" + value));
        return entries;
    }

    /** A NULL-terminated array of C strings, as argv and envp. */
    private static MemorySegment stringArray(Arena arena, List<String> strings) {
        MemorySegment array = arena.allocate(ADDRESS, strings.size() + 1L);
        for (int i = 0; i < strings.size(); i++) {
            array.setAtIndex(ADDRESS, i, arena.allocateFrom(strings.get(i)));
        }
        array.setAtIndex(ADDRESS, strings.size(), MemorySegment.NULL);
        return array;
    }

    private static void check(String call, int error) throws IOException {
        if (error != 0) {
            throw LibC.error(call, error);
        }
    }
}

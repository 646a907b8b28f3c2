package io.cmdop.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Stopping processes this benchmark started (tmux servers, daemons) by pid, never by name. Those
 * still running when the JVM exits (an error, Ctrl-C, SIGTERM) are stopped by a shutdown hook.
 */
final class Processes {
    private static final java.util.Set<Long> RUNNING = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(pid -> stop(pid, 5000)),
                "bench-cleanup"));
    }

    private Processes() {
    }

    /** A server process (reparented, so not our child) that must not outlive the benchmark. */
    static void track(long pid) {
        RUNNING.add(pid);
    }

    /**
     * Sends SIGTERM, waits until the process has exited (a zombie left for its parent to reap counts
     * as exited: daemons are reparented, and their reaper may be slow), then SIGKILL if it has not.
     */
    static void stop(long pid, long timeoutMillis) {
        RUNNING.remove(pid);
        ProcessHandle.of(pid).ifPresent(process -> {
            process.destroy();
            if (!awaitExit(pid, timeoutMillis)) {
                process.destroyForcibly();
                awaitExit(pid, 2000);
            }
        });
    }

    static boolean awaitExit(long pid, long timeoutMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (System.nanoTime() < deadline) {
            if (exited(pid)) {
                return true;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return exited(pid);
    }

    private static boolean exited(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state == 'Z' || state == 'X';
        } catch (IOException e) {
            return true;
        }
    }
}

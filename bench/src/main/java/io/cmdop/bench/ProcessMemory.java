package io.cmdop.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Memory of another process: resident set from /proc, Java heap through jcmd. */
final class ProcessMemory {
    private static final Pattern HISTOGRAM_TOTAL = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)\\s*$");
    private static final Pattern HISTOGRAM_FILLER = Pattern.compile("(?m)^\\s*\\d+:\\s+\\d+\\s+(\\d+)\\s+\\S*jdk\\.internal\\.vm\\.Filler");

    private ProcessMemory() {
    }

    /** Resident set size in bytes (VmRSS), or -1 when the process is gone. */
    static long rss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** CPU time (user + system) the process has used so far, in nanoseconds, or -1 when it is gone. */
    static long cpuNanos(long pid) {
        try {
            return statCpuNanos(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Context switches (voluntary and not) the live threads of a process have made so far; a thread
     * that ended takes its count with it, so compare readings taken while the process is busy.
     */
    static long threadSwitches(long pid) {
        long switches = 0;
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.contains("ctxt_switches:")) {
                            switches += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (IOException | NumberFormatException e) {
                    // The thread ended between the listing and the read: its count is gone with it.
                }
            }
        } catch (IOException e) {
            // The process is gone: what was read is all there is.
        }
        return switches;
    }

    /**
     * CPU time the JIT compiler threads of a JVM have used so far, in nanoseconds (what could be
     * read; 0 when it is gone): how a run tells, from outside, that a server's code is compiled.
     */
    static long compilerCpuNanos(long... pids) {
        long sum = 0;
        for (long pid : pids) {
            sum += compilerCpuNanos(pid);
        }
        return sum;
    }

    private static long compilerCpuNanos(long pid) {
        long nanos = 0;
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
                        nanos += runNanos(task, stat);
                    }
                } catch (IOException e) {
                    // The thread ended between the listing and the read: its time is gone with it.
                }
            }
        } catch (IOException e) {
            // The process is gone: what was read is all there is.
        }
        return nanos;
    }

    /**
     * A thread's time on a CPU, to the nanosecond from schedstat: stat(5)'s clock ticks (10 ms) hide
     * a compile of a few milliseconds, enough to slow the echo of the keys beside it.
     */
    private static long runNanos(Path task, String stat) {
        try {
            String schedstat = Files.readString(task.resolve("schedstat"));
            return Long.parseLong(schedstat.substring(0, schedstat.indexOf(' ')));
        } catch (IOException | RuntimeException e) {
            return statCpuNanos(stat); // a kernel without schedstats
        }
    }

    /** utime + stime of a stat(5) line, in nanoseconds. */
    private static long statCpuNanos(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // Fields 14 and 15 of stat(5), counted from the state (field 3) here: utime, stime in clock ticks.
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        return ticks * 10_000_000L;
    }

    /**
     * Runs a full collection in the JVM and returns what its live objects take, in bytes: the total
     * of its class histogram, less the fillers of the dead space a full collection leaves in place
     * (Serial's, up to 5 % of the old generation). Steadier than the generations' use after a
     * collection, which also counts what the JVM allocated since (a few MiB between two runs).
     */
    static long heapAfterFullGc(long pid) throws IOException, InterruptedException {
        String histogram = jcmd(pid, "GC.class_histogram");
        Matcher total = HISTOGRAM_TOTAL.matcher(histogram);
        if (!total.find()) {
            throw new IOException("no total in the class histogram of " + pid + ": "
                    + histogram.lines().limit(5).toList());
        }
        long live = Long.parseLong(total.group(1));
        Matcher filler = HISTOGRAM_FILLER.matcher(histogram);
        while (filler.find()) {
            live -= Long.parseLong(filler.group(1));
        }
        return live;
    }

    /** Runs diagnostic commands in a JVM, in order, with one jcmd. */
    static String jcmd(long pid, String... commands) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Path file = Files.createTempFile("cmdop-bench-jcmd", ".txt");
        try {
            Files.writeString(file, String.join("\n", commands) + "\n");
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "-f", file.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("jcmd " + pid + " " + String.join(", ", commands) + " failed: " + out.trim());
            }
            return out;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Samples a process's RSS every few milliseconds on a thread of its own; keeps the peak. */
    static final class PeakSampler implements AutoCloseable {
        private final AtomicLong peak = new AtomicLong();
        private final List<Long> samples = new ArrayList<>();
        private final Thread thread;
        private volatile boolean stop;

        PeakSampler(long pid, long periodMillis) {
            thread = Thread.ofPlatform().daemon().name("bench-rss-" + pid).start(() -> {
                while (!stop) {
                    long rss = rss(pid);
                    if (rss > 0) {
                        peak.accumulateAndGet(rss, Math::max);
                        synchronized (samples) {
                            samples.add(rss);
                        }
                    }
                    try {
                        Thread.sleep(periodMillis);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        long peak() {
            return peak.get();
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.interrupt();
            thread.join();
        }
    }
}

package io.cmdop.cli;

import io.cmdop.client.TransferProgress;

import java.io.PrintStream;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * A transfer's progress on one line of stderr — bytes, percentage, rate and time left — redrawn at
 * most ten times a second. Only for a terminal: in a pipe or a log it would be noise, so
 * {@link #forTerminal} gives a silent one there.
 */
final class ProgressBar implements TransferProgress {
    private static final long REDRAW_NANOS = 100_000_000L;
    private static final int BAR = 20;

    private final PrintStream out;
    private final String label;
    private final long started = System.nanoTime();
    private long lastDraw;
    private long done;
    private long total = -1;

    private ProgressBar(PrintStream out, String label) {
        this.out = out;
        this.label = label.length() > 28 ? "…" + label.substring(label.length() - 27) : label;
    }

    /** A bar on stderr when stderr is a terminal; otherwise one that prints nothing. */
    static ProgressBar forTerminal(String label) {
        return new ProgressBar(stderrIsTerminal() ? System.err : null, label);
    }

    @Override
    public void update(long bytesDone, long bytesTotal) {
        done = bytesDone;
        total = bytesTotal;
        long now = System.nanoTime();
        if (out != null && now - lastDraw >= REDRAW_NANOS) {
            lastDraw = now;
            draw(now);
        }
    }

    /**
     * The last state stays on screen, as scp and curl leave it; after a failure too, so that the
     * error goes below it. A transfer refused before its first byte drew nothing and adds nothing.
     */
    void finish() {
        if (out != null && lastDraw != 0) {
            draw(System.nanoTime());
            out.println();
            out.flush();
        }
    }

    private void draw(long now) {
        double seconds = Math.max((now - started) / 1e9, 1e-3);
        double rate = done / seconds;
        StringBuilder line = new StringBuilder("\r").append(label).append("  ");
        if (total > 0) {
            int percent = (int) Math.min(100, done * 100 / total);
            int filled = percent * BAR / 100;
            line.append(String.format(Locale.ROOT, "%3d%% [", percent)).append("=".repeat(filled))
                    .append(filled < BAR ? ">" + " ".repeat(BAR - filled - 1) : "").append("] ")
                    .append(bytes(done)).append(" / ").append(bytes(total));
        } else {
            line.append(bytes(done));
        }
        line.append("  ").append(bytes((long) rate)).append("/s");
        if (total > 0 && done < total && rate > 0) {
            line.append("  ETA ").append(clock((long) ((total - done) / rate)));
        } else if (total > 0 && done >= total) {
            line.append("  in ").append(clock((long) seconds));
        }
        out.print(line.append("\u001b[K"));
        out.flush();
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = n;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    private static String clock(long seconds) {
        return seconds >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
                : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }

    /** isatty(2): System.console() answers for stdin and stdout, and a download may go to stdout. */
    @SuppressWarnings("restricted")
    private static boolean stderrIsTerminal() {
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle isatty = linker.downcallHandle(linker.defaultLookup().find("isatty").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            return (int) isatty.invokeExact(2) == 1;
        } catch (Throwable e) {
            return false;
        }
    }
}

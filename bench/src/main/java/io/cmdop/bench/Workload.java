package io.cmdop.bench;

import io.cmdop.bench.micro.Streams;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the benchmarked programs print, and the shell lines that print it. Every stream is written
 * once per run, in the run's temporary directory, from a fixed seed: the raw PTY, tmux and cmdop
 * read the very same file.
 */
final class Workload {
    private Workload() {
    }

    /**
     * Writes about {@code bytes} of typical output (log lines, mostly ASCII, some SGR colours, 4 MiB
     * repeated), then the end marker on its own line.
     */
    static Path writeStream(Path file, long bytes, String marker) throws IOException {
        byte[] block = Streams.typical(4 << 20, 42, "\n");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            long left = bytes;
            while (left > 0) {
                int n = (int) Math.min(left, block.length);
                // Whole lines only: a cut escape sequence would swallow the start of the marker.
                while (n > 0 && block[n - 1] != '\n') {
                    n--;
                }
                if (n == 0) {
                    break;
                }
                out.write(block, 0, n);
                left -= n;
            }
            out.write(("\033[0m\n" + marker + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        return file;
    }

    /**
     * Prints {@code armed}, waits for a line on {@code fifo}, prints {@code data}, writes the
     * wall-clock time in nanoseconds to {@code done}, then idles until it is stopped.
     */
    static List<String> triggeredCat(Path fifo, Path data, Path done) {
        return List.of("/bin/sh", "-c",
                "printf 'armed\\n'; read _ < \"$0\"; cat \"$1\"; date +%s%N > \"$2\"; exec sleep 86400",
                fifo.toString(), data.toString(), done.toString());
    }

    /**
     * Echoes each keystroke at once, followed by a carriage return so that the cursor never moves
     * on (no wrap, no scroll: a multiplexer redraws nothing but the key). Prints READY first. The
     * terminal is in raw mode without echo; bash reads one byte at a time with builtins only.
     */
    static List<String> echo() {
        return List.of("/bin/bash", "--noprofile", "--norc", "-c",
                "stty raw -echo; printf READY; while IFS= read -r -n1 -d '' c; do printf '%s\\r' \"$c\"; done");
    }

    /** Prints {@code data} (and its marker), then idles, reading its input. */
    static List<String> catThenIdle(Path data) {
        return List.of("/bin/sh", "-c", "cat \"$0\"; exec cat > /dev/null", data.toString());
    }

    static void mkfifo(Path path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mkfifo", "-m", "600", path.toString()).redirectErrorStream(true).start();
        if (p.waitFor() != 0) {
            throw new IOException("mkfifo " + path + " failed: " + new String(p.getInputStream().readAllBytes()));
        }
    }
}

package io.cmdop.bench.micro;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Terminal output as programs produce it, made from a fixed seed: the same bytes every run. Line
 * ends are {@code \r\n}, as a PTY delivers them.
 */
public final class Streams {
    private static final String[] LEVELS = {"\033[32mINFO\033[0m ", "\033[32mINFO\033[0m ", "\033[32mINFO\033[0m ",
            "\033[36mDEBUG\033[0m", "\033[33mWARN\033[0m ", "\033[1;31mERROR\033[0m"};
    private static final String[] PATHS = {"/api/v1/items", "/api/v1/users", "/healthz", "/api/v2/search",
            "/static/app.js", "/api/v1/orders"};
    private static final String[] WORDS = {"request", "completed", "cache", "miss", "hit", "retrying", "upstream",
            "connection", "pool", "timeout", "queued", "flushed", "segment", "compaction", "index", "shard"};

    private Streams() {
    }

    /** The names {@link #of} knows. */
    public static final String TYPICAL = "typical";
    public static final String CJK = "cjk";
    public static final String REDRAW = "redraw";

    public static byte[] of(String name, int bytes) {
        return switch (name) {
            case TYPICAL -> typical(bytes, 42, "\r\n");
            case CJK -> cjk(bytes, 43);
            case REDRAW -> redraw(bytes, 44, 120, 40);
            default -> throw new IllegalArgumentException("no stream named " + name);
        };
    }

    /**
     * Log lines, mostly ASCII, with some SGR colours (about 12 % of the bytes are escape sequences):
     * what a build or a server prints.
     */
    public static byte[] typical(int bytes, long seed, String newline) {
        SplittableRandom random = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder(bytes + 256);
        long n = 0;
        while (sb.length() < bytes) {
            n++;
            sb.append("2025-06-01T12:").append(two((int) (n / 60 % 60))).append(':').append(two((int) (n % 60)))
                    .append('.').append(100 + random.nextInt(900)).append(' ')
                    .append(LEVELS[random.nextInt(LEVELS.length)]).append(" [worker-").append(random.nextInt(16))
                    .append("] ").append(PATHS[random.nextInt(PATHS.length)]).append('/')
                    .append(random.nextInt(100_000)).append(' ');
            int words = 3 + random.nextInt(8);
            for (int i = 0; i < words; i++) {
                sb.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
            }
            sb.append("in ").append(random.nextInt(2000)).append("ms status \033[1m")
                    .append(random.nextInt(10) == 0 ? 500 : 200).append("\033[0m").append(newline);
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Lines of mostly CJK text (double-width, three UTF-8 bytes each) with some ASCII and colour. */
    public static byte[] cjk(int bytes, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder(bytes / 2);
        int utf8 = 0;
        while (utf8 < bytes) {
            StringBuilder line = new StringBuilder();
            if (random.nextInt(4) == 0) {
                line.append("\033[33m").append(random.nextInt(10_000)).append("\033[0m ");
            }
            int chars = 10 + random.nextInt(45);
            for (int i = 0; i < chars; i++) {
                int kind = random.nextInt(10);
                if (kind < 6) {
                    line.appendCodePoint(0x4E00 + random.nextInt(0x9FFF - 0x4E00)); // CJK ideographs
                } else if (kind < 8) {
                    line.appendCodePoint(0x3041 + random.nextInt(0x3096 - 0x3041)); // hiragana
                } else if (kind < 9) {
                    line.appendCodePoint(0xAC00 + random.nextInt(0xD7A3 - 0xAC00)); // hangul
                } else {
                    line.append((char) ('a' + random.nextInt(26)));
                }
            }
            line.append("\r\n");
            utf8 += line.toString().getBytes(StandardCharsets.UTF_8).length;
            sb.append(line);
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A full-screen program redrawing itself (as top, htop or a TUI does): every frame homes the
     * cursor and rewrites each row with positioned, coloured fields, a reverse-video status bar and
     * erases to the end of the line.
     */
    public static byte[] redraw(int bytes, long seed, int cols, int rows) {
        SplittableRandom random = new SplittableRandom(seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes + 16 * 1024);
        StringBuilder frame = new StringBuilder();
        out.writeBytes("\033[?1049h\033[?25l".getBytes(StandardCharsets.US_ASCII));
        while (out.size() < bytes) {
            frame.setLength(0);
            frame.append("\033[H\033[7m top - 12:00:").append(two(random.nextInt(60)))
                    .append(" up 3 days, load average: 0.").append(random.nextInt(100)).append("\033[K\033[0m");
            for (int row = 2; row < rows; row++) {
                frame.append("\033[").append(row).append(";1H");
                int pid = 1000 + random.nextInt(90_000);
                double cpu = random.nextDouble() * 100;
                frame.append("\033[1m").append(pid).append("\033[0m ");
                frame.append(cpu > 50 ? "\033[31m" : "\033[32m")
                        .append(String.format(java.util.Locale.ROOT, "%5.1f", cpu)).append("\033[0m ");
                frame.append("\033[").append(row).append(";20H").append(WORDS[random.nextInt(WORDS.length)])
                        .append(' ').append(PATHS[random.nextInt(PATHS.length)]);
                int used = 20 + 30;
                if (cols > used + 20) {
                    frame.append("\033[").append(row).append(";").append(cols - 20).append("H\033[2m")
                            .append(random.nextInt(1 << 20)).append("K\033[0m");
                }
                frame.append("\033[K");
            }
            frame.append("\033[").append(rows).append(";1H\033[44;37m q quit  h help  k kill \033[K\033[0m");
            out.writeBytes(frame.toString().getBytes(StandardCharsets.US_ASCII));
        }
        return out.toByteArray();
    }

    private static String two(int n) {
        return n < 10 ? "0" + n : Integer.toString(n);
    }
}

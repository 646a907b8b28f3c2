package io.cmdop.terminal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Streaming plain output is held back and parsed in one go, the lines that scroll away read for the
 * cursor and the pen only: against a model fed the same bytes in pieces too small to be held, which
 * parses every byte as it comes, nothing may differ.
 */
class HeldOutputTest {
    private static final String[] TEXT = {
        "a", "hello world", "0123456789", "\u4e2d\u6587", "e\u0301", "\u00e9", "\ud83d\ude00", " ", "~", "\u200b"
    };
    /** Fed in pieces no longer than this, output is parsed as it comes. */
    private static final int NEVER_HELD = 1023;

    @Test
    void heldOutputLeavesTheSameScreenScrollbackAndStateAsOutputParsedAsItComes() {
        int[][] sizes = {{80, 24, 1000}, {20, 5, 0}, {13, 7, 30}, {40, 3, 200}};
        for (int seed = 0; seed < 12; seed++) {
            int[] size = sizes[seed % sizes.length];
            Random r = new Random(seed);
            VirtualTerminal asItComes = new VirtualTerminal(size[0], size[1], size[2]);
            VirtualTerminal held = new VirtualTerminal(size[0], size[1], size[2]);
            long plainBytes = 0;
            for (int segment = 0; segment < 8; segment++) {
                byte[] plain = segment % 3 == 1
                        ? fewLines(r, size[0], size[1] + size[2] - 1 + r.nextInt(3))
                        : plainOutput(r, segment == 3 ? 1_300_000 : 20_000 + r.nextInt(400_000));
                plainBytes += plain.length;
                feed(asItComes, plain, r.nextLong(), NEVER_HELD);
                feed(held, plain, r.nextLong(), plain.length + 1);
                if (r.nextBoolean()) {
                    compare(asItComes, held, "seed " + seed + ", after plain segment " + segment);
                }
                // Anything else, which parses what is held first: moves, regions, the other screen, replies.
                byte[] other = otherOutput(r, size[1]);
                long pieces = r.nextLong();
                feed(asItComes, other, pieces, NEVER_HELD);
                feed(held, other, pieces, NEVER_HELD);
                if (segment == 5) {
                    asItComes.resize(size[0] + 3, size[1] + 2);
                    held.resize(size[0] + 3, size[1] + 2);
                }
            }
            compare(asItComes, held, "seed " + seed);
            assertThat(asItComes.stateOnlyBytes()).isZero();
            assertThat(held.stateOnlyBytes()).as("seed %d: bytes read for the state only", seed)
                    .isPositive().isLessThan(plainBytes);
        }
    }

    @Test
    void settlingParsesWhatIsHeldAndGivesBackItsMemory() {
        Random r = new Random(7);
        VirtualTerminal asItComes = new VirtualTerminal(80, 24, 1000);
        VirtualTerminal held = new VirtualTerminal(80, 24, 1000);
        byte[] plain = plainOutput(r, 300_000);
        feed(asItComes, plain, 1, NEVER_HELD);
        feed(held, plain, 2, 4096);
        assertThat(held.heldBytes()).as("set aside while output streams").isPositive();

        held.settle();
        assertThat(held.heldBytes()).isZero();
        compare(asItComes, held, "after settling");
        held.settle();
        assertThat(held.heldBytes()).as("nothing held: settling again sets nothing aside").isZero();
    }

    @Test
    void anOutputWithTooFewLineFeedsIsParsedWhole() {
        VirtualTerminal vt = new VirtualTerminal(80, 24, 100);
        // 24 + 100 line feeds are needed before anything can be skipped.
        byte[] lines = "x".repeat(70).concat("\r\n").repeat(24 + 100 - 1).getBytes(StandardCharsets.US_ASCII);
        vt.feed(lines, 0, lines.length);
        assertThat(vt.snapshot().scrollbackLines().size()).isEqualTo(100);
        assertThat(vt.stateOnlyBytes()).isZero();
    }

    @Test
    void screenReadsTooOftenForHeldOutputToSkipAnythingStopHoldingForTheNextMebibyte() {
        VirtualTerminal vt = new VirtualTerminal(80, 24, 100);
        byte[] lines = "\033[1mlog\033[m line of output\r\n".repeat(40).getBytes(StandardCharsets.US_ASCII);
        vt.snapshot();
        vt.feed(lines, 0, lines.length); // 40 line feeds: fewer than 24 + 100, nothing to skip
        vt.snapshot();
        long fed = 0;
        while (fed + lines.length <= 1 << 20) {
            vt.feed(lines, 0, lines.length);
            fed += lines.length;
        }
        assertThat(vt.snapshot().lines().getLast()).isEmpty();
        assertThat(vt.stateOnlyBytes()).as("parsed as it came").isZero();
        for (int i = 0; i < 200; i++) {
            vt.feed(lines, 0, lines.length);
        }
        vt.snapshot();
        assertThat(vt.stateOnlyBytes()).as("held again after a mebibyte").isPositive();
    }

    @Test
    void aScreenReadRarelyDoesNotStopHolding() {
        VirtualTerminal vt = new VirtualTerminal(80, 24, 100);
        byte[] lines = "\033[1mlog\033[m line of output\r\n".repeat(40).getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; (long) i * lines.length <= 1 << 20; i++) {
            vt.feed(lines, 0, lines.length);
        }
        vt.snapshot(); // more than a mebibyte since the start, and whatever is held is short or not
        for (int i = 0; i < 200; i++) {
            vt.feed(lines, 0, lines.length);
        }
        long before = vt.stateOnlyBytes();
        vt.snapshot();
        assertThat(vt.stateOnlyBytes()).as("still held").isGreaterThan(before);
    }

    @Test
    void repliesAndShellMarksAfterHeldOutputComeDuringTheirOwnFeedAndSeeTheHeldText() {
        VirtualTerminal vt = new VirtualTerminal(80, 24, 0);
        List<String> replies = new ArrayList<>();
        List<ShellMark> marks = new ArrayList<>();
        vt.onReply(reply -> replies.add(new String(reply, StandardCharsets.US_ASCII)));
        vt.onShellMark(marks::add);
        byte[] text = "\033[32mgreen\033[m text\r\n".repeat(200).concat("tail").getBytes(StandardCharsets.US_ASCII);
        vt.feed(text, 0, text.length);
        assertThat(replies).isEmpty();
        byte[] query = "ab\033]133;D;0\007\033[6n".getBytes(StandardCharsets.US_ASCII);
        vt.feed(query, 0, query.length);
        assertThat(replies).containsExactly("\033[24;7R"); // row 24, after "tail" and "ab"
        assertThat(marks).containsExactly(new ShellMark('D', "0", 2, 12));
    }

    @Test
    void theCursorAndColourAtTheEdgeOfWhatIsReadForTheStateOnlyCarryOn() {
        // The first kept line feed comes right after a wide character and a colour change.
        int rows = 4;
        int scrollback = 3;
        VirtualTerminal asItComes = new VirtualTerminal(10, rows, scrollback);
        VirtualTerminal held = new VirtualTerminal(10, rows, scrollback);
        StringBuilder sb = new StringBuilder("x".repeat(1100));
        sb.append("\033[1;31m\u4e2d");
        for (int i = 0; i < rows + scrollback; i++) {
            sb.append('\n').append("line ").append(i).append(i % 2 == 0 ? "\033[m" : "\u00e9");
        }
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        feed(asItComes, bytes, 1, NEVER_HELD);
        held.feed(bytes, 0, bytes.length);
        compare(asItComes, held, "edge");
        int firstLineFeed = 0;
        while (bytes[firstLineFeed] != '\n') {
            firstLineFeed++;
        }
        assertThat(held.stateOnlyBytes()).isEqualTo(firstLineFeed);
    }

    /** Feeds {@code data} in random pieces of at most {@code maxPiece} bytes, the same pieces for the same seed. */
    private static void feed(VirtualTerminal vt, byte[] data, long seed, int maxPiece) {
        Random pieces = new Random(seed);
        for (int at = 0; at < data.length; ) {
            int n = Math.min(data.length - at, 1 + pieces.nextInt(Math.min(maxPiece, pieces.nextBoolean() ? 4096 : 200_000)));
            if (maxPiece > data.length && pieces.nextInt(4) == 0) {
                n = data.length - at; // now and then all of it at once, beyond what is held
            }
            vt.feed(data, at, n);
            at += n;
        }
    }

    private static void compare(VirtualTerminal expected, VirtualTerminal actual, String what) {
        ScreenSnapshot e = expected.snapshot();
        ScreenSnapshot a = actual.snapshot();
        ScreenComparison.assertSameState(e, a, what);
        assertThat(wrapMarks(a)).as("%s: lines that wrapped", what).isEqualTo(wrapMarks(e));
        assertThat(actual.screen().lastChar).as("%s: the character REP repeats", what).isEqualTo(expected.screen().lastChar);
    }

    private static String wrapMarks(ScreenSnapshot s) {
        StringBuilder sb = new StringBuilder();
        for (Line line : s.scrollbackLines()) {
            sb.append(line.wrapped ? 'w' : '.');
        }
        sb.append('|');
        for (Line line : s.normalScreenLines()) {
            sb.append(line.wrapped ? 'w' : '.');
        }
        return sb.toString();
    }

    /** Text (wide, combining, emoji), line ends, tabs, colours and the controls that only move forward. */
    private static byte[] plainOutput(Random r, int bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes + 64);
        while (out.size() < bytes) {
            int kind = r.nextInt(100);
            String piece;
            if (kind < 60) {
                piece = TEXT[r.nextInt(TEXT.length)];
            } else if (kind < 75) {
                piece = r.nextInt(5) == 0 ? "\n" : "\r\n";
            } else if (kind < 90) {
                piece = switch (r.nextInt(5)) {
                    case 0 -> "\033[m";
                    case 1 -> "\033[" + (30 + r.nextInt(8)) + ";" + (40 + r.nextInt(8)) + "m";
                    case 2 -> "\033[38;5;" + r.nextInt(256) + "m";
                    case 3 -> "\033[48:2::" + r.nextInt(256) + ":" + r.nextInt(256) + ":" + r.nextInt(256) + "m";
                    default -> "\033[" + (1 + r.nextInt(9)) + "m";
                };
            } else {
                piece = String.valueOf("\t\t\r\013\014\007\030\000".charAt(r.nextInt(8)));
            }
            out.writeBytes(piece.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    /**
     * {@code lines} lines that do not wrap, long in bytes (colours): around the fewest line feeds
     * that scroll every line there was out of the scrollback, from a cursor that may be at the top.
     */
    private static byte[] fewLines(Random r, int cols, int lines) {
        StringBuilder sb = new StringBuilder();
        for (int y = 0; y < lines || sb.length() < 2 * NEVER_HELD; y++) {
            for (int x = r.nextInt(cols); x > 0; x--) {
                sb.append("\033[").append(31 + r.nextInt(7)).append('m').append((char) ('a' + r.nextInt(26)));
            }
            sb.append("\033[m\t\t").append(y < lines - 1 ? "\r\n" : "");
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Any output, ending on the normal screen scrolled whole half the time, the cursor on any row. */
    private static byte[] otherOutput(Random r, int rows) {
        StringBuilder sb = new StringBuilder(new String(RandomStream.generate(r, 50 + r.nextInt(300)), StandardCharsets.UTF_8));
        if (r.nextBoolean()) {
            sb.append("\033[?1049l\033[?47l\033[r");
        }
        sb.append("\033[").append(1 + r.nextInt(rows)).append(';').append(1 + r.nextInt(90)).append('H');
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}

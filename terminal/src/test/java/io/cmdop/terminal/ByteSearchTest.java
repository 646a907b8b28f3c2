package io.cmdop.terminal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ByteSearchTest {
    @Test
    void findsTheFirstOccurrenceAtEveryPositionAndForEveryByteValue() {
        Random random = new Random(7);
        for (int length = 0; length < 40; length++) {
            for (int round = 0; round < 50; round++) {
                byte[] data = new byte[length];
                random.nextBytes(data);
                byte wanted = (byte) random.nextInt(256);
                int from = length == 0 ? 0 : random.nextInt(length);
                int to = from + (length == from ? 0 : random.nextInt(length - from + 1));
                assertThat(ByteSearch.indexOf(data, from, to, wanted)).as("length %d, [%d, %d)", length, from, to)
                        .isEqualTo(naive(data, from, to, wanted));
            }
        }
    }

    @Test
    void aByteJustAboveAMatchIsNoFalseMatch() {
        // 0x1b ^ 0x1b is 0; 0x1c ^ 0x1b is 7, and the borrow of the subtraction must not flag it.
        byte[] data = {0x1c, 0x1c, 0x1c, 0x1b, 0x1c, 0x1c, 0x1c, 0x1c, 0x1b};
        assertThat(ByteSearch.indexOf(data, 0, data.length, (byte) 0x1b)).isEqualTo(3);
        assertThat(ByteSearch.indexOf(data, 4, data.length, (byte) 0x1b)).isEqualTo(8);
        assertThat(ByteSearch.indexOf(data, 4, 8, (byte) 0x1b)).isEqualTo(-1);
    }

    @Test
    void findsTheEndOfPrintableTextAtEveryPositionWithBytesAtTheRangesEdges() {
        // Mostly text, so that runs cross whole words; the rest are the bytes next to the range's edges.
        byte[] edges = {0x00, 0x1b, 0x1f, 0x20, 0x7e, 0x7f, (byte) 0x80, (byte) 0xc3, (byte) 0xfe, (byte) 0xff};
        Random random = new Random(11);
        for (int length = 0; length < 40; length++) {
            for (int round = 0; round < 200; round++) {
                byte[] data = new byte[length];
                for (int i = 0; i < length; i++) {
                    data[i] = random.nextInt(6) == 0 ? edges[random.nextInt(edges.length)] : (byte) (0x21 + random.nextInt(94));
                }
                int from = length == 0 ? 0 : random.nextInt(length);
                int to = from + (length == from ? 0 : random.nextInt(length - from + 1));
                assertThat(ByteSearch.printableEnd(data, from, to)).as("%s [%d, %d)", Arrays.toString(data), from, to)
                        .isEqualTo(naivePrintableEnd(data, from, to));
            }
        }
    }

    @Test
    void aControlBelowTextIsFoundAndTextAboveItDoesNotHideIt() {
        // A control borrows from the byte above it; DEL carries into it: neither may move the answer.
        byte[] data = "abcdefgh\0 bcdefg\177       ".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(ByteSearch.printableEnd(data, 0, data.length)).isEqualTo(8);
        assertThat(ByteSearch.printableEnd(data, 9, data.length)).isEqualTo(16);
        assertThat(ByteSearch.printableEnd(data, 17, data.length)).isEqualTo(data.length);
        assertThat(ByteSearch.printableEnd(data, 0, 8)).isEqualTo(8);
    }

    @Test
    void findsTheFirstControlButNotDelNorUtf8() {
        // The bytes next to the range's edges, so that a borrow between bytes or a loose mask would show.
        byte[] near = {0x00, 0x01, 0x08, 0x1b, 0x1f, 0x20, 0x21, 0x7f, (byte) 0x80, (byte) 0x9b, (byte) 0xe4, (byte) 0xff};
        Random random = new Random(13);
        for (int length = 0; length < 40; length++) {
            for (int round = 0; round < 200; round++) {
                byte[] data = sprinkled(random, length, near, (byte) 'b');
                int[] range = range(random, length);
                int expected = -1;
                for (int i = range[1] - 1; i >= range[0]; i--) {
                    if ((data[i] & 0xff) < 0x20) {
                        expected = i;
                    }
                }
                assertThat(ByteSearch.indexOfControl(data, range[0], range[1]))
                        .as("%s %s", Arrays.toString(data), Arrays.toString(range)).isEqualTo(expected);
            }
        }
    }

    @Test
    void findsTheNthLastOccurrenceCountingEveryOneExactly() {
        // Dense and sparse runs of the byte and its neighbours: a count off by one borrow would show.
        byte[] near = {'\n', '\n', '\n', 0x0b, 0x09, 0x00, (byte) 0x8a, 'x'};
        Random random = new Random(17);
        for (int length = 0; length < 70; length++) {
            for (int round = 0; round < 100; round++) {
                byte[] data = sprinkled(random, length, near, (byte) 'y');
                int[] range = range(random, length);
                int n = 1 + random.nextInt(12);
                assertThat(ByteSearch.nthLastIndexOf(data, range[0], range[1], (byte) '\n', n))
                        .as("%s %s n=%d", Arrays.toString(data), Arrays.toString(range), n)
                        .isEqualTo(naiveNthLast(data, range[0], range[1], n));
            }
        }
    }

    /** {@code length} bytes of {@code filler}, a third of them replaced by one of {@code near}. */
    private static byte[] sprinkled(Random random, int length, byte[] near, byte filler) {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++) {
            data[i] = random.nextInt(3) == 0 ? near[random.nextInt(near.length)] : filler;
        }
        return data;
    }

    /** A random range {from, to} within {@code length} bytes, empty ones included. */
    private static int[] range(Random random, int length) {
        int from = length == 0 ? 0 : random.nextInt(length);
        return new int[] {from, from + (length == from ? 0 : random.nextInt(length - from + 1))};
    }

    private static int naiveNthLast(byte[] data, int from, int to, int n) {
        for (int i = to - 1; i >= from; i--) {
            if (data[i] == '\n' && --n == 0) {
                return i;
            }
        }
        return -1;
    }

    private static int naivePrintableEnd(byte[] data, int from, int to) {
        for (int i = from; i < to; i++) {
            int b = data[i] & 0xff;
            if (b < 0x20 || b > 0x7e) {
                return i;
            }
        }
        return to;
    }

    private static int naive(byte[] data, int from, int to, byte b) {
        for (int i = from; i < to; i++) {
            if (data[i] == b) {
                return i;
            }
        }
        return -1;
    }
}

package io.cmdop.terminal;

import static org.assertj.core.api.Assertions.assertThat;

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

    private static int naive(byte[] data, int from, int to, byte b) {
        for (int i = from; i < to; i++) {
            if (data[i] == b) {
                return i;
            }
        }
        return -1;
    }
}

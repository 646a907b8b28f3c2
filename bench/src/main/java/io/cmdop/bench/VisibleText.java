package io.cmdop.bench;

import java.util.function.IntConsumer;

/**
 * Strips escape sequences from terminal output, passing on the printable characters (as bytes) in
 * order: what a person would see typed, whatever cursor motions a terminal multiplexer adds.
 */
final class VisibleText {
    /** Receives the visible text in runs: bytes [from, to) of {@code data}, valid during the call. */
    @FunctionalInterface
    interface Runs {
        void accept(byte[] data, int from, int to);
    }

    private enum State { TEXT, ESC, ESC_INTERMEDIATE, CSI, STRING, STRING_ESC }

    private final Runs runs;
    private State state = State.TEXT;

    /**
     * Passes on runs of text as they stand in the input: a stream of tens of MB/s, drained on the
     * same two cores as what it measures, must cost next to nothing.
     */
    VisibleText(Runs runs) {
        this.runs = runs;
    }

    /** Passes on the text a byte at a time, for the keystrokes of the echo figures. */
    VisibleText(IntConsumer sink) {
        this((data, from, to) -> {
            for (int i = from; i < to; i++) {
                sink.accept(data[i] & 0xff);
            }
        });
    }

    void feed(byte[] data, int offset, int length) {
        int end = offset + length;
        int i = offset;
        while (i < end) {
            if (state == State.TEXT) {
                int run = i;
                while (run < end && visible(data[run])) {
                    run++;
                }
                if (run > i) {
                    runs.accept(data, i, run);
                    i = run;
                    continue;
                }
                if (data[i] == 0x1b) {
                    state = State.ESC;
                }
                i++; // an escape, or a control: not text
                continue;
            }
            int b = data[i++] & 0xff;
            switch (state) {
                case ESC -> state = switch (b) {
                    case '[' -> State.CSI;
                    case ']', 'P', 'X', '^', '_' -> State.STRING;
                    case '(', ')', '*', '+', '#', '%', ' ' -> State.ESC_INTERMEDIATE;
                    default -> State.TEXT;
                };
                case ESC_INTERMEDIATE -> state = State.TEXT;
                case CSI -> {
                    if (b >= 0x40 && b <= 0x7e) {
                        state = State.TEXT;
                    }
                }
                case STRING -> {
                    if (b == 0x07) {
                        state = State.TEXT;
                    } else if (b == 0x1b) {
                        state = State.STRING_ESC;
                    }
                }
                case STRING_ESC -> state = b == '\\' ? State.TEXT : State.STRING;
            }
        }
    }

    private static boolean visible(byte b) {
        int v = b & 0xff;
        return v >= 0x20 && v != 0x7f;
    }
}

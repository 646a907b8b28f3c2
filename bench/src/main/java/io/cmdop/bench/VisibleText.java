package io.cmdop.bench;

import java.util.function.IntConsumer;

/**
 * Strips escape sequences from terminal output, passing on the printable characters (as bytes) in
 * order: what a person would see typed, whatever cursor motions a terminal multiplexer adds.
 */
final class VisibleText {
    private enum State { TEXT, ESC, ESC_INTERMEDIATE, CSI, STRING, STRING_ESC }

    private final IntConsumer sink;
    private State state = State.TEXT;

    VisibleText(IntConsumer sink) {
        this.sink = sink;
    }

    void feed(byte[] data, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            int b = data[i] & 0xff;
            switch (state) {
                case TEXT -> {
                    if (b == 0x1b) {
                        state = State.ESC;
                    } else if (b >= 0x20 && b != 0x7f) {
                        sink.accept(b);
                    }
                }
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
}

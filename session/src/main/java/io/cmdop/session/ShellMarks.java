package io.cmdop.session;

import io.cmdop.terminal.ByteSearch;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds shell-integration marks (OSC 133, as emitted by our bash integration or the fallback
 * wrapper) in the output stream, across chunk boundaries. Only the marks are interpreted; the bytes
 * pass through untouched to the terminal model and the clients.
 */
final class ShellMarks {
    /** A mark: its letter (A prompt, C command output begins, D command finished), parameters and position. */
    record Mark(char kind, String params, long startOffset, long endOffset) {}

    private static final byte ESC = 0x1b;
    private static final byte BEL = 0x07;
    private static final byte[] PREFIX = "]133;".getBytes(StandardCharsets.US_ASCII);
    /** Longer payloads are not ours: stop collecting instead of buffering without bound. */
    private static final int MAX_PAYLOAD = 128;

    private enum State { GROUND, PREFIX, PAYLOAD, PAYLOAD_ESC }

    private State state = State.GROUND;
    private int prefixMatched;
    private final byte[] payload = new byte[MAX_PAYLOAD];
    private int payloadLength;
    private long markStart;

    /** Scans {@code length} bytes that start at stream offset {@code base}; returns the marks completed in them. */
    List<Mark> scan(byte[] data, int length, long base) {
        List<Mark> marks = null;
        for (int i = 0; i < length; i++) {
            if (state == State.GROUND) {
                i = ByteSearch.indexOf(data, i, length, ESC);
                if (i < 0) {
                    break;
                }
            }
            byte b = data[i];
            switch (state) {
                case GROUND -> {
                    if (b == ESC) {
                        state = State.PREFIX;
                        prefixMatched = 0;
                        markStart = base + i;
                    }
                }
                case PREFIX -> {
                    if (b == PREFIX[prefixMatched]) {
                        if (++prefixMatched == PREFIX.length) {
                            state = State.PAYLOAD;
                            payloadLength = 0;
                        }
                    } else {
                        restart(b, base + i);
                    }
                }
                case PAYLOAD -> {
                    if (b == BEL) {
                        marks = add(marks, base + i + 1);
                    } else if (b == ESC) {
                        state = State.PAYLOAD_ESC;
                    } else if (payloadLength == MAX_PAYLOAD || b < 0x20) {
                        state = State.GROUND;
                    } else {
                        payload[payloadLength++] = b;
                    }
                }
                case PAYLOAD_ESC -> {
                    if (b == '\\') {
                        marks = add(marks, base + i + 1);
                    } else {
                        restart(b, base + i);
                    }
                }
            }
        }
        return marks == null ? List.of() : marks;
    }

    private void restart(byte b, long offset) {
        state = State.GROUND;
        if (b == ESC) {
            state = State.PREFIX;
            prefixMatched = 0;
            markStart = offset;
        }
    }

    private List<Mark> add(List<Mark> marks, long end) {
        state = State.GROUND;
        if (payloadLength == 0) {
            return marks;
        }
        String text = new String(payload, 0, payloadLength, StandardCharsets.US_ASCII);
        char kind = text.charAt(0);
        String params = text.length() > 2 && text.charAt(1) == ';' ? text.substring(2) : "";
        List<Mark> result = marks == null ? new ArrayList<>(2) : marks;
        result.add(new Mark(kind, params, markStart, end));
        return result;
    }
}

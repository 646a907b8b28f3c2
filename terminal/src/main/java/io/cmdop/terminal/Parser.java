package io.cmdop.terminal;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Turns the byte stream into operations on a {@link Screen}: a VT500-style state machine (ground, escape,
 * CSI, OSC and ignored strings) with UTF-8 decoding in the ground state. State survives between calls, so
 * a sequence split across reads works. Runs of printable ASCII bypass the state machine entirely.
 */
final class Parser {
    private static final int GROUND = 0;
    private static final int ESCAPE = 1;
    private static final int ESCAPE_INTERMEDIATE = 2;
    private static final int CSI = 3;
    private static final int CSI_IGNORE = 4;
    private static final int OSC = 5;
    /** DCS, SOS, PM, APC and tmux's ESC k: skipped until ST. */
    private static final int IGNORED_STRING = 6;
    /** ESC seen inside an OSC or an ignored string: ST if a backslash follows. */
    private static final int STRING_ESCAPE = 7;

    /** OSC payloads longer than this are not kept (a title longer than this is not a title). */
    private static final int MAX_OSC = 4096;
    private static final int SHELL_MARK = 133;
    /** A shell mark's letter and parameters are short: a longer payload is someone else's. */
    private static final int MAX_SHELL_MARK = 128;

    private static final byte[] DEVICE_OK = "\033[0n".getBytes(StandardCharsets.US_ASCII);
    /** VT100 with advanced video option, as tmux answers. */
    private static final byte[] PRIMARY_ATTRIBUTES = "\033[?1;2c".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SECONDARY_ATTRIBUTES = "\033[>0;10;1c".getBytes(StandardCharsets.US_ASCII);

    private final Screen screen;
    private final Utf8Decoder utf8 = new Utf8Decoder();
    private final Params params = new Params();
    private final byte[] osc = new byte[MAX_OSC];
    private int oscLength;
    private boolean oscTooLong;
    private int state = GROUND;
    /** The state a STRING_ESCAPE came from: OSC or IGNORED_STRING. */
    private int stringState;
    private int privateMarker;
    private int intermediate;
    private Consumer<byte[]> replies = reply -> { };
    private Consumer<ShellMark> marks = mark -> { };
    /** Bytes fed before the current call, and the index its positions count from: for marks' positions. */
    private long fed;
    private int origin;
    /** The index in the current call's data of the byte (or run of text) being read. */
    private int index;
    /** Where the OSC being read began (its ESC), in bytes fed. */
    private long oscStart;

    Parser(Screen screen) {
        this.screen = screen;
    }

    void onReply(Consumer<byte[]> consumer) {
        replies = consumer;
    }

    void onShellMark(Consumer<ShellMark> consumer) {
        marks = consumer;
    }

    /**
     * Reads {@code data[offset, offset + length)}; marks' positions count from {@code origin} (at or
     * before {@code offset}: a call that goes on after a fault of another parser keeps its origin).
     */
    void feed(byte[] data, int offset, int length, int origin) {
        this.origin = origin;
        try {
            feedBytes(data, offset, offset + length);
        } finally {
            fed += offset + length - origin;
        }
    }

    /** Counts {@code length} bytes of plain output as read: their effect was found without reading them. */
    void skip(int length) {
        fed += length;
    }

    /** No sequence or string is under way (a UTF-8 character may be). */
    boolean atGround() {
        return state == GROUND;
    }

    /** The index, in the data of the call under way or last made, of the byte or run being read. */
    int position() {
        return index;
    }

    private void feedBytes(byte[] data, int offset, int end) {
        int i = offset;
        while (i < end) {
            if (state == CSI && intermediate == 0) {
                index = i;
                i = csiParameters(data, i, end);
                if (i < end) {
                    index = i;
                    step(data[i++] & 0xFF);
                }
                continue;
            }
            if (state != GROUND) {
                index = i;
                step(data[i++] & 0xFF);
                continue;
            }
            int b = data[i];
            if (b >= 0x20 && b < 0x7F && !utf8.inSequence()) {
                index = i;
                int j = ByteSearch.printableEnd(data, i + 1, end);
                screen.printAscii(data, i, j);
                i = j;
                continue;
            }
            index = i;
            ground(b & 0xFF);
            i++;
        }
    }

    /** Takes a run of digits and semicolons, most of a sequence (SGR colours); returns where it ends. */
    private int csiParameters(byte[] data, int i, int end) {
        for (; i < end; i++) {
            int b = data[i];
            if (b >= '0' && b <= '9') {
                params.digit(b - '0');
            } else if (b == ';') {
                params.separator(false);
            } else {
                break;
            }
        }
        return i;
    }

    private void ground(int b) {
        if (utf8.inSequence()) {
            int cp = utf8.accept(b);
            if (cp == Utf8Decoder.MORE) {
                return;
            }
            if (cp != Utf8Decoder.CUT_SHORT) {
                printDecoded(cp);
                return;
            }
            screen.print(Utf8Decoder.REPLACEMENT);
        }
        if (b >= 0x80) {
            int result = utf8.start(b);
            if (result != Utf8Decoder.MORE) {
                printDecoded(result);
            }
        } else if (b >= 0x20 && b < 0x7F) {
            screen.print(b);
        } else {
            step(b);
        }
    }

    /** C1 controls arriving as UTF-8 (U+0080..U+009F) are not printable and have no meaning here: dropped. */
    private void printDecoded(int cp) {
        if (cp >= 0xA0) {
            screen.print(cp);
        }
    }

    /** One byte outside the ASCII fast path: controls, and every byte of escape sequences and strings. */
    private void step(int b) {
        if (b == 0x18 || b == 0x1A) { // CAN and SUB abort any sequence
            state = GROUND;
            return;
        }
        switch (state) {
            case GROUND -> {
                if (b == 0x1B) {
                    state = ESCAPE;
                } else if (b < 0x20) {
                    control(b);
                }
            }
            case ESCAPE -> escape(b);
            case ESCAPE_INTERMEDIATE -> {
                if (b < 0x20) {
                    control(b);
                } else if (b < 0x30) {
                    // Only the first intermediate matters for the sequences understood here.
                } else if (b < 0x7F) {
                    escapeDispatch(intermediate, b);
                    state = GROUND;
                }
            }
            case CSI -> csi(b);
            case CSI_IGNORE -> {
                if (b < 0x20) {
                    control(b);
                } else if (b >= 0x40 && b < 0x7F) {
                    state = GROUND;
                }
            }
            case OSC -> {
                if (b == 0x07) {
                    oscDispatch(true);
                    state = GROUND;
                } else if (b == 0x1B) {
                    stringState = OSC;
                    state = STRING_ESCAPE;
                } else if (b >= 0x20) {
                    if (oscLength < MAX_OSC) {
                        osc[oscLength++] = (byte) b;
                    } else {
                        oscTooLong = true;
                    }
                }
            }
            case IGNORED_STRING -> {
                if (b == 0x1B) {
                    stringState = IGNORED_STRING;
                    state = STRING_ESCAPE;
                }
            }
            case STRING_ESCAPE -> {
                if (stringState == OSC) {
                    // Any ESC ends an OSC (as tmux); a backslash makes it ST, anything else starts a new sequence.
                    oscDispatch(b == '\\');
                    if (b == '\\') {
                        state = GROUND;
                    } else {
                        state = ESCAPE;
                        escape(b);
                    }
                } else {
                    // Inside DCS an ESC may be data (tmux passthrough doubles it); only ESC \ ends the string.
                    state = b == '\\' ? GROUND : b == 0x1B ? STRING_ESCAPE : IGNORED_STRING;
                }
            }
            default -> throw new IllegalStateException("parser state " + state);
        }
    }

    private void escape(int b) {
        if (b < 0x20) {
            if (b == 0x1B) {
                state = ESCAPE;
            } else {
                control(b);
            }
            return;
        }
        switch (b) {
            case '[' -> {
                params.reset();
                privateMarker = 0;
                intermediate = 0;
                state = CSI;
            }
            case ']' -> {
                oscStart = fed + index - origin - 1;
                oscLength = 0;
                oscTooLong = false;
                state = OSC;
            }
            case 'P', 'X', '^', '_', 'k' -> state = IGNORED_STRING;
            default -> {
                if (b < 0x30) {
                    intermediate = b;
                    state = ESCAPE_INTERMEDIATE;
                } else {
                    if (b < 0x7F) {
                        escapeDispatch(0, b);
                    }
                    state = GROUND;
                }
            }
        }
    }

    private void csi(int b) {
        if (b >= '0' && b <= '9') {
            if (intermediate != 0) {
                state = CSI_IGNORE;
            } else {
                params.digit(b - '0');
            }
        } else if (b == ';' || b == ':') {
            params.separator(b == ':');
        } else if (b >= '<' && b <= '?') {
            if (privateMarker == 0 && params.count() == 0 && intermediate == 0) {
                privateMarker = b;
            } else {
                state = CSI_IGNORE;
            }
        } else if (b >= 0x20 && b < 0x30) {
            intermediate = b;
        } else if (b >= 0x40 && b < 0x7F) {
            state = GROUND;
            csiDispatch(b);
        } else if (b == 0x1B) {
            state = ESCAPE;
        } else if (b < 0x20) {
            control(b);
        }
    }

    private void control(int b) {
        screen.lastChar = -1;
        switch (b) {
            case 0x08 -> screen.backspace();
            case 0x09 -> screen.tab();
            case 0x0A, 0x0B, 0x0C -> screen.lineFeed(Style.erased(screen.pen));
            case 0x0D -> screen.carriageReturn();
            case 0x0E -> screen.shiftOut = true;
            case 0x0F -> screen.shiftOut = false;
            default -> {
                // NUL, BEL and the rest change nothing on screen.
            }
        }
    }

    private void escapeDispatch(int intermediateByte, int b) {
        screen.lastChar = -1;
        if (intermediateByte == '(') {
            screen.g0 = Charset.designated(b);
            return;
        }
        if (intermediateByte == ')') {
            screen.g1 = Charset.designated(b);
            return;
        }
        if (intermediateByte == '#') {
            if (b == '8') {
                screen.alignmentTest();
            }
            return;
        }
        if (intermediateByte != 0) {
            return;
        }
        switch (b) {
            case '7' -> screen.saveCursor();
            case '8' -> screen.restoreCursor();
            case 'D' -> screen.lineFeed(Style.erased(screen.pen));
            case 'E' -> screen.nextLine();
            case 'M' -> screen.reverseIndex();
            case 'H' -> screen.setTabStop();
            case 'c' -> screen.reset();
            case '=' -> screen.modes.applicationKeypad = true;
            case '>' -> screen.modes.applicationKeypad = false;
            default -> {
                // Unknown or irrelevant to the screen (ESC \ as a lone ST, single shifts, ...).
            }
        }
    }

    private void csiDispatch(int b) {
        // Any sequence, REP included, ends the run of characters REP repeats (so REP REP repeats once, as tmux).
        int last = screen.lastChar;
        screen.lastChar = -1;
        if (intermediate != 0) {
            if (intermediate == ' ' && b == 'q' && privateMarker == 0) {
                screen.cursorStyle = params.get(0, 0);
            }
            return;
        }
        switch (privateMarker) {
            case 0 -> csiStandard(b, last);
            case '?' -> {
                if (b == 'h' || b == 'l') {
                    for (int i = 0; i < params.count(); i++) {
                        privateMode(params.get(i, 0), b == 'h');
                    }
                }
            }
            case '>' -> {
                if (b == 'c' && params.get(0, 0) == 0) {
                    replies.accept(SECONDARY_ATTRIBUTES.clone());
                }
            }
            default -> {
                // CSI < and CSI = sequences (keyboard protocols and the like) do not change the screen.
            }
        }
    }

    /** CSI without private marker. CHT (CSI I) is left out on purpose: tmux ignores it. */
    private void csiStandard(int b, int lastChar) {
        Screen s = screen;
        Params p = params;
        switch (b) {
            case 'A' -> s.cursorUp(p.count(0));
            case 'B' -> s.cursorDown(p.count(0));
            case 'C' -> s.cursorRight(p.count(0));
            case 'D' -> s.cursorLeft(p.count(0));
            case 'E' -> {
                s.carriageReturn();
                s.cursorDown(p.count(0));
            }
            case 'F' -> {
                s.carriageReturn();
                s.cursorUp(p.count(0));
            }
            case 'G', '`' -> s.moveTo(p.count(0) - 1, -1, false);
            case 'H', 'f' -> s.moveTo(p.count(1) - 1, p.count(0) - 1, true);
            case 'd' -> s.moveTo(-1, p.count(0) - 1, true);
            case 'J' -> s.eraseInDisplay(p.get(0, 0));
            case 'K' -> s.eraseInLine(p.get(0, 0));
            case 'X' -> s.eraseCharacters(p.count(0));
            case '@' -> s.insertCharacters(p.count(0));
            case 'P' -> s.deleteCharacters(p.count(0));
            case 'L' -> s.insertLines(p.count(0));
            case 'M' -> s.deleteLines(p.count(0));
            case 'S' -> s.scrollUp(p.count(0), Style.erased(s.pen));
            case 'T' -> {
                if (p.count() <= 1) { // with more parameters it is xterm's mouse highlight tracking
                    s.scrollDown(p.count(0), Style.erased(s.pen));
                }
            }
            case 'Z' -> s.tabBackward(p.count(0));
            case 'g' -> s.clearTabStops(p.get(0, 0));
            case 'b' -> s.repeat(lastChar, p.count(0));
            case 'r' -> s.setScrollRegion(p.count(0) - 1, Math.max(1, p.get(1, s.rows)) - 1);
            case 'm' -> s.pen = Style.applySgr(s.pen, p);
            case 'h', 'l' -> {
                for (int i = 0; i < p.count(); i++) {
                    if (p.get(i, 0) == 4) {
                        s.modes.insert = b == 'h';
                    }
                }
            }
            case 'n' -> deviceStatus(p.get(0, 0));
            case 'c' -> {
                if (p.get(0, 0) == 0) {
                    replies.accept(PRIMARY_ATTRIBUTES.clone());
                }
            }
            case 's' -> s.saveCursor();
            case 'u' -> s.restoreCursor();
            default -> {
                // Window manipulation and other sequences that do not change the screen.
            }
        }
    }

    private void deviceStatus(int kind) {
        if (kind == 5) {
            replies.accept(DEVICE_OK.clone());
        } else if (kind == 6) {
            String report = "\033[" + (screen.cy + 1) + ";" + (Math.min(screen.cx, screen.cols - 1) + 1) + "R";
            replies.accept(report.getBytes(StandardCharsets.US_ASCII));
        }
    }

    private void privateMode(int mode, boolean on) {
        Screen s = screen;
        Modes m = s.modes;
        switch (mode) {
            case 1 -> m.applicationCursor = on;
            case 3 -> s.columnModeChange();
            case 6 -> s.setOrigin(on);
            case 7 -> m.autowrap = on;
            case 12 -> m.cursorBlink = on;
            case 25 -> m.cursorVisible = on;
            case 47, 1047 -> {
                if (on) {
                    s.enterAlternate(false);
                } else {
                    s.leaveAlternate(false);
                }
            }
            case 1049 -> {
                if (on) {
                    s.enterAlternate(true);
                } else {
                    s.leaveAlternate(true);
                }
            }
            case 1048 -> { // as xterm; tmux 3.3a ignores 1048
                if (on) {
                    s.saveCursor();
                } else {
                    s.restoreCursor();
                }
            }
            case 1000, 1002, 1003 -> m.mouse = !on ? Modes.MouseTracking.OFF
                    : mode == 1000 ? Modes.MouseTracking.STANDARD
                    : mode == 1002 ? Modes.MouseTracking.BUTTON : Modes.MouseTracking.ANY;
            case 1004 -> m.focusEvents = on;
            case 1005 -> m.mouseUtf8 = on;
            case 1006 -> m.mouseSgr = on;
            case 2004 -> m.bracketedPaste = on;
            default -> {
                // Modes that do not change the screen or the input encoding.
            }
        }
    }

    /**
     * OSC 0 and 2 set the title; OSC 133 (a shell mark, ended by BEL or ST) is told to the mark
     * consumer; OSC 1 (icon name), 7, 8, 52 and the rest are read and dropped. {@code terminated}:
     * by BEL or ST, not cut short by another sequence.
     */
    private void oscDispatch(boolean terminated) {
        screen.lastChar = -1;
        if (oscTooLong) {
            return;
        }
        int semicolon = 0;
        int command = 0;
        while (semicolon < oscLength && osc[semicolon] >= '0' && osc[semicolon] <= '9' && command < 100_000) {
            command = command * 10 + osc[semicolon++] - '0';
        }
        if (semicolon == 0 || semicolon >= oscLength || osc[semicolon] != ';') {
            return;
        }
        int payload = oscLength - semicolon - 1;
        if (command == SHELL_MARK) {
            if (terminated && payload > 0 && payload <= MAX_SHELL_MARK) {
                shellMark(semicolon + 1, payload);
            }
        } else if (command == 0 || command == 2) {
            // Control characters (C1 ones arrive as UTF-8) would corrupt the title when a snapshot replays it.
            String text = new String(osc, semicolon + 1, payload, StandardCharsets.UTF_8);
            screen.title = text.replaceAll("[\\x7F-\\x9F]", "");
        }
    }

    /** The mark's letter, then its parameters after a semicolon; the terminator is the current byte. */
    private void shellMark(int from, int length) {
        String params = length > 2 && osc[from + 1] == ';'
                ? new String(osc, from + 2, length - 2, StandardCharsets.US_ASCII) : "";
        long end = index + 1 - origin;
        marks.accept(new ShellMark((char) osc[from], params, oscStart - fed, end));
    }
}

package io.cmdop.terminal;

import java.nio.charset.StandardCharsets;
import java.util.Random;

/** Random but reproducible terminal output for differential tests: text mixed with control sequences. */
final class RandomStream {
    private static final String[] TEXT = {
        "a", "hello", "0123456789", "x y", "\u4e2d", "\u6587\u5b57", "e\u0301", "\u0308", "\ud83d\ude00",
        "\u00e9", "\u2500\u2502", "\uac00", " ", "~", "\u200b", "\ufe0f"
    };
    /** 1048 is left out: tmux 3.3a ignores it, the model saves and restores the cursor as xterm does. */
    private static final int[] PRIVATE_MODES = {1, 6, 7, 25, 47, 1047, 1049, 2004, 1000, 1002, 1003, 1005, 1006};

    private RandomStream() {
    }

    static byte[] generate(Random r, int count) {
        return String.join("", tokens(r, count)).getBytes(StandardCharsets.UTF_8);
    }

    /** The stream as a list of tokens, each a piece of text or one control, for shrinking a failing case. */
    static java.util.List<String> tokens(Random r, int count) {
        java.util.List<String> tokens = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            StringBuilder sb = new StringBuilder();
            int kind = r.nextInt(100);
            if (kind < 40) {
                sb.append(TEXT[r.nextInt(TEXT.length)]);
            } else if (kind < 50) {
                sb.append("\r\n\b\t\n\r".charAt(r.nextInt(6)));
            } else if (kind < 80) {
                sb.append(csi(r));
            } else if (kind < 88) {
                sb.append(sgr(r));
            } else if (kind < 94) {
                sb.append("\033[?").append(PRIVATE_MODES[r.nextInt(PRIVATE_MODES.length)])
                        .append(r.nextBoolean() ? 'h' : 'l');
            } else {
                String[] escapes = {"\0337", "\0338", "\033D", "\033E", "\033M", "\033H", "\033=", "\033>",
                    "\033(0", "\033(B", "\033)0", "\016", "\017", "\033]2;t" + r.nextInt(9) + "\007"};
                sb.append(escapes[r.nextInt(escapes.length)]);
            }
            tokens.add(sb.toString());
        }
        return tokens;
    }

    private static String csi(Random r) {
        String finals = "ABCDEFGHdJKXPLMSTgbr@`fZsu"; // not CHT (I): tmux 3.3a does not implement it
        char f = finals.charAt(r.nextInt(finals.length()));
        int n = r.nextInt(5) == 0 ? 0 : 1 + r.nextInt(r.nextBoolean() ? 3 : 25);
        return switch (f) {
            case 'H', 'f' -> "\033[" + (1 + r.nextInt(9)) + ";" + (1 + r.nextInt(20)) + f;
            case 'r' -> r.nextInt(4) == 0 ? "\033[r" : "\033[" + (1 + r.nextInt(7)) + ";" + (1 + r.nextInt(7)) + "r";
            case 'J', 'K' -> "\033[" + r.nextInt(3) + f;
            case 'g' -> "\033[" + (r.nextBoolean() ? 0 : 3) + "g";
            case 's', 'u' -> "\033[" + f;
            // tmux 3.3a leaves stale cells when inserting more than one character (see the ICH unit test).
            case '@' -> "\033[@";
            // Likewise when inserting lines below the scroll region: IL is tried only inside the whole screen.
            case 'L' -> "\033[r\033[" + (1 + r.nextInt(7)) + "H\033[" + (n == 0 ? "" : Integer.toString(n)) + "L";
            default -> "\033[" + (n == 0 ? "" : Integer.toString(n)) + f;
        };
    }

    private static String sgr(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> "\033[0m";
            case 1 -> "\033[" + (1 + r.nextInt(9)) + "m";
            case 2 -> "\033[" + (30 + r.nextInt(8)) + ";" + (40 + r.nextInt(8)) + "m";
            case 3 -> "\033[38;5;" + r.nextInt(256) + "m";
            case 4 -> "\033[48;2;" + r.nextInt(256) + ";" + r.nextInt(256) + ";" + r.nextInt(256) + "m";
            default -> "\033[" + (90 + r.nextInt(8)) + "m";
        };
    }

    /** The bytes with controls made visible, to reproduce a failure by hand. */
    static String describe(byte[] bytes) {
        String s = new String(bytes, StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(cp -> {
            if (cp == 0x1B) {
                sb.append("\\e");
            } else if (cp < 0x20) {
                sb.append(String.format("\\x%02x", cp));
            } else if (CharWidth.of(cp) == 0) {
                sb.append(String.format("\\u%04x", cp)); // invisible when printed

            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.toString();
    }
}

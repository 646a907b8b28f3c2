package io.cmdop.cli;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Turns {@code \r \n \t \e \\ \xNN} in a command-line argument into the bytes they name. */
final class Escapes {
    private Escapes() {
    }

    static byte[] decode(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '\\') {
                int end = i + Character.charCount(text.codePointAt(i));
                out.writeBytes(text.substring(i, end).getBytes(StandardCharsets.UTF_8));
                i = end;
                continue;
            }
            if (i + 1 >= text.length()) {
                throw new UserException("a lone backslash ends the input; write \\\\ for a backslash");
            }
            char e = text.charAt(i + 1);
            i += 2;
            switch (e) {
                case 'r' -> out.write('\r');
                case 'n' -> out.write('\n');
                case 't' -> out.write('\t');
                case 'e' -> out.write(0x1b);
                case '\\' -> out.write('\\');
                case 'x' -> {
                    if (i + 2 > text.length() || !isHex(text.charAt(i)) || !isHex(text.charAt(i + 1))) {
                        throw new UserException("\\x must be followed by two hex digits, as in \\x03");
                    }
                    out.write(Integer.parseInt(text.substring(i, i + 2), 16));
                    i += 2;
                }
                default -> throw new UserException("unknown escape \\" + e + " (known: \\r \\n \\t \\e \\\\ \\xNN)");
            }
        }
        return out.toByteArray();
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0;
    }
}

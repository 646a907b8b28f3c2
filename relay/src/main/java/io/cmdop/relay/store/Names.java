package io.cmdop.relay.store;

import java.util.regex.Pattern;

/** Checks the names people choose, so that every stored name is safe to print and to address by. */
final class Names {
    /** Fleet and machine names: they appear in addresses such as {@code web-1/build}. */
    private static final Pattern ADDRESSABLE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    /** Member names may be e-mail addresses. */
    private static final Pattern MEMBER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}");

    private Names() {
    }

    static String fleet(String name) {
        return check(ADDRESSABLE, "fleet", name, "1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }

    static String machine(String name) {
        return check(ADDRESSABLE, "machine", name, "1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }

    static String member(String name) {
        return check(MEMBER, "member", name, "1 to 100 letters, digits, '.', '_', '@', '+' or '-', starting with a letter or digit");
    }

    /** Free text such as a key's name: 1 to {@code max} characters, none of them control characters. */
    static String label(String what, String text, int max) {
        if (text == null || text.isBlank() || text.length() > max || text.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException(what + " must be 1 to " + max + " printable characters");
        }
        return text;
    }

    /** Like {@link #label} but may be empty (an unknown agent version). */
    static String optionalLabel(String what, String text, int max) {
        if (text == null || text.isEmpty()) {
            return "";
        }
        return label(what, text, max);
    }

    private static String check(Pattern pattern, String what, String name, String rule) {
        if (name == null || !pattern.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid " + what + " name '" + printable(name) + "': use " + rule);
        }
        return name;
    }

    private static String printable(String text) {
        if (text == null) {
            return "";
        }
        String cut = text.length() > 80 ? text.substring(0, 80) + "…" : text;
        return cut.codePoints()
                .map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                .toString();
    }
}

package io.cmdop.session.pty;

import java.util.Locale;
import java.util.Optional;

/**
 * A POSIX signal that can be sent to the program running in a {@link Pty}, with its Linux number.
 *
 * <p>The numbers are those of Linux on x86_64 and aarch64 (the platforms the PTY supports).
 */
public enum Signal {
    HUP(1),
    INT(2),
    QUIT(3),
    ABRT(6),
    KILL(9),
    USR1(10),
    USR2(12),
    PIPE(13),
    ALRM(14),
    TERM(15),
    CHLD(17),
    CONT(18),
    STOP(19),
    TSTP(20),
    TTIN(21),
    TTOU(22),
    WINCH(28);

    private static final Signal[] BY_NUMBER = new Signal[32];

    static {
        for (Signal signal : values()) {
            BY_NUMBER[signal.number] = signal;
        }
    }

    private final int number;

    Signal(int number) {
        this.number = number;
    }

    /** The signal's number, as given to {@code kill(2)}. */
    public int number() {
        return number;
    }

    /** The conventional name with its prefix, for example {@code SIGINT}. */
    public String signalName() {
        return "SIG" + name();
    }

    /** The signal with this number, if it is one of these constants. */
    public static Optional<Signal> of(int number) {
        return number > 0 && number < BY_NUMBER.length ? Optional.ofNullable(BY_NUMBER[number]) : Optional.empty();
    }

    /**
     * Parses a signal as a user would name it: {@code "INT"}, {@code "SIGINT"}, {@code "int"},
     * {@code "sigint"} or its number {@code "2"}. Surrounding white space is ignored. Anything else,
     * including {@code null}, gives an empty result.
     */
    public static Optional<Signal> parse(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String text = name.strip();
        if (text.isEmpty() || text.length() > 10) {
            return Optional.empty();
        }
        if (isDigits(text)) {
            if (text.length() > 2) {
                return Optional.empty();
            }
            return of(Integer.parseInt(text));
        }
        String upper = text.toUpperCase(Locale.ROOT);
        if (upper.startsWith("SIG")) {
            upper = upper.substring(3);
        }
        for (Signal signal : values()) {
            if (signal.name().equals(upper)) {
                return Optional.of(signal);
            }
        }
        return Optional.empty();
    }

    private static boolean isDigits(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}

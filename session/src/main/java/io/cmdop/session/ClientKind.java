package io.cmdop.session;

/** The kind of program behind a client. Informational: it grants nothing. */
public enum ClientKind {
    CLI, WEB, SDK, AI;

    /** Programmatic clients do not count toward the terminal size unless they ask to. */
    boolean countsForSizeByDefault() {
        return this == CLI || this == WEB;
    }
}

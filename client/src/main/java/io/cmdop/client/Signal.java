package io.cmdop.client;

/** Signals a client may send to a session's foreground process group, by their POSIX names. */
public enum Signal {
    /** Interrupt, as Ctrl-C. */
    INT,
    /** Quit, as Ctrl-\. */
    QUIT,
    /** Stop, as Ctrl-Z. */
    TSTP,
    /** Continue a stopped program. */
    CONT,
    /** Polite termination. */
    TERM,
    /** Hang-up. */
    HUP,
    /** Immediate, uncatchable termination. */
    KILL,
    USR1,
    USR2,
    /** The terminal's size changed. */
    WINCH
}

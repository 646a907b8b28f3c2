package io.cmdop.session;

/** What an attached client may do. The permission matrix of ARCHITECTURE §3.3 is enforced on it. */
public enum Mode {
    /** May send input and commands, resize and signal. */
    OPERATOR,
    /** Watches output and reads the screen only. */
    OBSERVER
}

package io.cmdop.cli;

import java.io.OutputStream;

/** The terminal cmdop runs in, as an interactive attach uses it: its size, its raw mode and its output. */
interface UserTerminal {
    int cols();

    int rows();

    OutputStream output();

    /** Keys reach the session as typed: no echo, no line editing, no signals from keys, no output processing. */
    void enterRawMode();

    /** Back to the mode the terminal had before {@link #enterRawMode}. */
    void restore();

    /** Calls {@code listener} whenever the terminal changes size. */
    void onResize(Runnable listener);
}

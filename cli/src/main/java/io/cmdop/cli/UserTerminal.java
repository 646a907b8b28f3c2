package io.cmdop.cli;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.OptionalInt;

/** The terminal cmdop runs in, as an interactive attach uses it: its size, its raw mode, its keys and its output. */
interface UserTerminal {
    int cols();

    int rows();

    OutputStream output();

    /** The keys typed into it. */
    InputStream input();

    /** The descriptor {@link #input} reads, for watching it from an event loop; empty when it has none. */
    OptionalInt inputDescriptor();

    /** Keys reach the session as typed: no echo, no line editing, no signals from keys, no output processing. */
    void enterRawMode();

    /** Back to the mode the terminal had before {@link #enterRawMode}. */
    void restore();

    /** Calls {@code listener} whenever the terminal changes size. */
    void onResize(Runnable listener);
}

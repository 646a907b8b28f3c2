/**
 * The headless terminal model: a pure (no I/O, no threads) xterm-compatible emulator that turns a
 * program's output bytes into the screen a user sees, so that a client joining a live session late is
 * shown the current screen rather than an empty terminal.
 *
 * <p>Public surface: {@link io.cmdop.terminal.VirtualTerminal} (bytes in), {@link io.cmdop.terminal.ScreenSnapshot}
 * (an immutable picture, readable as text, as {@link io.cmdop.terminal.Cell}s, or as bytes that redraw it),
 * {@link io.cmdop.terminal.Viewport} (the part of the screen that fits a smaller terminal, as bytes that
 * update it), {@link io.cmdop.terminal.Color}, {@link io.cmdop.terminal.ShellMark} (a shell-integration mark met
 * in the output) and {@link io.cmdop.terminal.ByteSearch} (word-at-a-time scans, also for others' byte streams).
 * Inside, one class per noun: {@code Parser} (escape sequences and
 * UTF-8), {@code Screen} (what each operation does), {@code Line} (a row of cells), {@code Style} (packed
 * cell attributes), {@code Charset}, {@code CharWidth}, {@code Scrollback}, {@code Modes}, {@code TabStops},
 * {@code SavedCursor} and {@code AnsiEncoder} (snapshot to bytes).
 *
 * <p>Behaviour follows tmux, which the tests use as the reference terminal.
 */
package io.cmdop.terminal;

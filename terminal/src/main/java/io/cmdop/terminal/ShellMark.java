package io.cmdop.terminal;

/**
 * A shell-integration mark (OSC 133, as shells with semantic prompts emit it): its letter (A prompt
 * shown, C command output begins, D command finished, ...), its parameters and where it lies.
 * Positions count bytes from the start of the {@link VirtualTerminal#feed} call that completed the
 * mark: {@code end} is just past its terminator, and {@code start} (its ESC) is below zero when the
 * mark began in an earlier call.
 */
public record ShellMark(char kind, String params, long start, long end) {
}

package io.cmdop.session;

import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * An immutable description of a session at one moment.
 *
 * @param memoryBytes about the memory the daemon holds for the session's output: the ring's events
 *                    (compressed once quiet), the screen and scrollback, output held back, the read buffer
 */
public record SessionView(String id, String name, List<String> command, boolean running, OptionalInt exitCode,
                          long createdAtMs, OptionalLong endedAtMs, TerminalSize size, ResizePolicy resizePolicy,
                          List<ClientView> attached, long outputOffset, long lastSeq, long memoryBytes) {
    public SessionView {
        command = List.copyOf(command);
        attached = List.copyOf(attached);
    }
}

package io.cmdop.session;

import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;

/** An immutable description of a session at one moment. */
public record SessionView(String id, String name, List<String> command, boolean running, OptionalInt exitCode,
                          long createdAtMs, OptionalLong endedAtMs, TerminalSize size, ResizePolicy resizePolicy,
                          List<ClientView> attached, long outputOffset, long lastSeq) {
    public SessionView {
        command = List.copyOf(command);
        attached = List.copyOf(attached);
    }
}

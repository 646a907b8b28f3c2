package io.cmdop.client;

import java.nio.charset.StandardCharsets;

/**
 * The end of a correlated command: its id, exit code, everything it printed (as the terminal got
 * it, CRLF line ends included) and how long it ran.
 */
public record CommandResult(String commandId, int exitCode, byte[] output, long durationMs) {
    /** The output as text with terminal line ends ({@code \r\n}) turned into {@code \n}. */
    public String text() {
        return new String(output, StandardCharsets.UTF_8).replace("\r\n", "\n");
    }
}

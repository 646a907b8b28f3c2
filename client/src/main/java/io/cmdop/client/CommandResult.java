package io.cmdop.client;

import java.nio.charset.StandardCharsets;

/**
 * The end of a correlated command: its id, exit code, what it printed (as the terminal got it, CRLF
 * line ends included; at most {@link #MAX_KEPT_BYTES}, the rest went only to the output callback,
 * which {@code truncated} then says) and how long it ran.
 */
public record CommandResult(String commandId, int exitCode, byte[] output, boolean truncated, long durationMs) {
    /** Output kept in a result; streams larger than this are for the output callback. */
    public static final int MAX_KEPT_BYTES = 16 * 1024 * 1024;

    /** The output as text with terminal line ends ({@code \r\n}) turned into {@code \n}. */
    public String text() {
        return new String(output, StandardCharsets.UTF_8).replace("\r\n", "\n");
    }
}

package io.cmdop.client;

import io.cmdop.protocol.v1.CommandFinished;
import io.cmdop.protocol.v1.CommandStarted;
import io.cmdop.protocol.v1.Reason;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a stream needs to answer {@link TerminalStream#waitForCommand}: the commands it sent, where
 * the session said each began and ended, and the latest output (a window of {@link #WINDOW_BYTES})
 * to cut a command's output from. Bounded: the oldest commands are forgotten past {@link #MAX_COMMANDS}.
 */
final class CommandLog {
    static final int WINDOW_BYTES = 1024 * 1024;
    static final int MAX_COMMANDS = 256;

    private record Marks(long start, long end, int exitCode, long durationMs) {
        static final Marks NONE = new Marks(-1, -1, 0, 0);

        boolean finished() {
            return end >= 0;
        }
    }

    private final Map<String, Marks> commands = boundedMap();
    private final Map<String, Boolean> sent = boundedMap();
    private byte[] window;
    private long windowStart;
    private long windowEnd;
    private boolean ended;

    private static <V> Map<String, V> boundedMap() {
        return new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > MAX_COMMANDS;
            }
        };
    }

    /** Called before a command is sent, so its output is kept from the start. */
    synchronized void keepOutput() {
        if (window == null) {
            window = new byte[WINDOW_BYTES];
        }
    }

    synchronized void sent(String commandId) {
        sent.put(commandId, Boolean.TRUE);
    }

    synchronized void output(long offset, byte[] data) {
        if (window == null) {
            return;
        }
        if (offset != windowEnd) {
            windowStart = offset; // a gap (or the first output): what came before is not contiguous
            windowEnd = offset;
        }
        int from = Math.max(0, data.length - WINDOW_BYTES);
        long at = windowEnd + from;
        while (from < data.length) {
            int slot = (int) (at % WINDOW_BYTES);
            int n = Math.min(data.length - from, WINDOW_BYTES - slot);
            System.arraycopy(data, from, window, slot, n);
            from += n;
            at += n;
        }
        windowEnd += data.length;
        windowStart = Math.max(windowStart, windowEnd - WINDOW_BYTES);
    }

    synchronized void started(CommandStarted started) {
        commands.put(started.getCommandId(), new Marks(started.getOffset(), -1, 0, 0));
    }

    synchronized void finished(CommandFinished finished) {
        Marks m = commands.getOrDefault(finished.getCommandId(), Marks.NONE);
        commands.put(finished.getCommandId(), new Marks(m.start() < 0 ? finished.getOffset() : m.start(),
                finished.getOffset(), finished.getExitCode(), finished.getDurationMs()));
        notifyAll();
    }

    /** The stream is gone: waiters stop waiting. */
    synchronized void ended() {
        ended = true;
        notifyAll();
    }

    synchronized void reopened() {
        ended = false;
    }

    /** Waits for the end of a command this stream sent; its output is what the window still holds of it. */
    synchronized CommandResult await(String commandId, Duration timeout) throws InterruptedException {
        if (!sent.containsKey(commandId)) {
            throw new CmdopException(Reason.REASON_INVALID_ARGUMENT, "no command " + commandId
                    + " was sent on this stream (or it is one of more than " + MAX_COMMANDS + " since)");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Marks m;
        while (!(m = commands.getOrDefault(commandId, Marks.NONE)).finished()) {
            if (ended) {
                throw new CmdopException(Reason.REASON_STREAM_CLOSED, "the stream ended before command "
                        + commandId + " did");
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new CmdopException(Reason.REASON_TIMEOUT, "command " + commandId + " did not finish within "
                        + timeout.toMillis() + " ms");
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        long from = Math.max(m.start(), windowStart);
        long to = Math.min(m.end(), windowEnd);
        byte[] output = new byte[(int) Math.max(0, to - from)];
        for (int i = 0; i < output.length; i++) {
            output[i] = window[(int) ((from + i) % WINDOW_BYTES)];
        }
        return new CommandResult(commandId, m.exitCode(), output, from > m.start() || to < m.end(), m.durationMs());
    }
}

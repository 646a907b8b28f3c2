package io.cmdop.session;

/**
 * One entry of a session's ordered event stream. Every event takes the next {@code seq}; every
 * attached client receives the same events in the same order. Byte arrays inside events are shared
 * by every client's queue and are never modified after the event is created.
 */
public sealed interface SessionEvent {
    long seq();

    long timeMs();

    /** Bytes this event holds, for the accounting of bounded queues and the ring. */
    default int weight() {
        return 64;
    }

    /** Output of the PTY, addressed by the offset of its first byte. */
    record Output(long seq, long timeMs, long offset, byte[] data) implements SessionEvent {
        public long endOffset() {
            return offset + data.length;
        }

        @Override
        public int weight() {
            return 64 + data.length;
        }
    }

    /** Input that the sequencer accepted and applies to the PTY in {@code inputId} order. */
    record InputApplied(long seq, long timeMs, long inputId, Sender sender, byte[] data, String commandId)
            implements SessionEvent {
        @Override
        public int weight() {
            return 96 + data.length;
        }
    }

    record ClientJoined(long seq, long timeMs, ClientView client) implements SessionEvent {}

    /** {@code reason}: "detached", "disconnected", "session_ended" or "destroyed". */
    record ClientLeft(long seq, long timeMs, ClientView client, String reason) implements SessionEvent {}

    record Resized(long seq, long timeMs, TerminalSize size, Sender sender) implements SessionEvent {}

    record Signaled(long seq, long timeMs, String signal, Sender sender) implements SessionEvent {}

    /** A command began: its output starts at {@code offset}. {@code commandId} is empty for typed commands. */
    record CommandStarted(long seq, long timeMs, String commandId, String command, long offset) implements SessionEvent {}

    /** A command ended: its output ends at {@code offset}. */
    record CommandFinished(long seq, long timeMs, String commandId, int exitCode, long offset, long durationMs)
            implements SessionEvent {}

    /** The session's process ended with this code (128 + signal number when killed). */
    record Exited(long seq, long timeMs, int exitCode) implements SessionEvent {}
}

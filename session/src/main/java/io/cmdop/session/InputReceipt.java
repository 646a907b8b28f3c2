package io.cmdop.session;

/** The sequencer's answer to an input: its id, the seq of its announcement, and its command id if any. */
public record InputReceipt(long inputId, long seq, String commandId) {
}

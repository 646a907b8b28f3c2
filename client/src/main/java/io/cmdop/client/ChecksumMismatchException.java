package io.cmdop.client;

import io.cmdop.protocol.v1.Reason;

/** The bytes received do not have the SHA-256 the sender announced: the transfer is void (an upload left no file; a download to a path left none either). */
public final class ChecksumMismatchException extends CmdopException {
    ChecksumMismatchException(String message, Throwable cause) {
        super(Reason.REASON_CHECKSUM_MISMATCH, message, cause);
    }
}

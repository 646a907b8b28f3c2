package io.cmdop.client;

import io.cmdop.protocol.v1.Reason;

/** The path leads outside the machine's files root (through `..`, a link, or by being absolute elsewhere). Nothing was touched. */
public final class PathOutsideRootException extends CmdopException {
    PathOutsideRootException(String message, Throwable cause) {
        super(Reason.REASON_PATH_OUTSIDE_ROOT, message, cause);
    }
}

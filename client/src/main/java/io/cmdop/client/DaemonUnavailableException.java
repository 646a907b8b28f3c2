package io.cmdop.client;

import io.cmdop.protocol.v1.Reason;

/** The daemon could not be reached: usually it is not running. */
public final class DaemonUnavailableException extends CmdopException {
    DaemonUnavailableException(String target, Throwable cause) {
        super(Reason.REASON_UNSPECIFIED, "the cmdop daemon is not running (no answer on " + target
                + "); start it with `cmdop agent start`", cause);
    }
}

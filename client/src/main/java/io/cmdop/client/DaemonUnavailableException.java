package io.cmdop.client;

import io.cmdop.protocol.v1.Reason;

/** The daemon (or the relay) could not be reached: usually it is not running, or the network is down. */
public final class DaemonUnavailableException extends CmdopException {
    DaemonUnavailableException(String target, Throwable cause) {
        super(Reason.REASON_UNSPECIFIED, target.startsWith("http")
                ? "the relay at " + target + " does not answer"
                : "the cmdop daemon is not running (no answer on " + target + "); start it with `cmdop agent start`",
                cause);
    }
}

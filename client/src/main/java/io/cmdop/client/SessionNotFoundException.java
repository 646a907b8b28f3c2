package io.cmdop.client;

import io.cmdop.protocol.v1.Reason;

/** No session with the given id or name. */
public final class SessionNotFoundException extends CmdopException {
    SessionNotFoundException(String message, Throwable cause) {
        super(Reason.REASON_SESSION_NOT_FOUND, message, cause);
    }
}

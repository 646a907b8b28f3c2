package io.cmdop.client;

import io.cmdop.protocol.v1.Reason;

/** The action needs operator mode (observers only watch). Nothing of it took effect. */
public final class PermissionDeniedException extends CmdopException {
    PermissionDeniedException(String message, Throwable cause) {
        super(Reason.REASON_OBSERVER_READ_ONLY, message, cause);
    }
}

package io.cmdop.client;

import io.cmdop.protocol.v1.Reason;

/**
 * The action needs an operator: observers only watch ({@code OBSERVER_READ_ONLY}), and a role that
 * may only observe cannot act ({@code ROLE_FORBIDS}). Nothing of it took effect.
 */
public final class PermissionDeniedException extends CmdopException {
    PermissionDeniedException(Reason reason, String message, Throwable cause) {
        super(reason, message, cause);
    }
}

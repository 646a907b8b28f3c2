package io.cmdop.session;

import java.util.Objects;

/** A refused or failed session operation, with its stable reason. Nothing of a refused action took effect. */
public final class SessionException extends RuntimeException {
    private final Reason reason;

    public SessionException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason);
    }

    public SessionException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason);
    }

    public Reason reason() {
        return reason;
    }
}

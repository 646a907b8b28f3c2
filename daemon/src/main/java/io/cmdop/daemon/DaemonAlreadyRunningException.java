package io.cmdop.daemon;

/** Another daemon holds this {@code $CMDOP_HOME}. */
public final class DaemonAlreadyRunningException extends java.io.IOException {
    public DaemonAlreadyRunningException(String message) {
        super(message);
    }
}

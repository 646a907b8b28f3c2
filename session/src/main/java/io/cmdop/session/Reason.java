package io.cmdop.session;

/**
 * Stable reasons for refusals. Their names are part of the protocol (cmdop.v1.Reason without the
 * REASON_ prefix): never rename one.
 */
public enum Reason {
    SESSION_NOT_FOUND,
    OBSERVER_READ_ONLY,
    TOKEN_INVALID,
    TOKEN_EXPIRED,
    FRAME_TOO_LARGE,
    MALFORMED_FRAME,
    SESSION_EXITED,
    NAME_TAKEN,
    INVALID_ARGUMENT,
    SHELL_BUSY,
    TIMEOUT,
    RESIZE_FIXED,
    LIMIT_REACHED,
    SPAWN_FAILED,
    UNKNOWN_SIGNAL,
    INTERNAL,
    ROLE_FORBIDS,
    UNAUTHENTICATED,
    MACHINE_OFFLINE
}

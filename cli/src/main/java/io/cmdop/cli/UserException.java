package io.cmdop.cli;

/** A problem the user can fix, reported as one line without a stack trace. */
final class UserException extends RuntimeException {
    UserException(String message) {
        super(message);
    }
}

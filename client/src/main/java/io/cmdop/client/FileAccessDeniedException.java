package io.cmdop.client;

import io.cmdop.protocol.v1.Reason;

/** The machine's operating system refused the file operation (permission bits, an immutable file, a read-only file system). */
public final class FileAccessDeniedException extends CmdopException {
    FileAccessDeniedException(String message, Throwable cause) {
        super(Reason.REASON_OS_PERMISSION_DENIED, message, cause);
    }
}

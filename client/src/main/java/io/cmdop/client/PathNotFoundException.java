package io.cmdop.client;

import io.cmdop.protocol.v1.Reason;

/** No such file or directory on the machine (or a directory on the way is missing). */
public final class PathNotFoundException extends CmdopException {
    PathNotFoundException(String message, Throwable cause) {
        super(Reason.REASON_FILE_NOT_FOUND, message, cause);
    }
}

package io.cmdop.daemon;

import io.cmdop.protocol.v1.Reason;
import io.cmdop.transport.ErrorStatus;
import io.grpc.StatusRuntimeException;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Objects;

/** A refused or failed file operation, with the protocol's stable reason. Nothing of it took effect. */
final class FileException extends RuntimeException {
    private final Reason reason;

    FileException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason);
    }

    Reason reason() {
        return reason;
    }

    StatusRuntimeException status() {
        return ErrorStatus.of(reason, getMessage());
    }

    /**
     * What the operating system said, as a reason and a message naming the client's path (the
     * daemon's own paths stay out of messages). Java reports EPERM and EROFS only as text.
     */
    static FileException of(IOException e, String action, String path) {
        String why = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
        Reason reason = switch (e) {
            case NoSuchFileException n -> Reason.REASON_FILE_NOT_FOUND;
            case AccessDeniedException a -> Reason.REASON_OS_PERMISSION_DENIED;
            case FileAlreadyExistsException x -> Reason.REASON_FILE_EXISTS;
            case DirectoryNotEmptyException d -> Reason.REASON_DIRECTORY_NOT_EMPTY;
            case NotDirectoryException d -> Reason.REASON_NOT_A_DIRECTORY;
            default -> switch (String.valueOf(why)) {
                case "Operation not permitted", "Read-only file system", "Permission denied" ->
                        Reason.REASON_OS_PERMISSION_DENIED;
                case "Not a directory" -> Reason.REASON_NOT_A_DIRECTORY;
                case "Is a directory" -> Reason.REASON_IS_A_DIRECTORY;
                case "Directory not empty" -> Reason.REASON_DIRECTORY_NOT_EMPTY;
                default -> Reason.REASON_IO_ERROR;
            };
        };
        String text = switch (reason) {
            case REASON_FILE_NOT_FOUND -> "no such file or directory";
            case REASON_OS_PERMISSION_DENIED -> "the operating system refused (" + (why == null ? "permission denied" : why) + ")";
            case REASON_FILE_EXISTS -> "it already exists";
            case REASON_DIRECTORY_NOT_EMPTY -> "the directory is not empty (delete it recursively)";
            case REASON_NOT_A_DIRECTORY -> "a component of the path is not a directory";
            case REASON_IS_A_DIRECTORY -> "it is a directory";
            default -> String.valueOf(why);
        };
        return new FileException(reason, "cannot " + action + " " + quote(path) + ": " + text);
    }

    static String quote(String path) {
        return "'" + (path.isEmpty() ? "." : path) + "'";
    }
}

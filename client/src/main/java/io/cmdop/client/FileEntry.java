package io.cmdop.client;

import io.cmdop.protocol.v1.FileInfo;

import java.time.Instant;

/**
 * A file, directory or link on a machine, as its daemon described it.
 *
 * @param path relative to the machine's files root, '/'-separated; empty for the root itself
 * @param name the last component of {@code path}
 * @param type what it is; a link is only ever listed as a link, never followed
 * @param size bytes, for files (0 otherwise)
 * @param modified the last modification
 * @param mode POSIX permission bits, e.g. {@code 0644}
 */
public record FileEntry(String path, String name, Type type, long size, Instant modified, int mode) {
    /** The kinds of entries a listing shows. */
    public enum Type {
        FILE, DIRECTORY, SYMLINK,
        /** A device, socket or pipe: listed, never read or written. */
        OTHER
    }

    static FileEntry of(FileInfo info) {
        Type type = switch (info.getType()) {
            case FILE_TYPE_FILE -> Type.FILE;
            case FILE_TYPE_DIRECTORY -> Type.DIRECTORY;
            case FILE_TYPE_SYMLINK -> Type.SYMLINK;
            default -> Type.OTHER;
        };
        return new FileEntry(info.getPath(), info.getName(), type, info.getSize(),
                Instant.ofEpochMilli(info.getModifiedMs()), info.getMode());
    }
}

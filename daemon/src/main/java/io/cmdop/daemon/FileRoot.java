package io.cmdop.daemon;

import io.cmdop.protocol.v1.FileInfo;
import io.cmdop.protocol.v1.FileType;
import io.cmdop.protocol.v1.Reason;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;

/**
 * The directory the files service is confined to, and the one way a client's path becomes a path
 * of this machine. The path is walked name by name from the root's real path, as the kernel would
 * walk it: {@code ..} goes to the parent of where the walk is (so after a link, of the link's
 * target), and every link met is resolved and must lead inside the root. The walk never looks at
 * anything outside the root, so a refusal does not reveal what exists there.
 *
 * <p>Known limit: a directory swapped for a link between this walk and the use of its result is
 * not detected; the final component is opened without following links, and anyone able to swap
 * directories inside the root is an operator, who has a shell there anyway.
 */
final class FileRoot {
    static final int MAX_PATH_BYTES = 4096;

    private final Path configured;

    FileRoot(Path configured) {
        this.configured = configured.toAbsolutePath().normalize();
    }

    /** The root as configured, for messages and logs. */
    Path configured() {
        return configured;
    }

    /** The root's real path now: it may itself be a link, or be created after the daemon started. */
    Path real() {
        Path real;
        try {
            real = configured.toRealPath();
        } catch (NoSuchFileException e) {
            throw new FileException(Reason.REASON_FILE_NOT_FOUND, "the files root " + configured
                    + " does not exist (files.root in config.yaml)");
        } catch (IOException e) {
            throw FileException.of(e, "open the files root", configured.toString());
        }
        if (!Files.isDirectory(real)) {
            throw new FileException(Reason.REASON_NOT_A_DIRECTORY, "the files root " + configured
                    + " is not a directory (files.root in config.yaml)");
        }
        return real;
    }

    /**
     * The real path {@code path} names, every link followed. What does not exist yet (a file about
     * to be written, a directory about to be made) is returned under its nearest existing
     * directory, which lies inside the root.
     */
    Path resolve(String path) {
        return walk(path, true);
    }

    /**
     * As {@link #resolve}, except that a link in the last position is the result itself, not what it
     * points to: deleting or moving a link acts on the link. The root itself is refused.
     */
    Path entry(String path) {
        Path entry = walk(path, false);
        if (entry.equals(real())) {
            throw new FileException(Reason.REASON_INVALID_ARGUMENT, "the files root itself cannot be changed");
        }
        return entry;
    }

    /** How a client sees a path this class returned: relative to the root, '/'-separated. */
    String relative(Path resolved) {
        return real().relativize(resolved).toString();
    }

    /** A path this class returned, as the client sees it; a missing one is FILE_NOT_FOUND naming the client's path. */
    FileInfo describe(Path resolved, String action, String asked) {
        try {
            return describe(resolved);
        } catch (IOException e) {
            throw FileException.of(e, action, asked);
        }
    }

    /** As {@link #describe(Path, String, String)}; a link is described as a link. */
    FileInfo describe(Path resolved) throws IOException {
        PosixFileAttributes a = Files.readAttributes(resolved, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        FileType type = a.isRegularFile() ? FileType.FILE_TYPE_FILE : a.isDirectory() ? FileType.FILE_TYPE_DIRECTORY
                : a.isSymbolicLink() ? FileType.FILE_TYPE_SYMLINK : FileType.FILE_TYPE_OTHER;
        String relative = relative(resolved);
        int mode = 0;
        for (PosixFilePermission p : a.permissions()) {
            mode |= 1 << (8 - p.ordinal());  // OWNER_READ is 0400 ... OTHERS_EXECUTE 0001
        }
        return FileInfo.newBuilder()
                .setPath(relative)
                .setName(relative.isEmpty() ? "" : resolved.getFileName().toString())
                .setType(type)
                .setSize(a.isRegularFile() ? a.size() : 0)
                .setModifiedMs(a.lastModifiedTime().toMillis())
                .setMode(mode)
                .build();
    }

    private Path walk(String path, boolean followLast) {
        Path root = real();
        List<String> names = names(path, root);
        Path current = root;
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            boolean last = i == names.size() - 1;
            if (name.equals("..")) {
                if (current.equals(root)) {
                    throw outside(path);
                }
                current = current.getParent();
                continue;
            }
            Path next = current.resolve(name);
            BasicFileAttributes attributes;
            try {
                attributes = Files.readAttributes(next, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                return notYet(path, next, names.subList(i + 1, names.size()));
            } catch (IOException e) {
                throw FileException.of(e, "resolve", path);
            }
            if (attributes.isSymbolicLink() && (followLast || !last)) {
                next = target(path, next, root);
            } else if (!last && !attributes.isDirectory()) {
                throw new FileException(Reason.REASON_NOT_A_DIRECTORY, "cannot resolve " + FileException.quote(path)
                        + ": " + FileException.quote(root.relativize(next).toString()) + " is not a directory");
            }
            current = next;
        }
        return current;
    }

    /** The names to walk: a relative path as given, an absolute one relative to the root it must lie in. */
    private List<String> names(String path, Path root) {
        if (path.indexOf('\0') >= 0) {
            throw new FileException(Reason.REASON_INVALID_ARGUMENT, "a path cannot contain a NUL character");
        }
        if (path.getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
            throw new FileException(Reason.REASON_INVALID_ARGUMENT, "a path has at most " + MAX_PATH_BYTES + " bytes");
        }
        String relative = path;
        if (path.startsWith("/")) {
            // Refused without touching the file system when it names another place; what follows the
            // root (`..` included) is walked like a relative path.
            Path absolute = Path.of(path);
            Path base = absolute.startsWith(root) ? root : absolute.startsWith(configured) ? configured : null;
            if (base == null) {
                throw outside(path);
            }
            // Not relativize(): it would drop `link/..` pairs the kernel resolves through the link.
            relative = absolute.getNameCount() == base.getNameCount() ? ""
                    : absolute.subpath(base.getNameCount(), absolute.getNameCount()).toString();
        }
        List<String> names = new ArrayList<>();
        for (String name : relative.split("/")) {
            if (!name.isEmpty() && !name.equals(".")) {
                names.add(name);
            }
        }
        return names;
    }

    /** Where a link leads; a link leading outside the root is refused like any other way out. */
    private Path target(String path, Path link, Path root) {
        Path target;
        try {
            target = link.toRealPath();
        } catch (IOException e) {
            throw new FileException(Reason.REASON_FILE_NOT_FOUND, "cannot resolve " + FileException.quote(path)
                    + ": " + FileException.quote(root.relativize(link).toString()) + " is a link that leads nowhere");
        }
        if (!target.startsWith(root)) {
            throw outside(path);
        }
        return target;
    }

    /** A path whose first {@code missing} name does not exist: only plain names may follow it. */
    private Path notYet(String path, Path missing, List<String> rest) {
        if (rest.contains("..")) {
            throw new FileException(Reason.REASON_FILE_NOT_FOUND, "cannot resolve " + FileException.quote(path)
                    + ": " + FileException.quote(missing.getFileName().toString()) + " does not exist");
        }
        Path result = missing;
        for (String name : rest) {
            result = result.resolve(name);
        }
        return result;
    }

    private static FileException outside(String path) {
        return new FileException(Reason.REASON_PATH_OUTSIDE_ROOT, FileException.quote(path)
                + " leads outside the files root");
    }
}

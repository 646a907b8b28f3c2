package io.cmdop.daemon;

import io.cmdop.protocol.v1.Reason;
import io.cmdop.protocol.v1.WriteFileRequest;
import io.cmdop.protocol.v1.WriteFileResponse;
import io.cmdop.protocol.v1.WriteHeader;
import io.cmdop.session.SessionException;
import io.cmdop.transport.FileChunks;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One file being written (Files.Write): the bytes go to a hidden temporary file in the target's
 * directory, which replaces the target by one atomic rename once the size and the SHA-256 match.
 * Whatever ends it otherwise — a refusal, a wrong checksum, the client going away — deletes the
 * temporary file, so the target is either untouched or complete. Messages arrive one at a time.
 */
final class Upload implements StreamObserver<WriteFileRequest> {
    private static final Logger LOG = Logger.getLogger(Upload.class.getName());
    static final String TEMP_MARK = ".cmdop-upload-";

    private final FileRoot root;
    private final Caller caller;
    private final StreamObserver<WriteFileResponse> response;
    private final MessageDigest sha256 = FilesService.sha256();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private String path;
    private Path target;
    private Path temp;
    private FileChannel channel;
    private long expected = -1;
    private long received;

    Upload(FileRoot root, Caller caller, StreamObserver<WriteFileResponse> response) {
        this.root = root;
        this.caller = caller;
        this.response = response;
    }

    /** Completes when the upload has ended, whichever way. */
    CompletableFuture<Void> ended() {
        return ended;
    }

    @Override
    public void onNext(WriteFileRequest message) {
        if (ended.isDone()) {
            return;
        }
        try {
            switch (message.getBodyCase()) {
                case HEADER -> open(message.getHeader());
                case DATA -> write(message);
                case SHA256 -> finish(message.getSha256());
                case BODY_NOT_SET -> throw malformed("an upload message without a body");
            }
        } catch (FileException e) {
            fail(e.status());
        } catch (SessionException e) {
            fail(Errors.status(e));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "upload of " + path + " failed", e);
            fail(new FileException(Reason.REASON_INTERNAL, "internal error: " + e).status());
        }
    }

    /** The client went away: nothing of the upload stays. */
    @Override
    public void onError(Throwable t) {
        if (!ended.isDone()) {
            discard();
            LOG.info(() -> "upload of " + path + " cut off after " + received + " bytes; nothing was written");
        }
    }

    @Override
    public void onCompleted() {
        if (!ended.isDone()) {
            fail(new FileException(Reason.REASON_TRANSFER_INCOMPLETE, path == null ? "the upload ended before its header"
                    : "the upload of " + FileException.quote(path) + " ended after " + received
                    + " bytes without its checksum; nothing was written").status());
        }
    }

    /** Ends the upload with an error of the carrier's (e.g. a stalled relay): nothing stays. */
    void refuse(FileException e) {
        if (!ended.isDone()) {
            fail(e.status());
        }
    }

    private void open(WriteHeader header) {
        if (channel != null) {
            throw malformed("an upload has one header");
        }
        caller.requireOperator("write files");
        path = header.getPath();
        expected = header.hasSize() ? header.getSize() : -1;
        target = root.resolve(path);
        try {
            BasicFileAttributes existing = Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (existing.isDirectory()) {
                throw new FileException(Reason.REASON_IS_A_DIRECTORY, "cannot write " + FileException.quote(path)
                        + ": it is a directory");
            }
            if (!existing.isRegularFile()) {
                throw new FileException(Reason.REASON_INVALID_ARGUMENT, "cannot write " + FileException.quote(path)
                        + ": it is not a regular file");
            }
        } catch (NoSuchFileException e) {
            // A new file.
        } catch (IOException e) {
            throw FileException.of(e, "write", path);
        }
        if (target.getParent() == null || !Files.isDirectory(target.getParent(), LinkOption.NOFOLLOW_LINKS)) {
            throw new FileException(Reason.REASON_FILE_NOT_FOUND, "cannot write " + FileException.quote(path)
                    + ": its directory does not exist");
        }
        // Hidden, next to the target (same file system, so the rename is atomic), never an existing file.
        temp = target.resolveSibling("." + target.getFileName() + TEMP_MARK + UUID.randomUUID());
        try {
            channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (IOException e) {
            temp = null;
            throw FileException.of(e, "write", path);
        }
    }

    private void write(WriteFileRequest message) {
        if (channel == null) {
            throw malformed("upload data before its header");
        }
        int size = message.getData().size();
        if (size > FileChunks.MAX_BYTES) {
            throw new FileException(Reason.REASON_FRAME_TOO_LARGE, "upload data messages carry at most "
                    + FileChunks.MAX_BYTES + " bytes, not " + size);
        }
        if (expected >= 0 && received + size > expected) {
            throw new FileException(Reason.REASON_INVALID_ARGUMENT, "the upload of " + FileException.quote(path)
                    + " sent more than the " + expected + " bytes it announced");
        }
        try {
            for (var buffer : message.getData().asReadOnlyByteBufferList()) {
                sha256.update(buffer.duplicate());
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }
        } catch (IOException e) {
            throw FileException.of(e, "write", path);
        }
        received += size;
    }

    private void finish(String announced) {
        if (channel == null) {
            throw malformed("an upload checksum before its header");
        }
        if (expected >= 0 && received != expected) {
            throw new FileException(Reason.REASON_TRANSFER_INCOMPLETE, "the upload of " + FileException.quote(path)
                    + " ended after " + received + " of " + expected + " bytes; nothing was written");
        }
        String actual = HexFormat.of().formatHex(sha256.digest());
        if (!actual.equalsIgnoreCase(announced)) {
            throw new FileException(Reason.REASON_CHECKSUM_MISMATCH, "the upload of " + FileException.quote(path)
                    + " does not match its checksum (received " + received + " bytes with SHA-256 " + actual
                    + ", announced " + announced + "); nothing was written");
        }
        try {
            channel.force(true);
            channel.close();
            keepPermissionsOf(target, temp);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw FileException.of(e, "write", path);
        }
        temp = null;
        ended.complete(null);
        response.onNext(WriteFileResponse.newBuilder().setFile(root.describe(target, "write", path)).setSha256(actual).build());
        response.onCompleted();
    }

    /** A replaced file keeps its permission bits (a script stays executable). */
    private static void keepPermissionsOf(Path existing, Path replacement) throws IOException {
        try {
            PosixFileAttributes a = Files.readAttributes(existing, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            Files.setPosixFilePermissions(replacement, a.permissions());
        } catch (NoSuchFileException e) {
            // A new file: the umask decided.
        }
    }

    private void fail(io.grpc.StatusRuntimeException status) {
        discard();
        response.onError(status);
    }

    private void discard() {
        ended.complete(null);
        try {
            if (channel != null) {
                channel.close();
            }
            if (temp != null) {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not delete the partial upload " + temp, e);
        }
    }

    private static FileException malformed(String what) {
        return new FileException(Reason.REASON_MALFORMED_FRAME, what);
    }
}

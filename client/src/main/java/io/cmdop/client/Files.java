package io.cmdop.client;

import io.cmdop.protocol.v1.DeleteFileRequest;
import io.cmdop.protocol.v1.FileInfo;
import io.cmdop.protocol.v1.FilesGrpc;
import io.cmdop.protocol.v1.ListFilesRequest;
import io.cmdop.protocol.v1.ListFilesResponse;
import io.cmdop.protocol.v1.MakeDirectoryRequest;
import io.cmdop.protocol.v1.MoveFileRequest;
import io.cmdop.protocol.v1.ReadFileRequest;
import io.cmdop.protocol.v1.ReadFileResponse;
import io.cmdop.protocol.v1.StatFileRequest;
import io.cmdop.protocol.v1.WriteHeader;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The files of one machine, under its daemon's files root (its user's home unless configured
 * otherwise). Obtained from {@link CmdopClient#files()}; {@link #onMachine} reaches another machine
 * of the fleet through a relay. Paths are relative to the root, or absolute inside it.
 *
 * <p>Every call blocks until it is done. Transfers stream in chunks, so files of any size take
 * bounded memory, and each is verified by SHA-256 at the receiving end. Reading is allowed to
 * observers; writing, deleting, moving and creating directories need an operator
 * ({@link PermissionDeniedException} otherwise). Failures are {@link CmdopException}s carrying the
 * protocol's stable reason, with subclasses for the common ones ({@link PathNotFoundException},
 * {@link PathOutsideRootException}, {@link FileAccessDeniedException}, {@link ChecksumMismatchException}).
 *
 * <pre>{@code
 * Files files = client.files();
 * files.write("notes/todo.txt", Path.of("todo.txt"), TransferProgress.NONE);
 * for (FileEntry e : files.list("notes")) {
 *     System.out.println(e.name() + " " + e.size());
 * }
 * }</pre>
 */
public final class Files {
    private static final long CALL_DEADLINE_SECONDS = 60;

    private final Channel channel;
    private final String target;
    private final String machine;

    Files(Channel channel, String target, String machine) {
        this.channel = channel;
        this.target = target;
        this.machine = machine;
    }

    /** The same API for another machine of the fleet (the client must be connected to a relay). */
    public Files onMachine(String machineName) {
        return new Files(channel, target, machineName);
    }

    /** The machine these files are on; empty for the local daemon. */
    public String machine() {
        return machine;
    }

    /** One file or directory; links are followed (to a place inside the root). */
    public FileEntry stat(String path) {
        return FileEntry.of(CmdopClient.call(target, () -> stub().stat(StatFileRequest.newBuilder()
                .setMachine(machine).setPath(path).build())));
    }

    /** Every entry of a directory, sorted by name; links are listed as links. */
    public List<FileEntry> list(String path) {
        List<FileEntry> entries = new ArrayList<>();
        String after = "";
        do {
            String from = after;
            ListFilesResponse page = CmdopClient.call(target, () -> stub().list(ListFilesRequest.newBuilder()
                    .setMachine(machine).setPath(path).setAfter(from).build()));
            page.getEntriesList().forEach(e -> entries.add(FileEntry.of(e)));
            after = page.getNextAfter();
        } while (!after.isEmpty());
        return entries;
    }

    /**
     * Downloads a file into {@code out} (not closed). The bytes reach {@code out} as they arrive; if
     * the checksum at the end does not match, {@link ChecksumMismatchException} says to discard them.
     */
    public FileTransfer read(String path, OutputStream out, TransferProgress progress) {
        Context.CancellableContext call = Context.current().withCancellation();
        try {
            return call.call(() -> receive(path, out, progress));
        } catch (StatusRuntimeException e) {
            throw CmdopClient.translate(e, target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write what was downloaded from " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            // Stops the download on the machine when we stop early (a failing stream, a wrong checksum).
            call.cancel(null);
        }
    }

    /**
     * Downloads a file to {@code local}, which appears (replacing what was there) only once the whole
     * file arrived with the right checksum; until then the bytes go to a hidden file next to it.
     */
    public FileTransfer read(String path, Path local, TransferProgress progress) {
        Path absolute = local.toAbsolutePath();
        Path temp = absolute.resolveSibling("." + absolute.getFileName() + ".cmdop-download-" + UUID.randomUUID());
        try {
            FileTransfer done;
            try (OutputStream out = java.nio.file.Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                done = read(path, out, progress);
            }
            java.nio.file.Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return done;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + local + ": " + e.getMessage(), e);
        } finally {
            try {
                java.nio.file.Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // Only left behind if the local file system fails us too.
            }
        }
    }

    /**
     * Uploads what {@code in} holds (read to its end, not closed) to {@code path}, creating or
     * replacing that file. {@code size} is the number of bytes {@code in} will give, or -1 when it is
     * not known; the machine refuses a different count. The file appears only complete and verified.
     */
    public FileTransfer write(String path, InputStream in, long size, TransferProgress progress) {
        WriteHeader.Builder header = WriteHeader.newBuilder().setMachine(machine).setPath(path);
        if (size >= 0) {
            header.setSize(size);
        }
        var written = UploadCall.run(channel, header.build(), in, size, progress, target);
        return new FileTransfer(FileEntry.of(written.getFile()), written.getFile().getSize(), written.getSha256());
    }

    /** Uploads a local file to {@code path}. */
    public FileTransfer write(String path, Path local, TransferProgress progress) {
        try (InputStream in = java.nio.file.Files.newInputStream(local)) {
            return write(path, in, java.nio.file.Files.size(local), progress);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + local + ": " + e.getMessage(), e);
        }
    }

    /**
     * Removes a file, a link (not what it points to) or an empty directory; with {@code recursive}
     * also a directory with everything in it. Returns how many entries were removed.
     */
    public long delete(String path, boolean recursive) {
        return CmdopClient.call(target, () -> stub().delete(DeleteFileRequest.newBuilder().setMachine(machine)
                .setPath(path).setRecursive(recursive).build())).getRemoved();
    }

    /** Renames {@code from} to {@code to}; an existing {@code to} is replaced only with {@code overwrite}. */
    public FileEntry move(String from, String to, boolean overwrite) {
        return FileEntry.of(CmdopClient.call(target, () -> stub().move(MoveFileRequest.newBuilder().setMachine(machine)
                .setFrom(from).setTo(to).setOverwrite(overwrite).build())));
    }

    /** Creates a directory; with {@code parents}, also missing parents, and an existing directory is fine. */
    public FileEntry mkdir(String path, boolean parents) {
        return FileEntry.of(CmdopClient.call(target, () -> stub().mkdir(MakeDirectoryRequest.newBuilder()
                .setMachine(machine).setPath(path).setParents(parents).build())));
    }

    private FileTransfer receive(String path, OutputStream out, TransferProgress progress) throws IOException {
        // The blocking stub asks for one message at a time: at most a chunk is held here.
        Iterator<ReadFileResponse> messages = FilesGrpc.newBlockingStub(channel)
                .read(ReadFileRequest.newBuilder().setMachine(machine).setPath(path).build());
        MessageDigest sha256 = UploadCall.sha256();
        FileInfo info = FileInfo.getDefaultInstance();
        long done = 0;
        while (messages.hasNext()) {
            ReadFileResponse message = messages.next();
            switch (message.getBodyCase()) {
                case INFO -> info = message.getInfo();
                case DATA -> {
                    for (var buffer : message.getData().asReadOnlyByteBufferList()) {
                        sha256.update(buffer);
                    }
                    message.getData().writeTo(out);
                    done += message.getData().size();
                    progress.update(done, info.getSize());
                }
                case SHA256 -> {
                    String actual = HexFormat.of().formatHex(sha256.digest());
                    if (!actual.equalsIgnoreCase(message.getSha256())) {
                        throw new ChecksumMismatchException("the download of " + path + " does not match its checksum"
                                + " (received " + done + " bytes with SHA-256 " + actual + ", announced "
                                + message.getSha256() + "); discard it", null);
                    }
                    return new FileTransfer(FileEntry.of(info), done, actual);
                }
                case BODY_NOT_SET -> { }
            }
        }
        throw new CmdopException(io.cmdop.protocol.v1.Reason.REASON_TRANSFER_INCOMPLETE,
                "the download of " + path + " ended after " + done + " bytes without its checksum");
    }

    private FilesGrpc.FilesBlockingStub stub() {
        return FilesGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS);
    }
}

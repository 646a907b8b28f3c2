package io.cmdop.daemon;

import com.google.protobuf.ByteString;
import io.cmdop.protocol.v1.DeleteFileRequest;
import io.cmdop.protocol.v1.DeleteFileResponse;
import io.cmdop.protocol.v1.FileInfo;
import io.cmdop.protocol.v1.FileType;
import io.cmdop.protocol.v1.FilesGrpc;
import io.cmdop.protocol.v1.ListFilesRequest;
import io.cmdop.protocol.v1.ListFilesResponse;
import io.cmdop.protocol.v1.MakeDirectoryRequest;
import io.cmdop.protocol.v1.MoveFileRequest;
import io.cmdop.protocol.v1.ReadFileRequest;
import io.cmdop.protocol.v1.ReadFileResponse;
import io.cmdop.protocol.v1.Reason;
import io.cmdop.protocol.v1.StatFileRequest;
import io.cmdop.protocol.v1.WriteFileRequest;
import io.cmdop.protocol.v1.WriteFileResponse;
import io.cmdop.session.SessionException;
import io.cmdop.transport.FileChunks;
import io.cmdop.transport.OutboundStream;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The Files service of cmdop.v1: the machine's files under the files root, for local clients and,
 * through the relay link, remote ones. Reading is for everyone; changing needs an operator.
 */
final class FilesService extends FilesGrpc.FilesImplBase {
    private static final Logger LOG = Logger.getLogger(FilesService.class.getName());
    static final int MAX_LIST_LIMIT = 1000;
    /** A page of a listing stays well under the 1 MiB frame limit of every hop, whatever the path lengths. */
    private static final int MAX_LIST_BYTES = 512 * 1024;
    /** A download whose client takes nothing for this long is given up. */
    static final Duration STALL = Duration.ofMinutes(5);

    private final FileRoot root;

    FilesService(FileRoot root) {
        this.root = root;
    }

    @Override
    public void stat(StatFileRequest request, StreamObserver<FileInfo> response) {
        unary(response, () -> root.describe(root.resolve(request.getPath()), "stat", request.getPath()));
    }

    @Override
    public void list(ListFilesRequest request, StreamObserver<ListFilesResponse> response) {
        unary(response, () -> list(request));
    }

    private ListFilesResponse list(ListFilesRequest request) {
        String path = request.getPath();
        Path dir = root.resolve(path);
        FileInfo directory = root.describe(dir, "list", path);
        if (directory.getType() != FileType.FILE_TYPE_DIRECTORY) {
            throw new FileException(Reason.REASON_NOT_A_DIRECTORY, "cannot list " + FileException.quote(path)
                    + ": it is not a directory");
        }
        int limit = request.getLimit() == 0 ? MAX_LIST_LIMIT : Math.min(request.getLimit(), MAX_LIST_LIMIT);
        // The first `limit` names after `after`, found in one pass holding at most limit + 1 names.
        TreeSet<String> page = new TreeSet<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (name.compareTo(request.getAfter()) > 0) {
                    page.add(name);
                    if (page.size() > limit + 1) {
                        page.pollLast();
                    }
                }
            }
        } catch (IOException e) {
            throw FileException.of(e, "list", path);
        }
        ListFilesResponse.Builder answer = ListFilesResponse.newBuilder().setDirectory(directory);
        int bytes = 0;
        for (String name : page) {
            if (answer.getEntriesCount() == limit || bytes > MAX_LIST_BYTES) {
                answer.setNextAfter(answer.getEntries(answer.getEntriesCount() - 1).getName());
                break;
            }
            try {
                FileInfo entry = root.describe(dir.resolve(name));
                answer.addEntries(entry);
                bytes += entry.getSerializedSize();
            } catch (NoSuchFileException e) {
                // Removed while we listed.
            } catch (IOException e) {
                throw FileException.of(e, "list", path);
            }
        }
        return answer.build();
    }

    @Override
    public void read(ReadFileRequest request, StreamObserver<ReadFileResponse> response) {
        // Set up here (handlers may only be installed before returning); streamed on a thread of its
        // own so that readiness and cancellation reach us while we wait for the client.
        OutboundStream<ReadFileResponse> out = new OutboundStream<>(
                (ServerCallStreamObserver<ReadFileResponse>) response, () -> { });
        Thread.ofVirtual().name("cmdop-files-read").start(() -> send(request.getPath(), out));
    }

    private void send(String path, OutboundStream<ReadFileResponse> out) {
        try {
            Path file = root.resolve(path);
            FileInfo info = root.describe(file, "read", path);
            switch (info.getType()) {
                case FILE_TYPE_FILE -> { }
                case FILE_TYPE_DIRECTORY -> throw new FileException(Reason.REASON_IS_A_DIRECTORY,
                        "cannot read " + FileException.quote(path) + ": it is a directory");
                // Opening a pipe would wait for a writer forever.
                default -> throw new FileException(Reason.REASON_INVALID_ARGUMENT,
                        "cannot read " + FileException.quote(path) + ": it is not a regular file");
            }
            MessageDigest sha256 = sha256();
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                out.send(ReadFileResponse.newBuilder().setInfo(info).build());
                ByteBuffer buffer = ByteBuffer.allocate(FileChunks.MAX_BYTES);
                while (true) {
                    if (!awaitClient(out)) {
                        return;
                    }
                    buffer.clear();
                    if (channel.read(buffer) < 0) {
                        break;
                    }
                    buffer.flip();
                    sha256.update(buffer.duplicate());
                    out.send(ReadFileResponse.newBuilder().setData(ByteString.copyFrom(buffer)).build());
                }
            } catch (IOException e) {
                throw FileException.of(e, "read", path);
            }
            out.send(ReadFileResponse.newBuilder().setSha256(HexFormat.of().formatHex(sha256.digest())).build());
            out.complete();
        } catch (FileException e) {
            out.fail(e.status());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.fail(new FileException(Reason.REASON_INTERNAL, "interrupted").status());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "reading " + path + " failed", e);
            out.fail(new FileException(Reason.REASON_INTERNAL, "internal error: " + e).status());
        }
    }

    /** Waits until the client takes more: false when it went away; a client that stalls is given up. */
    private static boolean awaitClient(OutboundStream<ReadFileResponse> out) throws InterruptedException {
        if (out.awaitReady(STALL.toMillis())) {
            return true;
        }
        if (!out.cancelled()) {
            out.fail(new FileException(Reason.REASON_TIMEOUT, "the download was given up: the client took nothing for "
                    + STALL.toMinutes() + " minutes").status());
        }
        return false;
    }

    @Override
    public StreamObserver<WriteFileRequest> write(StreamObserver<WriteFileResponse> response) {
        return new Upload(root, Caller.current(), response);
    }

    @Override
    public void delete(DeleteFileRequest request, StreamObserver<DeleteFileResponse> response) {
        unary(response, () -> {
            Caller.current().requireOperator("delete files");
            String path = request.getPath();
            Path entry = root.entry(path);
            long[] removed = {0};
            try {
                BasicFileAttributes attributes = Files.readAttributes(entry, BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS);
                if (attributes.isDirectory() && request.getRecursive()) {
                    // Links inside are visited as links (never followed), so nothing outside is touched.
                    Files.walkFileTree(entry, new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult visitFile(Path file, BasicFileAttributes a) throws IOException {
                            Files.delete(file);
                            removed[0]++;
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                            if (e != null) {
                                throw e;
                            }
                            Files.delete(dir);
                            removed[0]++;
                            return FileVisitResult.CONTINUE;
                        }
                    });
                } else {
                    Files.delete(entry);
                    removed[0]++;
                }
            } catch (IOException e) {
                throw FileException.of(e, "delete", path);
            }
            return DeleteFileResponse.newBuilder().setRemoved(removed[0]).build();
        });
    }

    @Override
    public void move(MoveFileRequest request, StreamObserver<FileInfo> response) {
        unary(response, () -> {
            Caller.current().requireOperator("move files");
            Path from = root.entry(request.getFrom());
            Path to = root.entry(request.getTo());
            if (!Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
                throw new FileException(Reason.REASON_FILE_NOT_FOUND, "cannot move " + FileException.quote(request.getFrom())
                        + ": no such file or directory");
            }
            if (to.startsWith(from) && !to.equals(from)) {
                throw new FileException(Reason.REASON_INVALID_ARGUMENT, "cannot move " + FileException.quote(request.getFrom())
                        + " into itself");
            }
            try {
                if (request.getOverwrite()) {
                    Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } else {
                    // rename(2) would replace silently; without `overwrite` an existing target is refused.
                    if (Files.exists(to, LinkOption.NOFOLLOW_LINKS)) {
                        throw new java.nio.file.FileAlreadyExistsException(to.toString());
                    }
                    Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
                }
            } catch (IOException e) {
                throw FileException.of(e, "move " + FileException.quote(request.getFrom()) + " to", request.getTo());
            }
            return root.describe(to, "stat", request.getTo());
        });
    }

    @Override
    public void mkdir(MakeDirectoryRequest request, StreamObserver<FileInfo> response) {
        unary(response, () -> {
            Caller.current().requireOperator("create directories");
            String path = request.getPath();
            Path dir = root.resolve(path);
            try {
                if (request.getParents()) {
                    Files.createDirectories(dir);
                } else {
                    Files.createDirectory(dir);
                }
            } catch (IOException e) {
                throw FileException.of(e, "create directory", path);
            }
            return root.describe(dir, "stat", path);
        });
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    private static <T> void unary(StreamObserver<T> response, Supplier<T> call) {
        T result;
        try {
            result = call.get();
        } catch (FileException e) {
            response.onError(e.status());
            return;
        } catch (SessionException e) {
            response.onError(Errors.status(e));
            return;
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "internal error", e);
            response.onError(new FileException(Reason.REASON_INTERNAL, "internal error: " + e).status());
            return;
        }
        response.onNext(result);
        response.onCompleted();
    }
}

package io.cmdop.daemon;

import com.google.protobuf.ByteString;
import io.cmdop.client.ChecksumMismatchException;
import io.cmdop.client.CmdopClient;
import io.cmdop.client.CmdopException;
import io.cmdop.client.CmdopHome;
import io.cmdop.client.FileAccessDeniedException;
import io.cmdop.client.FileEntry;
import io.cmdop.client.FileTransfer;
import io.cmdop.client.Files;
import io.cmdop.client.LocalChannels;
import io.cmdop.client.PathNotFoundException;
import io.cmdop.client.PathOutsideRootException;
import io.cmdop.client.PermissionDeniedException;
import io.cmdop.client.TransferProgress;
import io.cmdop.protocol.v1.ClientKind;
import io.cmdop.protocol.v1.FilesGrpc;
import io.cmdop.protocol.v1.ListFilesRequest;
import io.cmdop.protocol.v1.ListFilesResponse;
import io.cmdop.protocol.v1.Reason;
import io.cmdop.protocol.v1.WriteFileRequest;
import io.cmdop.protocol.v1.WriteFileResponse;
import io.cmdop.protocol.v1.WriteHeader;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The files service of a real daemon over its Unix socket, used through the SDK (and raw gRPC for
 * what the SDK never sends). The files root is a directory of its own with an "outside" next to it.
 */
class FilesTest {
    @TempDir
    Path tmp;

    private Path root;
    private Path outside;
    private Daemon daemon;
    private CmdopClient client;
    private Files files;

    @BeforeEach
    void start() throws Exception {
        root = java.nio.file.Files.createDirectories(tmp.resolve("root"));
        outside = java.nio.file.Files.createDirectories(tmp.resolve("outside"));
        java.nio.file.Files.writeString(outside.resolve("secret.txt"), "outside the root");
        daemon = Daemon.start(tmp.resolve("home"), DaemonConfig.defaults().withFilesRoot(root));
        client = CmdopClient.local(new CmdopHome(tmp.resolve("home")), ClientKind.CLIENT_KIND_SDK);
        files = client.files();
    }

    @AfterEach
    void stop() {
        client.close();
        daemon.stop();
    }

    @Test
    void aFileGoesUpAndComesBackByteForByteWithItsChecksumAndIsListed() throws Exception {
        byte[] content = random(3 * 1024 * 1024 + 17);
        files.mkdir("docs/2024", true);
        long[] lastProgress = {0, 0};
        FileTransfer up = files.write("docs/2024/data.bin", new java.io.ByteArrayInputStream(content), content.length,
                (done, total) -> {
                    lastProgress[0] = done;
                    lastProgress[1] = total;
                });
        assertThat(up.sha256()).isEqualTo(sha256(content));
        assertThat(up.file().path()).isEqualTo("docs/2024/data.bin");
        assertThat(up.file().size()).isEqualTo(content.length);
        assertThat(lastProgress).containsExactly(content.length, content.length);
        assertThat(java.nio.file.Files.readAllBytes(root.resolve("docs/2024/data.bin"))).isEqualTo(content);

        ByteArrayOutputStream back = new ByteArrayOutputStream();
        FileTransfer down = files.read("docs/2024/data.bin", back, TransferProgress.NONE);
        assertThat(back.toByteArray()).isEqualTo(content);
        assertThat(down.sha256()).isEqualTo(sha256(content));
        assertThat(down.bytes()).isEqualTo(content.length);

        Path local = tmp.resolve("downloaded.bin");
        files.read("docs/2024/data.bin", local, TransferProgress.NONE);
        assertThat(java.nio.file.Files.readAllBytes(local)).isEqualTo(content);
        assertThat(java.nio.file.Files.list(tmp)).as("no temporary download file left")
                .noneMatch(p -> p.getFileName().toString().contains("cmdop-download"));

        files.write("docs/readme.md", new java.io.ByteArrayInputStream("# hi\n".getBytes()), -1, TransferProgress.NONE);
        assertThat(files.list("docs")).extracting(FileEntry::name, FileEntry::type)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("2024", FileEntry.Type.DIRECTORY),
                        org.assertj.core.groups.Tuple.tuple("readme.md", FileEntry.Type.FILE));
        assertThat(files.stat("docs/readme.md").size()).isEqualTo(5);
        assertThat(files.stat("").type()).isEqualTo(FileEntry.Type.DIRECTORY);
        assertThat(files.stat(root + "/docs/readme.md").path()).as("an absolute path inside the root")
                .isEqualTo("docs/readme.md");
    }

    @Test
    void aReplacedFileKeepsItsPermissionsAndMoveAndDeleteDoWhatTheySay() throws Exception {
        Path script = java.nio.file.Files.writeString(root.resolve("run.sh"), "#!/bin/sh\necho old\n");
        java.nio.file.Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-x---"));
        files.write("run.sh", new java.io.ByteArrayInputStream("#!/bin/sh\necho new\n".getBytes()), -1,
                TransferProgress.NONE);
        assertThat(java.nio.file.Files.readString(script)).contains("new");
        assertThat(files.stat("run.sh").mode()).isEqualTo(0750);

        java.nio.file.Files.writeString(root.resolve("b.txt"), "b");
        assertThatThrownBy(() -> files.move("run.sh", "b.txt", false))
                .isInstanceOfSatisfying(CmdopException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REASON_FILE_EXISTS));
        assertThat(files.move("run.sh", "b.txt", true).name()).isEqualTo("b.txt");
        assertThat(java.nio.file.Files.readString(root.resolve("b.txt"))).contains("new");
        assertThat(root.resolve("run.sh")).doesNotExist();

        files.mkdir("tree/a/b", true);
        java.nio.file.Files.writeString(root.resolve("tree/a/b/c.txt"), "c");
        java.nio.file.Files.createSymbolicLink(root.resolve("tree/to-outside"), outside);
        assertThatThrownBy(() -> files.delete("tree", false))
                .isInstanceOfSatisfying(CmdopException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REASON_DIRECTORY_NOT_EMPTY));
        assertThat(files.delete("tree", true)).isEqualTo(5);
        assertThat(root.resolve("tree")).doesNotExist();
        assertThat(outside.resolve("secret.txt")).as("a link inside is removed, never followed").exists();
        assertThatThrownBy(() -> files.mkdir("b.txt", false))
                .isInstanceOfSatisfying(CmdopException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REASON_FILE_EXISTS));
    }

    @Test
    void aLargeDirectoryIsListedInBoundedPagesAndWhole() throws Exception {
        for (int i = 0; i < 1203; i++) {
            java.nio.file.Files.createFile(root.resolve(String.format("f%04d", i)));
        }
        try (RawChannel raw = new RawChannel(daemon.socket())) {
            ListFilesResponse first = FilesGrpc.newBlockingStub(raw.channel).list(ListFilesRequest.newBuilder().build());
            assertThat(first.getEntriesCount()).isEqualTo(1000);
            assertThat(first.getNextAfter()).isEqualTo("f0999");
        }
        List<FileEntry> all = files.list("");
        assertThat(all).hasSize(1203);
        assertThat(all.getFirst().name()).isEqualTo("f0000");
        assertThat(all.getLast().name()).isEqualTo("f1202");
    }

    /** Every way out of the root, for reading; each is refused without touching what is outside. */
    @ParameterizedTest
    @ValueSource(strings = {
            "..", "../outside/secret.txt", "sub/../../outside/secret.txt", "./../outside/secret.txt",
            "sub/./../..", "/etc/passwd", "ROOT/../outside/secret.txt", "TMP/outside/secret.txt",
            "TMP/root-evil/x.txt",            // a sibling whose name starts like the root's
            "out/secret.txt", "out", "secret-link", "out/..",
            "in-link/../../outside/secret.txt", // `..` after a link: from the link's target, as the kernel does
            "sub/up/outside/secret.txt", "sub/up"})
    void traversalIsRefused(String attempt) throws Exception {
        layOutLinks();
        String path = attempt.replace("ROOT", root.toString()).replace("TMP", tmp.toString());
        assertThatThrownBy(() -> files.stat(path)).isInstanceOf(PathOutsideRootException.class)
                .hasMessageContaining("leads outside the files root");
        assertThatThrownBy(() -> files.read(path, OutputStream.nullOutputStream(), TransferProgress.NONE))
                .isInstanceOf(PathOutsideRootException.class);
        assertThatThrownBy(() -> files.list(path)).isInstanceOf(PathOutsideRootException.class);
    }

    /** The same ways out, for changing things: nothing outside is created, changed or removed. */
    @ParameterizedTest
    @ValueSource(strings = {"../outside/new.txt", "out/new.txt", "in-link/../../outside/new.txt",
            "TMP/outside/new.txt", "sub/up/outside/new.txt"})
    void writesThatWouldLeaveTheRootAreRefused(String attempt) throws Exception {
        layOutLinks();
        String path = attempt.replace("TMP", tmp.toString());
        assertThatThrownBy(() -> files.write(path, new java.io.ByteArrayInputStream("x".getBytes()), 1, TransferProgress.NONE))
                .isInstanceOf(PathOutsideRootException.class);
        assertThatThrownBy(() -> files.mkdir(path, true)).isInstanceOf(PathOutsideRootException.class);
        assertThatThrownBy(() -> files.delete(path.replace("new.txt", "secret.txt"), true))
                .isInstanceOf(PathOutsideRootException.class);
        assertThatThrownBy(() -> files.move("sub/inside.txt", path, true)).isInstanceOf(PathOutsideRootException.class);
        try (Stream<Path> left = java.nio.file.Files.list(outside)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("secret.txt");
        }
        assertThat(java.nio.file.Files.readString(outside.resolve("secret.txt"))).isEqualTo("outside the root");
        assertThat(root.resolve("sub/inside.txt")).exists();
    }

    @Test
    void pathsThatOnlyLookSuspiciousStayInsideAndWork() throws Exception {
        layOutLinks();
        assertThat(files.stat("sub/../sub/inside.txt").path()).isEqualTo("sub/inside.txt");
        // in-link points at sub; its `..` is the root again, as for the kernel.
        assertThat(files.stat("in-link/../sub/inside.txt").path()).isEqualTo("sub/inside.txt");
        assertThat(files.stat("in-link/inside.txt").path()).as("links inside the root are followed")
                .isEqualTo("sub/inside.txt");
        // Names, not escapes: they name files in the root.
        assertThatThrownBy(() -> files.stat("%2e%2e/outside/secret.txt")).isInstanceOf(PathNotFoundException.class);
        assertThatThrownBy(() -> files.stat("..\\outside\\secret.txt")).isInstanceOf(PathNotFoundException.class);
        assertThat(files.list("")).extracting(FileEntry::name, FileEntry::type).contains(
                org.assertj.core.groups.Tuple.tuple("out", FileEntry.Type.SYMLINK),
                org.assertj.core.groups.Tuple.tuple("sub", FileEntry.Type.DIRECTORY));
        // A link is deleted as a link: what it points to stays.
        files.delete("secret-link", false);
        assertThat(root.resolve("secret-link")).doesNotExist();
        assertThat(outside.resolve("secret.txt")).exists();
        assertThatThrownBy(() -> files.stat("bad\0name")).isInstanceOfSatisfying(CmdopException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.REASON_INVALID_ARGUMENT));
        assertThatThrownBy(() -> files.delete("", true)).as("the root itself").isInstanceOfSatisfying(CmdopException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.REASON_INVALID_ARGUMENT));
    }

    @Test
    void aMissingFileIsNotFoundNamingThePathAsked() {
        assertThatThrownBy(() -> files.stat("notes/nope.txt")).isInstanceOf(PathNotFoundException.class)
                .hasMessageContaining("'notes/nope.txt'").hasMessageNotContaining(root.toString());
        assertThatThrownBy(() -> files.read("nope.txt", OutputStream.nullOutputStream(), TransferProgress.NONE))
                .isInstanceOf(PathNotFoundException.class);
        assertThatThrownBy(() -> files.list("nope")).isInstanceOf(PathNotFoundException.class);
        assertThatThrownBy(() -> files.write("no-dir/x.txt", new java.io.ByteArrayInputStream(new byte[1]), 1,
                TransferProgress.NONE)).isInstanceOf(PathNotFoundException.class).hasMessageContaining("directory does not exist");
        assertThatThrownBy(() -> files.delete("nope.txt", false)).isInstanceOf(PathNotFoundException.class);
        assertThatThrownBy(() -> files.move("nope.txt", "other.txt", false)).isInstanceOf(PathNotFoundException.class);
        Path local = tmp.resolve("never.bin");
        assertThatThrownBy(() -> files.read("nope.txt", local, TransferProgress.NONE)).isInstanceOf(PathNotFoundException.class);
        assertThat(local).as("a failed download leaves no local file").doesNotExist();
    }

    /**
     * The OS refuses: tests run as root, which ignores permission bits, so the directory is made
     * immutable ({@code chattr +i}), which binds root too; as another user, read-only bits do.
     */
    @Test
    void anOsPermissionErrorIsReportedAsSuchAndChangesNothing() throws Exception {
        Path locked = java.nio.file.Files.createDirectories(root.resolve("locked"));
        java.nio.file.Files.writeString(locked.resolve("kept.txt"), "kept");
        Unchangeable unchangeable = Unchangeable.make(locked);
        try {
            assertThatThrownBy(() -> files.write("locked/new.txt", new java.io.ByteArrayInputStream("x".getBytes()), 1,
                    TransferProgress.NONE))
                    .isInstanceOfSatisfying(FileAccessDeniedException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.REASON_OS_PERMISSION_DENIED);
                        assertThat(e.getMessage()).contains("'locked/new.txt'").contains("operating system refused");
                    });
            assertThatThrownBy(() -> files.delete("locked/kept.txt", false)).isInstanceOf(FileAccessDeniedException.class);
            assertThatThrownBy(() -> files.mkdir("locked/sub", false)).isInstanceOf(FileAccessDeniedException.class);
            assertThat(java.nio.file.Files.readString(locked.resolve("kept.txt"))).isEqualTo("kept");
            try (Stream<Path> left = java.nio.file.Files.list(locked)) {
                assertThat(left).hasSize(1);
            }
            assertThat(files.read("locked/kept.txt", new ByteArrayOutputStream(), TransferProgress.NONE).bytes())
                    .as("reading is still fine").isEqualTo(4);
        } finally {
            unchangeable.undo();
        }
        // A different refusal, for contrast: a regular file where a directory must be.
        java.nio.file.Files.writeString(root.resolve("plain"), "");
        assertThatThrownBy(() -> files.write("plain/x.txt", new java.io.ByteArrayInputStream(new byte[1]), 1,
                TransferProgress.NONE)).isInstanceOfSatisfying(CmdopException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.REASON_NOT_A_DIRECTORY));
    }

    @Test
    void anObserverMayReadButNeverWrite() throws Exception {
        java.nio.file.Files.writeString(root.resolve("shared.txt"), "look, don't touch");
        // The daemon's own check, as a relayed guest meets it: the files service behind a caller who may only observe.
        Path home = java.nio.file.Files.createDirectories(tmp.resolve("observer-home"));
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(home.resolve("agent.sock").toString()))
                .channelType(EpollServerDomainSocketChannel.class).bossEventLoopGroup(loop).workerEventLoopGroup(loop)
                .withChildOption(io.netty.channel.ChannelOption.SO_KEEPALIVE, null) // as the daemon: no TCP here
                .addService(ServerInterceptors.intercept(new FilesService(new FileRoot(root)),
                        new Caller("guest@fleet", false).interceptor()))
                .build().start();
        try (CmdopClient observer = CmdopClient.local(new CmdopHome(home), ClientKind.CLIENT_KIND_SDK)) {
            Files asObserver = observer.files();
            ByteArrayOutputStream read = new ByteArrayOutputStream();
            asObserver.read("shared.txt", read, TransferProgress.NONE);
            assertThat(read.toString(StandardCharsets.UTF_8)).isEqualTo("look, don't touch");
            assertThat(asObserver.list("")).extracting(FileEntry::name).contains("shared.txt");
            assertThatThrownBy(() -> asObserver.write("shared.txt", new java.io.ByteArrayInputStream("mine".getBytes()), 4,
                    TransferProgress.NONE)).isInstanceOfSatisfying(PermissionDeniedException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.REASON_ROLE_FORBIDS);
                        assertThat(e.getMessage()).contains("may only observe").contains("cannot write files");
                    });
            assertThatThrownBy(() -> asObserver.delete("shared.txt", false)).isInstanceOf(PermissionDeniedException.class);
            assertThatThrownBy(() -> asObserver.move("shared.txt", "moved.txt", false)).isInstanceOf(PermissionDeniedException.class);
            assertThatThrownBy(() -> asObserver.mkdir("new", false)).isInstanceOf(PermissionDeniedException.class);
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        assertThat(java.nio.file.Files.readString(root.resolve("shared.txt"))).isEqualTo("look, don't touch");
        try (Stream<Path> left = java.nio.file.Files.list(root)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("shared.txt");
        }
    }

    @Test
    void anUploadCutOffMidwayLeavesNoFileAndTheOldOneIntact() throws Exception {
        java.nio.file.Files.writeString(root.resolve("report.csv"), "the old report");
        try (RawChannel raw = new RawChannel(daemon.socket())) {
            RawUpload upload = raw.upload();
            upload.send(WriteFileRequest.newBuilder().setHeader(WriteHeader.newBuilder().setPath("report.csv")
                    .setSize(10 * 1024 * 1024)).build());
            for (int i = 0; i < 8; i++) {
                upload.send(WriteFileRequest.newBuilder().setData(ByteString.copyFrom(random(64 * 1024))).build());
            }
            await(() -> temporaryFiles().size() == 1, "the upload's temporary file");
            upload.cutOff();
            await(() -> temporaryFiles().isEmpty(), "the temporary file to be deleted");
        }
        assertThat(java.nio.file.Files.readString(root.resolve("report.csv"))).isEqualTo("the old report");
        files.write("report.csv", new java.io.ByteArrayInputStream("the new report".getBytes()), -1, TransferProgress.NONE);
        assertThat(java.nio.file.Files.readString(root.resolve("report.csv"))).as("the daemon goes on").isEqualTo("the new report");
    }

    @Test
    void anUploadThatEndsEarlyOrWithoutItsChecksumIsRefusedAndLeavesNothing() throws Exception {
        try (RawChannel raw = new RawChannel(daemon.socket())) {
            RawUpload shortOne = raw.upload();
            shortOne.send(WriteFileRequest.newBuilder().setHeader(WriteHeader.newBuilder().setPath("a.bin").setSize(100)).build());
            shortOne.send(WriteFileRequest.newBuilder().setData(ByteString.copyFrom(new byte[60])).build());
            shortOne.send(WriteFileRequest.newBuilder().setSha256(sha256(new byte[60])).build());
            assertThat(shortOne.reason()).isEqualTo("TRANSFER_INCOMPLETE");

            RawUpload noChecksum = raw.upload();
            noChecksum.send(WriteFileRequest.newBuilder().setHeader(WriteHeader.newBuilder().setPath("b.bin")).build());
            noChecksum.send(WriteFileRequest.newBuilder().setData(ByteString.copyFrom(new byte[60])).build());
            noChecksum.halfClose();
            assertThat(noChecksum.reason()).isEqualTo("TRANSFER_INCOMPLETE");

            RawUpload noHeader = raw.upload();
            noHeader.send(WriteFileRequest.newBuilder().setData(ByteString.copyFrom(new byte[60])).build());
            assertThat(noHeader.reason()).isEqualTo("MALFORMED_FRAME");
        }
        try (Stream<Path> left = java.nio.file.Files.list(root)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void aWrongChecksumIsRefusedAndTheTargetStaysAsItWas() throws Exception {
        java.nio.file.Files.writeString(root.resolve("config.yaml"), "good: true\n");
        byte[] content = "good: false\n".getBytes();
        try (RawChannel raw = new RawChannel(daemon.socket())) {
            RawUpload upload = raw.upload();
            upload.send(WriteFileRequest.newBuilder().setHeader(WriteHeader.newBuilder().setPath("config.yaml")
                    .setSize(content.length)).build());
            upload.send(WriteFileRequest.newBuilder().setData(ByteString.copyFrom(content)).build());
            upload.send(WriteFileRequest.newBuilder().setSha256(sha256("something else".getBytes())).build());
            assertThat(upload.reason()).isEqualTo("CHECKSUM_MISMATCH");
            assertThat(upload.message()).contains("does not match its checksum").contains(sha256(content));
        }
        assertThat(java.nio.file.Files.readString(root.resolve("config.yaml"))).isEqualTo("good: true\n");
        assertThat(temporaryFiles()).isEmpty();
    }

    @Test
    void aDownloadStopsOnTheMachineWhenTheClientStopsReading() throws Exception {
        java.nio.file.Files.write(root.resolve("big.bin"), random(8 * 1024 * 1024));
        OutputStream failing = new OutputStream() {
            private long written;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                written += len;
                if (written > 1024 * 1024) {
                    throw new IOException("disk full");
                }
            }
        };
        assertThatThrownBy(() -> files.read("big.bin", failing, TransferProgress.NONE))
                .isInstanceOf(java.io.UncheckedIOException.class).hasMessageContaining("disk full");
        // The daemon serves on; a whole download works right after.
        assertThat(files.read("big.bin", OutputStream.nullOutputStream(), TransferProgress.NONE).bytes())
                .isEqualTo(8 * 1024 * 1024);
        assertThatThrownBy(() -> files.read("", OutputStream.nullOutputStream(), TransferProgress.NONE))
                .isInstanceOfSatisfying(CmdopException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REASON_IS_A_DIRECTORY));
    }

    /**
     * A file bigger than this JVM's whole heap (-Xmx192m in the pom) goes up and comes back: generated
     * and checked on the fly here, so the transfer itself can hold no more than chunks of it.
     */
    @Test
    void aFileOfHundredsOfMegabytesStreamsBothWays() throws Exception {
        long size = 256L * 1024 * 1024 + 5;
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        InputStream generated = new InputStream() {
            private long left = size;
            private final byte[] block = random(1 << 20);

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left == 0) {
                    return -1;
                }
                int n = (int) Math.min(Math.min(len, left), 64 * 1024);
                System.arraycopy(block, (int) ((size - left) % (block.length - 64 * 1024)), b, off, n);
                sent.update(b, off, n);
                left -= n;
                return n;
            }
        };
        FileTransfer up = files.write("huge.bin", generated, size, TransferProgress.NONE);
        assertThat(up.sha256()).isEqualTo(HexFormat.of().formatHex(sent.digest()));
        assertThat(java.nio.file.Files.size(root.resolve("huge.bin"))).isEqualTo(size);
        MessageDigest received = MessageDigest.getInstance("SHA-256");
        FileTransfer down = files.read("huge.bin", new OutputStream() {
            @Override
            public void write(int b) {
                received.update((byte) b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                received.update(b, off, len);
            }
        }, TransferProgress.NONE);
        assertThat(down.bytes()).isEqualTo(size);
        assertThat(HexFormat.of().formatHex(received.digest())).isEqualTo(up.sha256());
    }

    // ---------------------------------------------------------------- helpers

    /**
     * root/sub/inside.txt, and links: out -> ../outside, secret-link -> ../outside/secret.txt,
     * in-link -> sub (inside), sub/up -> ../.. (the directory above the root), and a sibling
     * directory root-evil whose name starts like the root's.
     */
    private void layOutLinks() throws IOException {
        java.nio.file.Files.createDirectories(root.resolve("sub"));
        java.nio.file.Files.writeString(root.resolve("sub/inside.txt"), "inside");
        java.nio.file.Files.createSymbolicLink(root.resolve("out"), Path.of("../outside"));
        java.nio.file.Files.createSymbolicLink(root.resolve("secret-link"), Path.of("../outside/secret.txt"));
        java.nio.file.Files.createSymbolicLink(root.resolve("in-link"), Path.of("sub"));
        java.nio.file.Files.createSymbolicLink(root.resolve("sub/up"), Path.of("../.."));
        java.nio.file.Files.createDirectories(tmp.resolve("root-evil"));
        java.nio.file.Files.writeString(tmp.resolve("root-evil/x.txt"), "evil twin");
    }

    private List<Path> temporaryFiles() {
        try (Stream<Path> all = java.nio.file.Files.walk(root)) {
            return all.filter(p -> p.getFileName().toString().contains(Upload.TEMP_MARK)).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited 20 s for " + what);
            }
            Thread.sleep(10); // the pause between two polls of the condition, not a synchronisation
        }
    }

    /** A directory the OS refuses to change, until undone. */
    private record Unchangeable(Path dir, boolean immutable) {
        static Unchangeable make(Path dir) throws Exception {
            if (System.getProperty("user.name").equals("root")) {
                run("chattr", "+i", dir.toString());
                return new Unchangeable(dir, true);
            }
            java.nio.file.Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
            return new Unchangeable(dir, false);
        }

        void undo() throws Exception {
            if (immutable) {
                run("chattr", "-i", dir.toString());
            } else {
                java.nio.file.Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }

        private static void run(String... command) throws Exception {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " failed (the test needs a file system with "
                        + "immutable files, such as ext4, and CAP_LINUX_IMMUTABLE): " + out);
            }
        }
    }

    /** A plain gRPC channel to the socket, for uploads the SDK would never send. */
    private static final class RawChannel implements AutoCloseable {
        final ManagedChannel channel;
        private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());

        RawChannel(Path socket) {
            channel = LocalChannels.builder(socket, group).build();
        }

        RawUpload upload() {
            RawUpload upload = new RawUpload();
            FilesGrpc.newStub(channel).write(upload);
            return upload;
        }

        @Override
        public void close() {
            channel.shutdownNow();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** One Files.Write call driven message by message; its end is waited for with a timeout. */
    private static final class RawUpload implements ClientResponseObserver<WriteFileRequest, WriteFileResponse> {
        private final CompletableFuture<Throwable> end = new CompletableFuture<>();
        private ClientCallStreamObserver<WriteFileRequest> requests;

        @Override
        public void beforeStart(ClientCallStreamObserver<WriteFileRequest> stream) {
            requests = stream;
        }

        void send(WriteFileRequest message) {
            requests.onNext(message);
        }

        void halfClose() {
            requests.onCompleted();
        }

        /** The client goes away abruptly, as a killed process or a dropped network would. */
        void cutOff() {
            requests.cancel("cut off", null);
        }

        String reason() throws Exception {
            return CmdopException.class.cast(io.cmdop.client.CmdopClient.translate(
                    (io.grpc.StatusRuntimeException) end.get(20, TimeUnit.SECONDS), "test")).reasonName();
        }

        String message() throws Exception {
            return end.get(20, TimeUnit.SECONDS).getMessage();
        }

        @Override
        public void onNext(WriteFileResponse value) {
        }

        @Override
        public void onError(Throwable t) {
            end.complete(t);
        }

        @Override
        public void onCompleted() {
            end.complete(new AssertionError("the upload was accepted"));
        }
    }
}

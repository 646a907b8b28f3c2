package io.cmdop.daemon;

import io.cmdop.protocol.v1.AgentStatus;
import io.cmdop.protocol.v1.SessionsGrpc;
import io.cmdop.session.SessionConfig;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The long-lived process of one machine (ARCHITECTURE §2): hosts sessions and serves them over
 * gRPC on a Unix socket in {@code $CMDOP_HOME}, readable only by its user. One daemon per home,
 * enforced by a lock on {@code daemon.lock}; a socket left behind by a killed daemon is replaced.
 */
public final class Daemon implements AutoCloseable {
    public static final String SOCKET = "agent.sock";
    public static final String LOCK = "daemon.lock";
    public static final String VERSION = "0.1.0";
    /** Frames larger than this close the call that sent them. */
    public static final int MAX_FRAME_BYTES = 1024 * 1024;

    private static final Logger LOG = Logger.getLogger(Daemon.class.getName());

    private final Path home;
    private final Path socket;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final SessionRegistry registry;
    private final Server server;
    private final EventLoopGroup boss;
    private final MultiThreadIoEventLoopGroup workers;
    private final ExecutorService handlers;
    private final long startedAtMs = System.currentTimeMillis();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final String machine;
    private final RelayLink relayLink;

    private Daemon(Path home, DaemonConfig config) throws IOException {
        this.home = home;
        this.socket = home.resolve(SOCKET);
        java.util.Optional<RelaySettings> relay = RelaySettings.load(home);
        this.machine = relay.map(RelaySettings::machineName).orElseGet(Daemon::hostName);
        Files.createDirectories(home);
        restrictToOwner(home, "rwx------");
        this.lockChannel = FileChannel.open(home.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ);
        FileLock acquired;
        try {
            acquired = lockChannel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            acquired = null;
        }
        this.lock = acquired;
        if (lock == null) {
            String pid = Files.readString(home.resolve(LOCK), StandardCharsets.UTF_8).trim();
            lockChannel.close();
            throw new DaemonAlreadyRunningException("a cmdop daemon is already running for " + home
                    + (pid.isEmpty() ? "" : " (pid " + pid + ")") + "; stop it with `cmdop agent stop`");
        }
        lockChannel.truncate(0);
        lockChannel.write(java.nio.ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)));
        // We hold the lock, so any socket file is a leftover of a daemon that died without cleaning up.
        Files.deleteIfExists(socket);
        String principal = System.getProperty("user.name");
        SessionConfig sessionConfig = config.session().withIntegrationDir(home.resolve("shell"));
        this.boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        // One loop serves every connection and watches every PTY, so a keystroke's echo is read and sent
        // by one thread (LoopPtyWatcher); busy output is read and modelled on threads of its own.
        this.workers = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        this.registry = new SessionRegistry(config, sessionConfig, principal, new LoopPtyWatcher(workers));
        SessionsService sessions = new SessionsService(registry, machine);
        FileRoot filesRoot = new FileRoot(config.filesRoot());
        this.handlers = Executors.newVirtualThreadPerTaskExecutor();
        this.server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                // gRPC asks every accepted channel for TCP keepalive; a Unix socket has none.
                .withChildOption(ChannelOption.SO_KEEPALIVE, null)
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .executor(handlers)
                .callExecutor(new AttachOnTransport())
                .maxInboundMessageSize(MAX_FRAME_BYTES)
                .addService(io.grpc.ServerInterceptors.intercept(sessions, Caller.local(principal)))
                .addService(io.grpc.ServerInterceptors.intercept(new FilesService(filesRoot), Caller.local(principal)))
                .addService(new AgentService(this))
                .addService(ProtoReflectionServiceV1.newInstance())
                .build();
        server.start();
        restrictToOwner(socket, "rw-------");
        // Enrolled into a relay: dial out and keep the link up.
        this.relayLink = relay.map(settings -> new RelayLink(settings, sessions, filesRoot, registry, VERSION, workers)).orElse(null);
        LOG.info(() -> "cmdop daemon " + VERSION + " serving " + socket + " (pid " + ProcessHandle.current().pid() + ")");
    }

    /**
     * An attached client's frames are handled on the transport thread: they never block (input that
     * the terminal does not take at once is queued, see the session's input writer; the longest is
     * an attach building its snapshot, a few milliseconds), and a keystroke is spared a thread
     * hand-off. Every other call runs on a virtual thread of its own.
     */
    private static final class AttachOnTransport implements ServerCallExecutorSupplier {
        private static final String ATTACH = SessionsGrpc.getAttachMethod().getFullMethodName();

        @Override
        public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata headers) {
            return call.getMethodDescriptor().getFullMethodName().equals(ATTACH) ? Runnable::run : null;
        }
    }

    /** Starts a daemon for {@code home}; fails if another one runs there. */
    public static Daemon start(Path home, DaemonConfig config) throws IOException {
        return new Daemon(home, config);
    }

    public Path socket() {
        return socket;
    }

    AgentStatus status() {
        long now = System.currentTimeMillis();
        return AgentStatus.newBuilder()
                .setPid(ProcessHandle.current().pid())
                .setVersion(VERSION)
                .setStartedAtMs(startedAtMs)
                .setUptimeMs(now - startedAtMs)
                .setSessions(registry.runningCount())
                .setSocketPath(socket.toString())
                .setHome(home.toString())
                .setMachine(machine)
                .setRelay(relayLink == null ? "" : (relayLink.connected() ? "linked" : "reconnecting"))
                .setRssBytes(residentBytes())
                .setSessionsMemoryBytes(registry.memoryBytes())
                .build();
    }

    /** VmRSS from /proc/self/status; 0 where there is none. */
    private static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or a kernel without the line: the figure is optional
        }
        return 0;
    }

    /** Blocks until the daemon has stopped. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** Hangs up every session, closes the socket and releases the home. Idempotent. */
    public synchronized void stop() {
        if (stopped.getCount() == 0) {
            return;
        }
        LOG.info("stopping");
        if (relayLink != null) {
            relayLink.close();
        }
        server.shutdown();
        int sessions = registry.runningCount();
        registry.close();
        try {
            if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        handlers.shutdownNow();
        try {
            Files.deleteIfExists(socket);
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LOG.info(() -> "stopped; " + sessions + " running session(s) hung up");
        stopped.countDown();
    }

    @Override
    public void close() {
        stop();
    }

    private static void restrictToOwner(Path path, String permissions) throws IOException {
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}

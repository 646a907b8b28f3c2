package io.cmdop.client;

import io.cmdop.protocol.v1.AgentGrpc;
import io.cmdop.protocol.v1.AgentStatus;
import io.cmdop.protocol.v1.AgentStatusRequest;
import io.cmdop.protocol.v1.ClientInfo;
import io.cmdop.protocol.v1.ClientKind;
import io.cmdop.protocol.v1.StopRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;

import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The entry point of the Java SDK: a connection to a cmdop daemon. Thread-safe; close it when done.
 *
 * <pre>{@code
 * try (CmdopClient client = CmdopClient.local()) {
 *     Terminal terminal = client.terminal();
 *     ExecResult r = terminal.execute("uname -a", Duration.ofSeconds(30));
 * }
 * }</pre>
 */
public final class CmdopClient implements AutoCloseable {
    /** Frames larger than this are refused by the daemon. */
    static final int MAX_FRAME_BYTES = 1024 * 1024;

    private final ManagedChannel channel;
    private final EventLoopGroup eventLoop;
    private final ExecutorService callbacks;
    private final String target;
    private final ClientInfo clientInfo;

    private CmdopClient(ManagedChannel channel, EventLoopGroup eventLoop, ExecutorService callbacks, String target,
                        ClientInfo clientInfo) {
        this.channel = channel;
        this.eventLoop = eventLoop;
        this.callbacks = callbacks;
        this.target = target;
        this.clientInfo = clientInfo;
    }

    /** The daemon of {@code $CMDOP_HOME} (default {@code ~/.cmdop}), as an SDK client. */
    public static CmdopClient local() {
        return local(CmdopHome.resolve(), ClientKind.CLIENT_KIND_SDK);
    }

    /** The daemon of the given home, as a client of the given kind. */
    public static CmdopClient local(CmdopHome home, ClientKind kind) {
        Path socket = home.socket();
        ThreadFactory daemonThreads = Thread.ofPlatform().daemon().name("cmdop-client-io-", 0).factory();
        EventLoopGroup group = new EpollEventLoopGroup(1, daemonThreads);
        ExecutorService callbacks = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("cmdop-client-", 0).factory());
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(group)
                .executor(callbacks)
                .usePlaintext()
                .maxInboundMessageSize(MAX_FRAME_BYTES * 4)
                .build();
        ClientInfo info = ClientInfo.newBuilder().setKind(kind)
                .setDescription("cmdop-java " + System.getProperty("user.name")).build();
        return new CmdopClient(channel, group, callbacks, socket.toString(), info);
    }

    /** Sessions on the connected machine. */
    public Terminal terminal() {
        return new Terminal(channel, clientInfo, target);
    }

    /** The daemon's status. */
    public AgentStatus status() {
        return call(target, () -> AgentGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .getStatus(AgentStatusRequest.getDefaultInstance()));
    }

    /** Asks the daemon to stop; every session's process is hung up. */
    public void stopAgent() {
        call(target, () -> AgentGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .stop(StopRequest.getDefaultInstance()));
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        callbacks.shutdownNow();
    }

    /** A gRPC error as the SDK's exception, with its stable reason. */
    public static CmdopException translate(StatusRuntimeException e, String target) {
        return CmdopException.from(e, target);
    }

    /** Runs a blocking call, turning gRPC errors into {@link CmdopException}s. */
    static <T> T call(String target, Supplier<T> call) {
        try {
            return call.get();
        } catch (StatusRuntimeException e) {
            throw CmdopException.from(e, target);
        }
    }
}

package io.cmdop.client;

import io.cmdop.protocol.v1.AgentGrpc;
import io.cmdop.protocol.v1.AgentStatus;
import io.cmdop.protocol.v1.AgentStatusRequest;
import io.cmdop.protocol.v1.ClientInfo;
import io.cmdop.protocol.v1.ClientKind;
import io.cmdop.protocol.v1.Reason;
import io.cmdop.protocol.v1.StopRequest;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
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

    private final ManagedChannel managed;
    /** The managed channel, with the API key attached to every call when remote. */
    private final Channel channel;
    /** The transport's one event loop. */
    private final IoEventLoopGroup eventLoop;
    private final ExecutorService callbacks;
    private final String target;
    private final ClientInfo clientInfo;
    private final OpenStreams streams = new OpenStreams();

    private CmdopClient(ManagedChannel managed, Channel channel, IoEventLoopGroup eventLoop, ExecutorService callbacks,
                        String target, ClientInfo clientInfo) {
        this.managed = managed;
        this.channel = ClientInterceptors.intercept(channel, TransportThread.NO_CALLS_FROM_CALLBACKS);
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
        IoEventLoopGroup group = transportLoop();
        ExecutorService callbacks = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("cmdop-client-", 0).factory());
        ManagedChannel channel = LocalChannels.builder(socket, group)
                .executor(callbacks)
                .maxInboundMessageSize(MAX_FRAME_BYTES * 4)
                .build();
        return new CmdopClient(channel, channel, group, callbacks, socket.toString(), info(kind));
    }

    /**
     * A relay, with an API key: every machine of the key's fleet is reachable through it. For TLS
     * relays {@code fingerprint} is the pinned certificate fingerprint ({@code SHA256:...}).
     */
    /**
     * The fleet of {@code apiKey} through the relay that {@code cmdop login} saved in {@code $CMDOP_HOME}
     * (its address and certificate pin), as an SDK client.
     *
     * @throws CmdopException {@code UNAUTHENTICATED} when no relay was saved
     */
    public static CmdopClient remote(String apiKey) {
        RelayLogin login = RelayLogin.load(CmdopHome.resolve()).orElseThrow(() -> new CmdopException(
                Reason.REASON_UNAUTHENTICATED, "no relay saved in " + CmdopHome.resolve().dir()
                + ": run `cmdop login --relay https://HOST:PORT --key cmdop_...` once, or pass the relay's address"));
        return remote(login.url(), apiKey, login.fingerprint(), ClientKind.CLIENT_KIND_SDK);
    }

    public static CmdopClient remote(String relayUrl, String apiKey, String fingerprint, ClientKind kind) {
        RelayEndpoint endpoint = RelayEndpoint.parse(relayUrl);
        return remote(endpoint, apiKey, endpoint.tls() ? new CertificatePin(fingerprint) : null, kind);
    }

    /** As {@link #remote(String, String, String, ClientKind)}, with a pin object that records what the relay presented. */
    public static CmdopClient remote(String relayUrl, String apiKey, CertificatePin pin) {
        return remote(RelayEndpoint.parse(relayUrl), apiKey, pin, ClientKind.CLIENT_KIND_CLI);
    }

    private static CmdopClient remote(RelayEndpoint endpoint, String apiKey, CertificatePin pin, ClientKind kind) {
        IoEventLoopGroup group = transportLoop();
        ManagedChannel managed;
        try {
            managed = RelayChannels.open(endpoint, pin, group);
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
        Channel withKey = ClientInterceptors.intercept(managed, bearer(apiKey));
        return new CmdopClient(managed, withKey, group, null, endpoint.url(), info(kind));
    }

    /** The client's own transport thread: one event loop, which {@link #watchInput} can lend. */
    private static IoEventLoopGroup transportLoop() {
        ThreadFactory daemonThreads = Thread.ofPlatform().daemon().name("cmdop-client-io-", 0).factory();
        return new MultiThreadIoEventLoopGroup(1, daemonThreads, EpollIoHandler.newFactory());
    }

    private static ClientInfo info(ClientKind kind) {
        return ClientInfo.newBuilder().setKind(kind).setDescription("cmdop-java " + System.getProperty("user.name"))
                .build();
    }

    /** Sends {@code authorization: Bearer KEY} with every call. */
    static ClientInterceptor bearer(String secret) {
        Metadata.Key<String> authorization = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        headers.put(authorization, "Bearer " + secret);
                        super.start(listener, headers);
                    }
                };
            }
        };
    }

    /** Fleet administration through a relay: machines, keys, join keys, members. */
    public FleetAdmin fleet() {
        return new FleetAdmin(channel, target);
    }

    /** Where this client is connected: a socket path or a relay URL. */
    public String target() {
        return target;
    }

    /** Sessions on the connected machine. */
    public Terminal terminal() {
        return new Terminal(channel, managed::resetConnectBackoff, clientInfo, target, streams);
    }

    /** Files on the connected machine, under its files root; {@link Files#onMachine} through a relay. */
    public Files files() {
        return new Files(channel, target, "");
    }

    /**
     * Calls {@code onReadable} on this client's transport thread whenever descriptor {@code fd} (a
     * terminal, a pipe) has input or has hung up, until it returns false or the returned watch is
     * closed: keys read and sent from there leave with no thread hand-off, as output reaches callbacks
     * on the transport thread ({@link TerminalStream#callbacksOnTransportThread}). {@code onReadable}
     * reads once, what is there, and returns; it is held to the rules of such callbacks. The
     * descriptor is never closed through this.
     *
     * @return empty when the descriptor cannot be watched (a regular file): read it from a thread of
     *     your own then
     * @throws CmdopException {@code BLOCKING_CALLBACK} from a callback on a transport thread
     * @throws IllegalStateException once this client is closed
     */
    public Optional<InputWatch> watchInput(int fd, BooleanSupplier onReadable) {
        TransportThread.refuseBlocking("watchInput");
        // A loop that is shutting down may still take the registration, then fail it: ask first.
        if (eventLoop.isShuttingDown()) {
            throw closedFor(fd, null);
        }
        try {
            return LoopInputWatch.start(eventLoop.next(), fd, onReadable);
        } catch (RejectedExecutionException e) {
            throw closedFor(fd, e);
        }
    }

    private static IllegalStateException closedFor(int fd, RejectedExecutionException cause) {
        return new IllegalStateException("this client is closed: it has no transport thread to read descriptor " + fd
                + " on", cause);
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
        streams.detachAll();
        // Detached calls end as soon as the daemon says goodbye; whatever still runs after that is cut.
        managed.shutdown();
        try {
            if (!managed.awaitTermination(2, TimeUnit.SECONDS)) {
                managed.shutdownNow();
                managed.awaitTermination(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            managed.shutdownNow();
            Thread.currentThread().interrupt();
        }
        eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        if (callbacks != null) {
            callbacks.shutdownNow();
        }
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

package io.cmdop.bench;

import io.cmdop.client.LocalChannels;
import io.cmdop.protocol.v1.AttachRequest;
import io.cmdop.protocol.v1.ClientFrame;
import io.cmdop.protocol.v1.ClientInfo;
import io.cmdop.protocol.v1.ClientKind;
import io.cmdop.protocol.v1.Mode;
import io.cmdop.protocol.v1.ServerFrame;
import io.cmdop.protocol.v1.SessionSelector;
import io.cmdop.protocol.v1.SessionsGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A diagnostic observer that is not the SDK: the generated gRPC stub on its own connection, frames
 * handled on the transport's thread, messages requested in batches, an 8 MiB flow-control window.
 * With it the daemon's sending can be told apart from the SDK's receiving ({@code --only grpc}).
 * The system property {@code cmdop.bench.direct} switches in what the SDK does instead: {@code
 * executor} (callbacks on a new virtual thread per task, the default window), {@code request1} (one
 * message requested at a time).
 */
final class DirectObserver implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final ManagedChannel channel;

    private static final String VARIANT = System.getProperty("cmdop.bench.direct", "");
    private final java.util.concurrent.ExecutorService callbacks =
            java.util.concurrent.Executors.newThreadPerTaskExecutor(Thread.ofVirtual().factory());

    DirectObserver(Path socket) {
        NettyChannelBuilder builder = LocalChannels.builder(socket, group).maxInboundMessageSize(16 << 20);
        if (VARIANT.contains("executor")) {
            builder.executor(callbacks);
        } else {
            builder.directExecutor().flowControlWindow(8 << 20);
        }
        channel = builder.build();
    }

    /** Attaches as an observer; every output byte goes to {@code end}, every resync counts in {@code gaps}. */
    void attach(String session, EndMarker end, java.util.concurrent.atomic.AtomicInteger gaps) {
        SessionsGrpc.newStub(channel).attach(new ClientResponseObserver<ClientFrame, ServerFrame>() {
            private ClientCallStreamObserver<ClientFrame> call;
            private int received;

            @Override
            public void beforeStart(ClientCallStreamObserver<ClientFrame> requestStream) {
                call = requestStream;
                if (!VARIANT.contains("request1")) {
                    call.disableAutoRequestWithInitial(64);
                }
            }

            @Override
            public void onNext(ServerFrame frame) {
                if (frame.hasEvent() && frame.getEvent().hasOutput()) {
                    for (ByteBuffer b : frame.getEvent().getOutput().getData().asReadOnlyByteBufferList()) {
                        byte[] copy = new byte[b.remaining()];
                        b.get(copy);
                        end.feed(copy);
                    }
                } else if (frame.hasResync()) {
                    gaps.incrementAndGet();
                    if (frame.getResync().getSnapshot().getLinesList().stream().anyMatch(l -> l.contains(end.text()))) {
                        end.markSeen();
                    }
                }
                if (!VARIANT.contains("request1") && ++received % 32 == 0) {
                    call.request(32);
                }
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        }).onNext(ClientFrame.newBuilder().setRequestId(1).setAttach(AttachRequest.newBuilder()
                .setSession(SessionSelector.newBuilder().setSession(session)).setMode(Mode.MODE_OBSERVER)
                .setClient(ClientInfo.newBuilder().setKind(ClientKind.CLIENT_KIND_SDK).setDescription("cmdop-bench")))
                .build());
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        callbacks.shutdownNow();
    }
}

package io.cmdop.bench;

import io.cmdop.client.LocalChannels;
import io.cmdop.protocol.v1.AttachRequest;
import io.cmdop.protocol.v1.ClientFrame;
import io.cmdop.protocol.v1.ClientInfo;
import io.cmdop.protocol.v1.ClientKind;
import io.cmdop.protocol.v1.Mode;
import io.cmdop.protocol.v1.ResumeRequest;
import io.cmdop.protocol.v1.ServerFrame;
import io.cmdop.protocol.v1.SessionSelector;
import io.cmdop.protocol.v1.SessionsGrpc;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * An observer that drops its call and resumes on a new one with its continuity token, through the
 * protocol itself (the SDK resumes by itself after a drop, so a second, manual resume would race
 * with it). It keeps the position a client keeps: the last seq and the next output offset.
 */
final class ResumeProbe implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final ManagedChannel channel;
    private final String session;
    private volatile ClientCallStreamObserver<ClientFrame> call;
    private volatile String token;
    private volatile long lastSeq;
    private volatile long nextOffset;

    ResumeProbe(Path socket, String session) {
        this.session = session;
        channel = LocalChannels.builder(socket, group).directExecutor().maxInboundMessageSize(16 << 20).build();
    }

    void attach() throws Exception {
        open(ClientFrame.newBuilder().setRequestId(1).setAttach(AttachRequest.newBuilder()
                .setSession(SessionSelector.newBuilder().setSession(session)).setMode(Mode.MODE_OBSERVER)
                .setClient(ClientInfo.newBuilder().setKind(ClientKind.CLIENT_KIND_SDK).setDescription("cmdop-bench")))
                .build());
    }

    /** Cancels the call, as a lost connection would. */
    void drop() {
        call.cancel("dropped by the benchmark", null);
    }

    /** Resumes on a new call; returns once the Attached reply is in (missed events follow). */
    void resume() throws Exception {
        open(ClientFrame.newBuilder().setRequestId(1).setResume(ResumeRequest.newBuilder().setToken(token)
                .setSeq(lastSeq).setOffset(nextOffset)).build());
    }

    long nextOffset() {
        return nextOffset;
    }

    void awaitOffset(long target, long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        while (nextOffset < target) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the resume did not deliver what was missed");
            }
            LockSupport.parkNanos(20_000);
        }
    }

    private void open(ClientFrame first) throws Exception {
        CompletableFuture<ServerFrame> attached = new CompletableFuture<>();
        var observer = new ClientResponseObserver<ClientFrame, ServerFrame>() {
            private ClientCallStreamObserver<ClientFrame> own;

            @Override
            public void beforeStart(ClientCallStreamObserver<ClientFrame> requestStream) {
                own = requestStream;
            }

            @Override
            public void onNext(ServerFrame frame) {
                if (own != call) {
                    return;
                }
                if (frame.hasAttached()) {
                    token = frame.getAttached().getContinuityToken();
                    if (frame.getAttached().hasSnapshot()) {
                        lastSeq = frame.getAttached().getSnapshot().getSeq();
                        nextOffset = frame.getAttached().getSnapshot().getOffset();
                    }
                    attached.complete(frame);
                } else if (frame.hasError()) {
                    attached.completeExceptionally(new IllegalStateException(frame.getError().getMessage()));
                } else if (frame.hasEvent()) {
                    if (frame.getEvent().hasOutput()) {
                        nextOffset = frame.getEvent().getOutput().getOffset()
                                + frame.getEvent().getOutput().getData().size();
                    }
                    lastSeq = frame.getEvent().getSeq();
                } else if (frame.hasResync()) {
                    lastSeq = frame.getResync().getSnapshot().getSeq();
                    nextOffset = frame.getResync().getSnapshot().getOffset();
                }
            }

            @Override
            public void onError(Throwable t) {
                attached.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        };
        ClientCallStreamObserver<ClientFrame> c =
                (ClientCallStreamObserver<ClientFrame>) SessionsGrpc.newStub(channel).attach(observer);
        call = c;
        c.onNext(first);
        attached.get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        ClientCallStreamObserver<ClientFrame> c = call;
        if (c != null) {
            c.cancel("done", null);
        }
        channel.shutdownNow();
        try {
            channel.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}

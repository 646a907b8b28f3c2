package io.cmdop.daemon;

import io.cmdop.protocol.v1.CallEnd;
import io.cmdop.protocol.v1.LinkUp;
import io.cmdop.session.Reason;
import io.cmdop.session.SessionException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ServerCallStreamObserver;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * One relayed call, seen by the services as an ordinary server call: what they send becomes
 * LinkUp messages with the call's id, their end a CallEnd. The same service code thus serves the
 * local socket and the relay.
 */
final class LinkCall<T> extends ServerCallStreamObserver<T> {
    private final long callId;
    private final RelayLink link;
    private final BiConsumer<LinkUp.Builder, T> body;
    /** A download sends only as many messages as the relay granted (FileCredit); other calls are not limited. */
    private final boolean credited;
    private final AtomicLong credit = new AtomicLong();
    private volatile Runnable onCancel = () -> { };
    private volatile Runnable onReady = () -> { };
    private volatile boolean cancelled;
    private volatile boolean ended;

    LinkCall(long callId, RelayLink link, BiConsumer<LinkUp.Builder, T> body) {
        this(callId, link, body, false);
    }

    LinkCall(long callId, RelayLink link, BiConsumer<LinkUp.Builder, T> body, boolean credited) {
        this.callId = callId;
        this.link = link;
        this.body = body;
        this.credited = credited;
    }

    @Override
    public void onNext(T value) {
        if (ended || cancelled) {
            return;
        }
        if (credited) {
            credit.decrementAndGet();
        }
        LinkUp.Builder up = LinkUp.newBuilder().setCallId(callId);
        body.accept(up, value);
        link.send(up.build());
    }

    @Override
    public void onError(Throwable t) {
        if (ended) {
            return;
        }
        ended = true;
        link.forget(callId);
        link.send(LinkUp.newBuilder().setCallId(callId).setEnd(CallEnd.newBuilder().setError(error(t))).build());
    }

    @Override
    public void onCompleted() {
        if (ended) {
            return;
        }
        ended = true;
        link.forget(callId);
        link.send(LinkUp.newBuilder().setCallId(callId).setEnd(CallEnd.getDefaultInstance()).build());
    }

    /** The remote client went away. */
    void cancel() {
        cancelled = true;
        onCancel.run();
    }

    /** The link can take more (called by the link when its transport becomes ready). */
    void ready() {
        onReady.run();
    }

    /** The relay accepts {@code messages} more of this call. */
    void grant(int messages) {
        credit.addAndGet(messages);
        ready();
    }

    @Override
    public boolean isCancelled() {
        return cancelled;
    }

    @Override
    public void setOnCancelHandler(Runnable handler) {
        this.onCancel = handler;
    }

    @Override
    public boolean isReady() {
        return link.isReady() && (!credited || credit.get() > 0);
    }

    @Override
    public void setOnReadyHandler(Runnable handler) {
        this.onReady = handler;
    }

    @Override
    public void setCompression(String compression) {
    }

    @Override
    public void request(int count) {
    }

    @Override
    public void setMessageCompression(boolean enable) {
    }

    @Override
    public void disableAutoInboundFlowControl() {
    }

    /** The protocol's Error for a failure the services reported as a gRPC status. */
    private static io.cmdop.protocol.v1.Error error(Throwable t) {
        if (t instanceof StatusRuntimeException s) {
            com.google.rpc.Status status = StatusProto.fromThrowable(s);
            if (status != null) {
                for (com.google.protobuf.Any detail : status.getDetailsList()) {
                    if (detail.is(com.google.rpc.ErrorInfo.class)) {
                        try {
                            String reason = detail.unpack(com.google.rpc.ErrorInfo.class).getReason();
                            return io.cmdop.protocol.v1.Error.newBuilder()
                                    .setReason(io.cmdop.protocol.v1.Reason.valueOf("REASON_" + reason))
                                    .setMessage(status.getMessage()).setFatal(true).build();
                        } catch (com.google.protobuf.InvalidProtocolBufferException | IllegalArgumentException e) {
                            break;
                        }
                    }
                }
            }
            Status st = s.getStatus();
            return Errors.frame(new SessionException(Reason.INTERNAL, st.getCode() + ": " + st.getDescription()), true);
        }
        return Errors.frame(new SessionException(Reason.INTERNAL, String.valueOf(t)), true);
    }
}

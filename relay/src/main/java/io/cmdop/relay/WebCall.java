package io.cmdop.relay;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.ErrorInfo;
import io.cmdop.protocol.v1.CallStatus;
import io.cmdop.protocol.v1.FilesGrpc;
import io.cmdop.protocol.v1.FleetGrpc;
import io.cmdop.protocol.v1.Reason;
import io.cmdop.protocol.v1.SessionsGrpc;
import io.cmdop.protocol.v1.WebFrame;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;

import java.io.ByteArrayInputStream;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One call on a WebSocket, made to the relay's services in process with the socket's credential:
 * the browser's bytes are parsed as the method's request message (so a malformed one is refused
 * here, clearly), and the service's answers go back serialized as gRPC would carry them. At
 * most {@link #WINDOW} answers are in flight to the socket; the next is asked for only when one
 * was written, so a slow browser slows (and, for Attach, eventually resynchronises) only itself.
 */
final class WebCall {
    static final int WINDOW = 8;
    /** Messages a call may be sent ahead of the service taking them; past this the call is ended. */
    static final int MAX_UNREAD = 256;
    /**
     * What the carrier carries: every method of cmdop.v1.Sessions, Files and Fleet, by full name.
     * Each is called as a bidirectional stream: the client's frames decide how many messages it
     * sends and when it half-closes, exactly as on a gRPC stream; the service behaves by its own kind.
     */
    static final Map<String, MethodDescriptor<?, ?>> METHODS = Stream.of(SessionsGrpc.getServiceDescriptor(),
                    FilesGrpc.getServiceDescriptor(), FleetGrpc.getServiceDescriptor())
            .flatMap(service -> service.getMethods().stream())
            .collect(Collectors.toUnmodifiableMap(MethodDescriptor::getFullMethodName,
                    m -> m.toBuilder().setType(MethodDescriptor.MethodType.BIDI_STREAMING).build()));

    private final WebConnection socket;
    private final long id;
    private final MethodDescriptor<Object, Object> method;
    private final ClientCall<Object, Object> call;
    /** Messages handed over since the service last said it takes more. */
    private final AtomicInteger unread = new AtomicInteger();
    /** The carrier reported this call's end itself (a malformed message): gRPC's own close is not reported again. */
    private volatile boolean reported;

    private WebCall(WebConnection socket, long id, MethodDescriptor<Object, Object> method, ClientCall<Object, Object> call) {
        this.socket = socket;
        this.id = id;
        this.method = method;
        this.call = call;
    }

    /** Starts a call of {@code method}, or answers with its status and returns null when it cannot be made. */
    static WebCall start(WebConnection socket, long id, String method, Channel services, Metadata credentials) {
        @SuppressWarnings("unchecked")
        MethodDescriptor<Object, Object> descriptor = (MethodDescriptor<Object, Object>) METHODS.get(method);
        if (descriptor == null) {
            socket.send(status(id, Status.Code.UNIMPLEMENTED.value(), Reason.REASON_INVALID_ARGUMENT,
                    "no method '" + method + "' on the WebSocket: cmdop.v1.Sessions, Files and Fleet are carried"), null);
            return null;
        }
        WebCall web = new WebCall(socket, id, descriptor, services.newCall(descriptor, CallOptions.DEFAULT));
        Metadata headers = new Metadata();
        headers.merge(credentials);
        web.call.start(web.new Answers(), headers);
        web.call.request(WINDOW);
        return web;
    }

    /**
     * Hands a message to the service. Bytes that are not the method's request message end the call
     * with MALFORMED_FRAME; a client far ahead of the service ends it with LIMIT_REACHED.
     */
    void send(byte[] bytes) {
        Object message;
        try {
            message = method.parseRequest(new ByteArrayInputStream(bytes));
        } catch (RuntimeException e) {
            end(Status.Code.INVALID_ARGUMENT, Reason.REASON_MALFORMED_FRAME, "the message is not a " + requestType());
            return;
        }
        if (!call.isReady() && unread.incrementAndGet() > MAX_UNREAD) {
            end(Status.Code.RESOURCE_EXHAUSTED, Reason.REASON_LIMIT_REACHED,
                    "more than " + MAX_UNREAD + " messages ahead of the session: slow down");
            return;
        }
        try {
            call.sendMessage(message);
        } catch (IllegalStateException over) {
            // The call already ended (its status is on its way) or was half-closed: nothing to deliver.
        }
    }

    /** The carrier ends the call itself and reports why; gRPC's own close is not reported again. */
    private void end(Status.Code code, Reason reason, String message) {
        reported = true;
        socket.ended(id);
        socket.send(status(id, code.value(), reason, message), null);
        call.cancel(message, null);
    }

    private String requestType() {
        return method.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> proto
                && proto.getMessagePrototype() instanceof Message m ? m.getDescriptorForType().getFullName() : "request";
    }

    void halfClose() {
        try {
            call.halfClose();
        } catch (IllegalStateException twice) {
            // Half-closed already, or ended: a repeated half_close changes nothing.
        }
    }

    void cancel(String why) {
        call.cancel(why, null);
    }

    private final class Answers extends ClientCall.Listener<Object> {
        @Override
        public void onMessage(Object message) {
            socket.send(WebFrame.newBuilder().setCall(id).setMessage(((Message) message).toByteString()).build(),
                    () -> call.request(1));
        }

        @Override
        public void onReady() {
            unread.set(0);
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            socket.ended(id);
            if (!reported) {
                Outcome outcome = outcome(status, trailers);
                socket.send(status(id, status.getCode().value(), outcome.reason(), outcome.message()), null);
            }
        }
    }

    static WebFrame status(long id, int code, Reason reason, String message) {
        return WebFrame.newBuilder().setCall(id).setStatus(CallStatus.newBuilder().setCode(code).setReason(reason)
                .setMessage(message == null ? "" : message)).build();
    }

    /** A gRPC status as the carrier reports it: the stable reason from its ErrorInfo, and its message. */
    record Outcome(Reason reason, String message) {
    }

    static Outcome outcome(Status status, Metadata trailers) {
        Reason reason = Reason.REASON_UNSPECIFIED;
        com.google.rpc.Status details = StatusProto.fromStatusAndTrailers(status, trailers);
        for (Any detail : details.getDetailsList()) {
            if (detail.is(ErrorInfo.class)) {
                try {
                    reason = Reason.valueOf("REASON_" + detail.unpack(ErrorInfo.class).getReason());
                } catch (InvalidProtocolBufferException | IllegalArgumentException unknown) {
                    // An ErrorInfo of another domain: no cmdop reason.
                }
            }
        }
        return new Outcome(reason, status.getDescription() == null ? status.getCode().name() : status.getDescription());
    }
}

package io.cmdop.relay;

import com.google.protobuf.InvalidProtocolBufferException;
import io.cmdop.protocol.v1.Error;
import io.cmdop.protocol.v1.FleetGrpc;
import io.cmdop.protocol.v1.Identity;
import io.cmdop.protocol.v1.Reason;
import io.cmdop.protocol.v1.WebFrame;
import io.cmdop.protocol.v1.WhoAmIRequest;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * One WebSocket at {@code /ws}: its sign-in, then the calls multiplexed on it. A client that sends
 * a call more than it takes has that call ended (see {@link WebCall}), so memory stays bounded. A
 * frame that breaks the carrier's rules gets an Error frame and closes this socket only.
 */
// Public only because Jetty looks its listener methods up reflectively; nothing else uses it.
public final class WebConnection implements Session.Listener.AutoDemanding {
    private static final Logger LOG = Logger.getLogger(WebConnection.class.getName());
    /** Calls open on one socket at once. */
    static final int MAX_CALLS = 32;
    /** Longer than any credential cmdop issues. */
    static final int MAX_CREDENTIAL = 256;

    private final Channel services;
    private final String source;
    private final Map<Long, WebCall> calls = new ConcurrentHashMap<>();
    private volatile Session session;
    private volatile Metadata credentials;
    private volatile boolean signingIn;
    /** Set for a socket refused before any frame is read (foreign origin, too many connections). */
    private final Error refusal;
    private final int refusalCode;

    private WebConnection(Channel services, String source, Error refusal, int refusalCode) {
        this.services = services;
        this.source = source;
        this.refusal = refusal;
        this.refusalCode = refusalCode;
    }

    static WebConnection accepted(Channel services, String source) {
        return new WebConnection(services, source, null, 0);
    }

    /** A socket that gets one Error frame saying why, then the close, and reads nothing. */
    static WebConnection refused(String source, Reason reason, int closeCode, String message) {
        return new WebConnection(null, source, Error.newBuilder().setReason(reason).setMessage(message).build(), closeCode);
    }

    @Override
    public void onWebSocketOpen(Session session) {
        this.session = session;
        if (refusal != null) {
            refuse(refusal.getReason(), refusalCode, refusal.getMessage());
        }
    }

    @Override
    public void onWebSocketText(String text) {
        refuse(Reason.REASON_MALFORMED_FRAME, 1003, "text messages are not part of the protocol: send binary WebFrames");
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
        int size = payload.remaining();
        WebFrame frame;
        try {
            if (size > WebCarrier.MAX_FRAME_BYTES) {
                callback.succeed();
                refuse(Reason.REASON_FRAME_TOO_LARGE, 1009, "a frame of " + size + " bytes is over the limit of "
                        + WebCarrier.MAX_FRAME_BYTES + " bytes");
                return;
            }
            frame = WebFrame.parseFrom(payload);
            callback.succeed();
        } catch (InvalidProtocolBufferException e) {
            callback.succeed();
            refuse(Reason.REASON_MALFORMED_FRAME, 1007, "not a WebFrame: " + e.getMessage());
            return;
        }
        handle(frame);
    }

    private void handle(WebFrame frame) {
        if (credentials == null) {
            if (frame.getBodyCase() != WebFrame.BodyCase.SIGN_IN || frame.getCall() != 0 || signingIn) {
                refuse(Reason.REASON_MALFORMED_FRAME, 1008, signingIn ? "wait for signed_in before starting calls"
                        : "the first frame must be sign_in on call 0");
                return;
            }
            signingIn = true;
            Thread.ofVirtual().name("cmdop-web-sign-in").start(() -> signIn(frame.getSignIn().getCredential()));
            return;
        }
        switch (frame.getBodyCase()) {
            case BODY_NOT_SET -> {
                // A keepalive: it only proves the socket is alive.
            }
            case START -> start(frame.getCall(), frame.getStart().getMethod());
            case MESSAGE -> {
                WebCall call = calls.get(frame.getCall());
                if (call != null) {
                    call.send(frame.getMessage().toByteArray());
                }
            }
            case HALF_CLOSE -> {
                WebCall call = calls.get(frame.getCall());
                if (call != null) {
                    call.halfClose();
                }
            }
            case CANCEL -> {
                WebCall call = calls.remove(frame.getCall());
                if (call != null) {
                    call.cancel("cancelled by the client");
                }
            }
            default -> refuse(Reason.REASON_MALFORMED_FRAME, 1008, "a client does not send "
                    + frame.getBodyCase().name().toLowerCase(Locale.ROOT));
        }
    }

    private void signIn(String credential) {
        String trimmed = credential.trim();
        if (trimmed.length() > MAX_CREDENTIAL || !trimmed.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            refuse(Reason.REASON_UNAUTHENTICATED, 1008, "the credential is malformed");  // a header could not carry it
            return;
        }
        Metadata headers = new Metadata();
        headers.put(Authenticator.AUTHORIZATION, "Bearer " + trimmed);
        headers.put(Authenticator.WEB_SOURCE, source);
        try {
            Identity identity = FleetGrpc.newBlockingStub(services)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .whoAmI(WhoAmIRequest.getDefaultInstance());
            credentials = headers;
            send(WebFrame.newBuilder().setSignedIn(identity).build(), null);
            LOG.info(() -> identity.getMember() + "@" + identity.getFleet() + " signed in to the console from " + source);
        } catch (StatusRuntimeException e) {
            WebCall.Outcome outcome = WebCall.outcome(e.getStatus(), e.getTrailers());
            refuse(outcome.reason() == Reason.REASON_UNSPECIFIED ? Reason.REASON_UNAUTHENTICATED : outcome.reason(),
                    1008, outcome.message());
        }
    }

    private void start(long id, String method) {
        if (id == 0 || calls.containsKey(id)) {
            refuse(Reason.REASON_MALFORMED_FRAME, 1008, "call " + id + " cannot be started: "
                    + (id == 0 ? "0 is the socket's own" : "it is already open"));
            return;
        }
        if (calls.size() >= MAX_CALLS) {
            send(WebCall.status(id, io.grpc.Status.RESOURCE_EXHAUSTED.getCode().value(), Reason.REASON_LIMIT_REACHED,
                    "at most " + MAX_CALLS + " calls may be open on one socket"), null);
            return;
        }
        WebCall call = WebCall.start(this, id, method, services, credentials);
        if (call != null) {
            calls.put(id, call);
        }
    }

    /** The call ended (its status is on its way): forget it. */
    void ended(long id) {
        calls.remove(id);
    }

    /** Sends a frame; {@code sent} runs once it is written (flow control for the call it belongs to). */
    void send(WebFrame frame, Runnable sent) {
        Session s = session;
        if (s == null || !s.isOpen()) {
            return;
        }
        s.sendBinary(ByteBuffer.wrap(frame.toByteArray()), Callback.from(sent == null ? () -> { } : sent,
                failure -> LOG.fine(() -> "send to " + source + " failed: " + failure)));
    }

    /** A frame broke the carrier's rules: say why, then close this socket (and only it). */
    private void refuse(Reason reason, int closeCode, String message) {
        LOG.info(() -> "closing the WebSocket from " + source + ": " + message);
        Session s = session;
        if (s == null || !s.isOpen()) {
            return;
        }
        WebFrame error = WebFrame.newBuilder().setError(Error.newBuilder().setReason(reason).setMessage(message)
                .setFatal(true)).build();
        s.sendBinary(ByteBuffer.wrap(error.toByteArray()), Callback.from(
                () -> s.close(closeCode, closeReason(message), Callback.NOOP), failure -> s.disconnect()));
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback) {
        // Abrupt for the calls: an attachment keeps its grace window and resumes with its token.
        List.copyOf(calls.values()).forEach(c -> c.cancel("the WebSocket closed"));
        calls.clear();
        callback.succeed();
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        LOG.fine(() -> "WebSocket from " + source + " failed: " + cause);
    }

    /** A close reason fits in 123 bytes of UTF-8. */
    static String closeReason(String message) {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= 123) {
            return message;
        }
        String cut = new String(bytes, 0, 120, StandardCharsets.UTF_8);
        return cut.substring(0, cut.length() - 1) + "…";
    }
}

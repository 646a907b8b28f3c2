package io.cmdop.daemon;

import io.cmdop.client.Features;
import io.cmdop.transport.OutboundStream;

import io.cmdop.protocol.v1.Accepted;
import io.cmdop.protocol.v1.AttachRequest;
import io.cmdop.protocol.v1.Attached;
import io.cmdop.protocol.v1.ClientFrame;
import io.cmdop.protocol.v1.ResumeRequest;
import io.cmdop.protocol.v1.ServerFrame;
import io.cmdop.session.Attachment;
import io.cmdop.session.Delivery;
import io.cmdop.session.InputReceipt;
import io.cmdop.session.Reason;
import io.cmdop.session.Session;
import io.cmdop.session.SessionEvent;
import io.cmdop.session.SessionException;
import io.cmdop.session.TerminalSize;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One Attach call: the carrier adapter between a client's bidirectional stream and one attachment.
 * Frames from the client become attachment actions; a virtual thread drains the attachment's queue
 * into the stream at the pace gRPC's flow control allows. An abrupt end of the call starts the
 * attachment's grace window; a detach frame or a half-close ends it at once.
 */
final class AttachCall implements StreamObserver<ClientFrame> {
    private static final Logger LOG = Logger.getLogger(AttachCall.class.getName());
    private static final int DEFAULT_SCROLLBACK = 200;
    /** Shared by every call: keyed by event identity, so sessions never mix. */
    private static final EventFrames FRAMES = new EventFrames();

    private final OutboundStream<ServerFrame> out;
    private final SessionRegistry registry;
    private final Caller caller;
    private final String machine;
    /** Relayed: the attachment carries presence and actions; events go to the relay's shared feed. */
    private final boolean relayed;
    private volatile Attachment attachment;
    private volatile int epoch;
    private volatile boolean finished;

    AttachCall(ServerCallStreamObserver<ServerFrame> observer, SessionRegistry registry, Caller caller,
               String machine, boolean relayed) {
        this.out = new OutboundStream<>(observer, this::dropped);
        this.registry = registry;
        this.caller = caller;
        this.machine = machine;
        this.relayed = relayed;
    }

    @Override
    public void onNext(ClientFrame frame) {
        long requestId = frame.getRequestId();
        try {
            if (attachment == null) {
                switch (frame.getBodyCase()) {
                    case ATTACH -> attach(requestId, frame.getAttach());
                    case RESUME -> resume(requestId, frame.getResume());
                    default -> throw new SessionException(Reason.MALFORMED_FRAME,
                            "the first frame must be attach or resume, got " + describe(frame));
                }
                return;
            }
            Attachment a = attachment;
            switch (frame.getBodyCase()) {
                case INPUT -> reply(requestId, a.sendInput(frame.getInput().getData().toByteArray()));
                case COMMAND -> reply(requestId, a.sendCommand(frame.getCommand().getCommand()));
                case RESIZE -> {
                    TerminalSize size = Protos.size(frame.getResize().getSize(), null);
                    if (size == null) {
                        throw new SessionException(Reason.INVALID_ARGUMENT, "resize needs a size");
                    }
                    a.resize(size);
                    reply(requestId, null);
                }
                case SIGNAL -> {
                    a.signal(frame.getSignal().getSignal());
                    reply(requestId, null);
                }
                case REFRESH -> {
                    a.refresh();
                    reply(requestId, null);
                }
                case DETACH -> {
                    finished = true;
                    a.detach();
                }
                default -> throw new SessionException(Reason.MALFORMED_FRAME,
                        "unexpected " + describe(frame) + " on an attached stream");
            }
        } catch (SessionException e) {
            if (frame.getBodyCase() == ClientFrame.BodyCase.RESUME) {
                LOG.info(() -> "resume refused (" + e.reason() + "): " + e.getMessage());
            }
            boolean fatal = e.reason() == Reason.MALFORMED_FRAME || attachment == null;
            out.send(ServerFrame.newBuilder().setInReplyTo(requestId).setError(Errors.frame(e, fatal)).build());
            if (fatal) {
                finished = true;
                if (attachment != null) {
                    attachment.detach();
                }
                out.complete();
            }
        }
    }

    @Override
    public void onError(Throwable t) {
        dropped();
    }

    /** The client half-closed: it is done, so the attachment ends now rather than after a grace window. */
    @Override
    public void onCompleted() {
        finished = true;
        Attachment a = attachment;
        if (a != null) {
            LOG.info(() -> "client " + a.clientId() + " left session " + a.session().id());
            a.detach();
        } else {
            out.complete();
        }
    }

    private void attach(long requestId, AttachRequest request) {
        Session session = registry.find(request.getSession().getSession());
        TerminalSize size = Protos.size(request.getSize(), null);
        var mode = caller.grant(Protos.mode(request.getMode()));
        Session.Attached result = relayed
                ? session.attachRelayed(caller.principal(), Protos.kind(request.getClient()), mode, size,
                        request.getCountsForSize(), request.getOmitInputEvents())
                : session.attach(caller.principal(), Protos.kind(request.getClient()), mode, size,
                        request.getCountsForSize(), request.getOmitInputEvents());
        int scrollback = request.getScrollbackLines() == 0 ? DEFAULT_SCROLLBACK
                : Math.min(request.getScrollbackLines(), 10_000);
        Attached.Builder attached = attached(result)
                .setSnapshot(Protos.screen(result.screen().orElseThrow(), scrollback));
        start(requestId, result, attached);
    }

    private void resume(long requestId, ResumeRequest request) {
        String token = request.getToken();
        String sessionId = Session.sessionIdOfToken(token).orElseThrow(
                () -> new SessionException(Reason.TOKEN_INVALID, "malformed continuity token"));
        Session session;
        try {
            session = registry.find(sessionId);
        } catch (SessionException e) {
            throw new SessionException(Reason.TOKEN_INVALID, "the session of this continuity token is gone");
        }
        Session.Attached result = session.resume(token, request.getSeq(), request.getOffset());
        start(requestId, result, attached(result).setResumed(true));
    }

    private Attached.Builder attached(Session.Attached result) {
        Attachment a = result.attachment();
        Attached.Builder attached = Attached.newBuilder();
        if (!relayed) {
            // A relayed client's refresh is the relay's to answer, from the feed: the relay says so itself.
            attached.addFeatures(Features.REFRESH);
        }
        return attached
                .setClientId(a.clientId())
                .setContinuityToken(result.token())
                .setGraceMs((int) a.session().graceWindow().toMillis())
                .setMode(Protos.mode(a.mode()))
                .setPrincipal(a.principal())
                .setInputEventsOmitted(a.omitsInputEvents())
                .setSession(Protos.session(result.session(), machine));
    }

    private void start(long requestId, Session.Attached result, Attached.Builder attached) {
        LOG.info(() -> (attached.getResumed() ? "resumed " : "attached ") + result.attachment().clientId() + " ("
                + caller.principal() + ", " + result.attachment().mode() + (relayed ? ", via the relay" : "")
                + ") to session " + result.attachment().session().id());
        attachment = result.attachment();
        epoch = result.epoch();
        out.send(ServerFrame.newBuilder().setInReplyTo(requestId).setAttached(attached).build());
        if (!relayed) {
            Thread.ofVirtual().name("cmdop-attach-" + result.attachment().clientId()).start(this::pump);
        }
    }

    /** Drains the attachment into the stream, never faster than the client reads. */
    private void pump() {
        Attachment a = attachment;
        try {
            while (true) {
                if (!out.awaitReady()) {
                    return;
                }
                Delivery d = a.take(epoch, this::sendNow);
                switch (d) {
                    case null -> {
                        return; // the client dropped: the attachment waits for a resume, on a new call
                    }
                    case Delivery.Event e -> out.send(FRAMES.frame(e.event()));
                    case Delivery.Resync r -> out.send(ServerFrame.newBuilder().setResync(Protos.resync(r)).build());
                    case Delivery.End end -> {
                        out.complete();
                        return;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "attach stream failed", e);
            out.fail(Errors.status(new SessionException(Reason.INTERNAL, "internal error: " + e)));
        }
    }

    /** An event handed over by the session while the pump waits: sent on the publishing thread. */
    private boolean sendNow(SessionEvent event) {
        return out.trySend(FRAMES.frame(event));
    }

    /** The call ended without a goodbye: keep the attachment for its grace window. */
    private void dropped() {
        Attachment a = attachment;
        if (a != null && !finished) {
            LOG.info(() -> "client " + a.clientId() + " dropped; resumable for " + a.session().graceWindow().toSeconds() + " s");
            a.disconnect(epoch);
        }
    }

    private void reply(long requestId, InputReceipt receipt) {
        if (requestId == 0) {
            return;
        }
        Accepted.Builder accepted = Accepted.newBuilder();
        if (receipt != null) {
            accepted.setInputId(receipt.inputId()).setCommandId(receipt.commandId()).setSeq(receipt.seq());
        }
        out.send(ServerFrame.newBuilder().setInReplyTo(requestId).setAccepted(accepted).build());
    }

    private static String describe(ClientFrame frame) {
        return frame.getBodyCase() == ClientFrame.BodyCase.BODY_NOT_SET ? "an empty frame"
                : "a " + frame.getBodyCase().name().toLowerCase(java.util.Locale.ROOT) + " frame";
    }
}

package io.cmdop.relay;

import io.cmdop.protocol.v1.AttachRequest;
import io.cmdop.protocol.v1.Attached;
import io.cmdop.protocol.v1.CallEnd;
import io.cmdop.protocol.v1.ClientFrame;
import io.cmdop.protocol.v1.Error;
import io.cmdop.protocol.v1.Event;
import io.cmdop.protocol.v1.Gap;
import io.cmdop.protocol.v1.GetScreenRequest;
import io.cmdop.protocol.v1.LinkDown;
import io.cmdop.protocol.v1.LinkUp;
import io.cmdop.protocol.v1.Mode;
import io.cmdop.protocol.v1.Reason;
import io.cmdop.protocol.v1.RelayedPrincipal;
import io.cmdop.protocol.v1.ReplayRequest;
import io.cmdop.protocol.v1.Resync;
import io.cmdop.protocol.v1.Screen;
import io.cmdop.protocol.v1.ServerFrame;
import io.cmdop.protocol.v1.SessionRequest;
import io.cmdop.protocol.v1.SessionSelector;
import io.cmdop.relay.store.ShareLink;
import io.cmdop.transport.OutboundStream;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One remote client's Attach call at the relay. Its control frames travel down the link to the
 * daemon, which owns the attachment (presence, mode, attribution); its events come from the
 * session's fan-out into this client's own bounded queue, drained at the pace the client reads.
 * A client that falls behind is resynchronised (gap, fresh screen) without slowing anyone.
 */
final class RemoteAttach implements StreamObserver<ClientFrame>, LinkListener {
    private static final Logger LOG = Logger.getLogger(RemoteAttach.class.getName());
    /** As the daemon's per-client queue: ~40 ms of full-speed output. */
    static final long QUEUE_BYTES = 4L * 1024 * 1024;
    /** The gap reason of a screen the client asked for (RefreshFrame): nothing was missed. */
    private static final String REQUESTED = "requested";
    /** A live event this small goes to a waiting client on the thread that offers it (a keystroke's echo). */
    private static final int DIRECT_BYTES = 4096;

    private final OutboundStream<ServerFrame> out;
    private final Agents agents;
    private final Caller caller;
    private final RelayMetrics metrics;
    private final ShareWatch shares;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<ServerFrame> queue = new ArrayDeque<>();
    private long queuedBytes;
    private long lastSeq;
    /** Where the output queued for this client ends. */
    private long deliveredOffset;
    /** Where the output the pump has taken from the queue ends: the client's place once it is sent. */
    private long takenOffset;
    private boolean lagged;
    /** The pump waits for a frame, its previous one sent: until it has our lock, nothing else of its can go out. */
    private boolean pumpWaiting;
    /** The client asked for the screen and has not had one since. */
    private boolean refreshWanted;
    /** While the daemon's replay of missed events is on its way, live events wait here (at most {@link #QUEUE_BYTES}). */
    private ArrayDeque<Event> heldDuringReplay;
    private long heldBytes;
    private boolean endAfterReplay;
    private boolean ended;
    /** The client asked for no InputApplied events (the daemon's Attached says so): the feed brings them all, they stop here. */
    private boolean omitsInputEvents;

    private volatile AgentConnection agent;
    private volatile SessionFanout fanout;
    /** This call holds its fan-out, to let go of once (see {@link AgentConnection#fanout}). */
    private final AtomicBoolean holdsFanout = new AtomicBoolean();
    private volatile long callId;
    private volatile boolean resuming;
    private volatile boolean gone;

    RemoteAttach(ServerCallStreamObserver<ServerFrame> observer, Agents agents, Caller caller, RelayMetrics metrics,
                 ShareWatch shares) {
        this.out = new OutboundStream<>(observer, () -> leave(true));
        this.agents = agents;
        this.caller = caller;
        this.metrics = metrics;
        this.shares = shares;
    }

    /** The share link this client came with, or null for a member. */
    ShareLink shareLink() {
        return caller.share();
    }

    // ---------------------------------------------------------------- from the client

    @Override
    public void onNext(ClientFrame frame) {
        try {
            if (agent == null) {
                switch (frame.getBodyCase()) {
                    case ATTACH -> attach(frame);
                    case RESUME -> resume(frame);
                    default -> throw io.cmdop.transport.ErrorStatus.of(Reason.REASON_MALFORMED_FRAME,
                            "the first frame must be attach or resume");
                }
                return;
            }
            if (frame.getBodyCase() == ClientFrame.BodyCase.ATTACH || frame.getBodyCase() == ClientFrame.BodyCase.RESUME) {
                throw io.cmdop.transport.ErrorStatus.of(Reason.REASON_MALFORMED_FRAME, "already attached on this call");
            }
            if (frame.getBodyCase() == ClientFrame.BodyCase.REFRESH) {
                if (!agent.clientFeatures().contains(io.cmdop.client.Features.REFRESH)) {
                    throw io.cmdop.transport.ErrorStatus.of(Reason.REASON_NOT_SUPPORTED, "this machine's daemon is "
                            + "older than refresh: it cannot send the session's screen in stream order");
                }
                refresh(frame.getRequestId());
                return;
            }
            agent.sendOnCall(callId, LinkDown.newBuilder().setAttachFrame(frame));
        } catch (StatusRuntimeException e) {
            fail(frame.getRequestId(), e);
        }
    }

    @Override
    public void onError(Throwable t) {
        leave(true);
    }

    @Override
    public void onCompleted() {
        leave(false);
        out.complete();
    }

    private void attach(ClientFrame frame) {
        AttachRequest request = frame.getAttach();
        if (request.getMode() != Mode.MODE_OBSERVER && !caller.mayOperate()) {
            throw io.cmdop.transport.ErrorStatus.of(Reason.REASON_ROLE_FORBIDS,
                    caller.name() + " may only observe (role " + caller.role() + "): attach as an observer");
        }
        SessionSelector selector = caller.scope(request.getSession());
        AgentConnection machine = agents.require(caller, selector.getMachine());
        // Resolve a name to the session id first: the feed is keyed by id and must start before the attach.
        String sessionId = machine.unary(caller.relayed(request.getClient().getKind()), LinkDown.newBuilder()
                .setGetSession(SessionRequest.newBuilder().setSession(selector)), up -> up.getSession().getId());
        if (caller.share() != null) {
            shares.opened(caller.share());
        }
        start(machine, sessionId, frame.toBuilder().setAttach(request.toBuilder()
                .setSession(SessionSelector.newBuilder().setSession(sessionId))).build(), request.getClient().getKind());
    }

    private void resume(ClientFrame frame) {
        String token = frame.getResume().getToken();
        int dot = token.indexOf('.');
        if (dot <= 0) {
            throw io.cmdop.transport.ErrorStatus.of(Reason.REASON_TOKEN_INVALID, "malformed continuity token");
        }
        String sessionId = token.substring(0, dot);
        if (caller.share() != null && !sessionId.equals(caller.share().sessionId())) {
            throw io.cmdop.transport.ErrorStatus.of(Reason.REASON_ROLE_FORBIDS, "this share link opens only its own session");
        }
        LOG.info(() -> caller.name() + "@" + caller.fleetName() + " from " + caller.remoteAddress()
                + " resumes on session " + sessionId);
        AgentConnection machine = agents.hosting(caller, sessionId);
        if (out.cancelled()) {
            // The client gave up while we waited for its machine: resuming now would rotate the token
            // behind its back and its next attempt, with the token it holds, would be refused.
            return;
        }
        resuming = true;
        lock.lock();
        try {
            lastSeq = frame.getResume().getSeq();
            deliveredOffset = frame.getResume().getOffset();
            takenOffset = deliveredOffset;
            heldDuringReplay = new ArrayDeque<>();
            heldBytes = 0;
        } finally {
            lock.unlock();
        }
        start(machine, sessionId, frame, io.cmdop.protocol.v1.ClientKind.CLIENT_KIND_UNSPECIFIED);
    }

    private void start(AgentConnection machine, String sessionId, ClientFrame first,
                       io.cmdop.protocol.v1.ClientKind kind) {
        agent = machine;
        fanout = machine.fanout(sessionId);
        holdsFanout.set(true);
        if (gone && holdsFanout.compareAndSet(true, false)) {
            fanout.remove(this); // the client left while the fan-out was being taken
        }
        machine.open(caller.relayed(kind), LinkDown.newBuilder().setAttachFrame(first), this);
        if (gone) {
            machine.closeCall(callId, true); // the client left before the call had an id to close
        }
        metrics.attachments.incrementAndGet();
        StreamFrames.started();
    }

    // ---------------------------------------------------------------- from the daemon

    /** Before the daemon can answer: the answer to a resume asks for the replay on this call. */
    @Override
    public void opened(long id) {
        callId = id;
    }

    @Override
    public void onUp(LinkUp up) {
        if (up.getBodyCase() == LinkUp.BodyCase.REPLAY) {
            replayed(up.getReplay());
            return;
        }
        if (up.getBodyCase() != LinkUp.BodyCase.ATTACH_FRAME) {
            return;
        }
        ServerFrame frame = up.getAttachFrame();
        if (frame.hasAttached()) {
            Attached attached = frame.getAttached();
            lock.lock();
            try {
                omitsInputEvents = attached.getInputEventsOmitted(); // before the feed's events reach us
            } finally {
                lock.unlock();
            }
            if (caller.share() != null) {
                shares.add(caller.share(), this);
            }
            // The relay answers this client's refresh, not the daemon: what it lists is the relay's to say.
            out.send(frame.toBuilder().setAttached(attached.toBuilder().clearFeatures()
                    .addAllFeatures(agent.clientFeatures())).build());
            if (resuming) {
                fanout.add(this, Long.MAX_VALUE);
                agent.sendOnCall(callId, LinkDown.newBuilder().setReplay(ReplayRequest.newBuilder()
                        .setSessionId(fanout.sessionId()).setAfterSeq(lastSeq)));
            } else {
                lock.lock();
                try {
                    lastSeq = attached.getSnapshot().getSeq();
                    deliveredOffset = attached.getSnapshot().getOffset();
                    takenOffset = deliveredOffset;
                } finally {
                    lock.unlock();
                }
                fanout.add(this, attached.getSnapshot().getSeq());
                if (refreshWanted()) {
                    fanout.requestRefresh(); // asked before it joined the feed: the screen may have passed it by
                }
            }
            Thread.ofVirtual().name("cmdop-relay-client-" + attached.getClientId()).start(this::pump);
            return;
        }
        out.send(frame);
    }

    @Override
    public void onEnd(CallEnd end) {
        if (end.hasError()) {
            out.send(ServerFrame.newBuilder().setError(end.getError().toBuilder().setFatal(true)).build());
            if (end.getError().getReason() == Reason.REASON_MACHINE_OFFLINE) {
                machineGone(end.getError());
                return;
            }
        }
        finish();
    }

    // ---------------------------------------------------------------- from the fan-out

    /** A live event; never blocks: a full queue turns into a resync. */
    void offer(Event event) {
        lock.lock();
        try {
            if (omitsInputEvents && event.hasInput()) {
                return;
            }
            if (heldDuringReplay != null) {
                heldBytes += event.getSerializedSize();
                if (heldBytes <= QUEUE_BYTES) {
                    heldDuringReplay.addLast(event);
                } else {
                    heldDuringReplay = null; // the replay is still answered; the client then skips forward
                    lagged = true;
                }
                return;
            }
            if (event.getSeq() <= lastSeq || lagged || ended) {
                return;
            }
            lastSeq = event.getSeq();
            if (event.hasOutput()) {
                deliveredOffset = event.getOutput().getOffset() + event.getOutput().getData().size();
            }
            ServerFrame frame = ServerFrame.newBuilder().setEvent(event).build();
            if (!sendDirectly(frame)) {
                enqueue(frame);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Under our lock: sends a small frame on this thread when the pump waits with nothing queued
     * and the transport takes it at once, sparing a wake-up of the pump per keystroke. In order:
     * the pump sent everything it took before it began to wait, and needs our lock to go on.
     */
    private boolean sendDirectly(ServerFrame frame) {
        int size = frame.getSerializedSize();
        if (!pumpWaiting || !queue.isEmpty() || size > DIRECT_BYTES || !out.trySend(frame)) {
            return false;
        }
        takenOffset = reachedBy(frame, takenOffset);
        metrics.bytesOut.addAndGet(size);
        return true;
    }

    /** Under our lock: queues {@code frame}, or turns an overflow into a resync. */
    private void enqueue(ServerFrame frame) {
        int size = frame.getSerializedSize();
        if (queuedBytes + size > QUEUE_BYTES) {
            dropQueue();
            lagged = true;
            metrics.queueDrops.incrementAndGet();
        } else {
            queue.addLast(frame);
            queuedBytes += size;
        }
        changed.signalAll();
    }

    /**
     * The session's screen, in the feed after the events before it: this client's, if it asked for
     * one. A client ahead of the feed (attached after the screen was taken) waits for the next.
     */
    void refreshed(Screen screen) {
        boolean again = false;
        lock.lock();
        try {
            if (!refreshWanted || heldDuringReplay != null || lagged || ended) {
                return; // after a replay the request is made again; a lagging client's resync answers it
            }
            if (screen.getSeq() < lastSeq) {
                again = true;
            } else {
                refreshWanted = false;
                skipTo(screen, REQUESTED); // no gap, unless this client missed some of the feed
            }
        } finally {
            lock.unlock();
        }
        if (again) {
            fanout.requestRefresh();
        }
    }

    private boolean refreshWanted() {
        lock.lock();
        try {
            return refreshWanted;
        } finally {
            lock.unlock();
        }
    }

    /** The client asks for the screen in stream order: the session's feed brings it (see {@link #refreshed}). */
    private void refresh(long requestId) {
        boolean asked;
        lock.lock();
        try {
            asked = refreshWanted;
            refreshWanted = true;
        } finally {
            lock.unlock();
        }
        if (!asked) {
            fanout.requestRefresh(); // one request on its way at a time: a client repeating itself costs nothing
        }
        if (requestId != 0) {
            out.send(ServerFrame.newBuilder().setInReplyTo(requestId)
                    .setAccepted(io.cmdop.protocol.v1.Accepted.getDefaultInstance()).build());
        }
    }

    /** The session's feed itself was resynchronised at the daemon: every client starts over from its screen. */
    void resync(Resync resync) {
        lock.lock();
        try {
            dropQueue();
            lagged = false;
            refreshWanted = false;
            // The feed's gap starts where the feed stood; this client's, where it stands.
            skipTo(resync.getSnapshot(), resync.getGap().getReason());
            metrics.feedResyncs.incrementAndGet();
        } finally {
            lock.unlock();
        }
    }

    void sessionEnded() {
        lock.lock();
        try {
            if (heldDuringReplay != null) {
                // The replay of what this client missed is on its way: the end comes after it.
                endAfterReplay = true;
                return;
            }
            ended = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The machine's link dropped: the client's call fails so that it resumes (through this or another relay). */
    void machineGone(Error error) {
        // Failed before the pump may see it gone: its normal completion would tell the client the call ended well.
        out.fail(io.cmdop.transport.ErrorStatus.of(Reason.REASON_MACHINE_OFFLINE, error.getMessage()));
        gone = true;
        lock.lock();
        try {
            ended = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The share link this client came with was revoked or expired: it is told why and detached. */
    void revoke(String why) {
        out.send(ServerFrame.newBuilder().setError(Error.newBuilder().setReason(Reason.REASON_UNAUTHENTICATED)
                .setMessage(why).setFatal(true)).build());
        finish();
    }

    /** The daemon's answer to a resume: what the client missed, then the live events held meanwhile. */
    private void replayed(io.cmdop.protocol.v1.Replay replay) {
        boolean again;
        lock.lock();
        try {
            ArrayDeque<Event> held = heldDuringReplay;
            heldDuringReplay = null;
            if (replay.hasResync()) {
                skipTo(replay.getResync().getSnapshot(), replay.getResync().getGap().getReason());
            }
            // Offering under our own (reentrant) lock keeps live events from slipping in between.
            replay.getEventsList().forEach(this::offer);
            if (held != null) {
                held.forEach(this::offer);
            }
            if (endAfterReplay) {
                ended = true;
            }
            again = refreshWanted && !ended;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        resuming = false;
        if (again) {
            fanout.requestRefresh();
        }
    }

    // ---------------------------------------------------------------- to the client

    private void pump() {
        try {
            while (!gone) {
                if (!out.awaitReady(1000)) {
                    if (out.cancelled()) {
                        return;
                    }
                    continue;
                }
                ServerFrame next;
                boolean resync;
                lock.lock();
                try {
                    while (queue.isEmpty() && !lagged && !ended) {
                        pumpWaiting = true;
                        try {
                            changed.await();
                        } finally {
                            pumpWaiting = false;
                        }
                    }
                    resync = lagged && queue.isEmpty();
                    next = queue.pollFirst();
                    if (next != null) {
                        queuedBytes -= next.getSerializedSize();
                        takenOffset = reachedBy(next, takenOffset);
                    } else if (!resync) {
                        break;
                    }
                } finally {
                    lock.unlock();
                }
                if (resync) {
                    resynchronise();
                } else if (out.send(next)) {
                    metrics.bytesOut.addAndGet(next.getSerializedSize());
                }
            }
            finish();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "relay client stream failed", e);
            out.fail(io.cmdop.transport.ErrorStatus.of(Reason.REASON_INTERNAL, "internal error"));
        }
    }

    /** Under our lock: the queued frames will not be sent; the client stands where the sent ones end. */
    private void dropQueue() {
        queue.clear();
        queuedBytes = 0;
        deliveredOffset = takenOffset;
    }

    /** Under our lock: queues {@code screen} for the client to continue from, the gap from where it stands. */
    private void skipTo(Screen screen, String reason) {
        long from = Math.min(deliveredOffset, screen.getOffset());
        lastSeq = screen.getSeq();
        deliveredOffset = screen.getOffset();
        enqueue(ServerFrame.newBuilder().setResync(Resync.newBuilder().setGap(Gap.newBuilder().setFromOffset(from)
                .setToOffset(screen.getOffset()).setReason(reason)).setSnapshot(screen)).build());
    }

    /** This client fell behind its queue: tell it what it missed and give it the screen to continue from. */
    private void resynchronise() {
        Screen screen = agent.unary(caller.relayed(io.cmdop.protocol.v1.ClientKind.CLIENT_KIND_UNSPECIFIED),
                LinkDown.newBuilder().setGetScreen(GetScreenRequest.newBuilder()
                        .setSession(SessionSelector.newBuilder().setSession(fanout.sessionId())).setScrollbackLines(200)),
                LinkUp::getScreen);
        fanout.skipForward(this, screen);
    }

    /**
     * Called by the fan-out with no feed batch in progress: this lagging client continues from
     * {@code screen}, and the fan-out then hands it the recent events after it. Returns false if
     * something else (the feed's own resync) already gave it a screen.
     */
    boolean skippedTo(Screen screen) {
        lock.lock();
        try {
            if (!lagged || ended) {
                return false;
            }
            lagged = false;
            refreshWanted = false;
            skipTo(screen, "client_lagged");
            return true;
        } finally {
            lock.unlock();
        }
    }

    private static long reachedBy(ServerFrame frame, long offset) {
        if (frame.hasResync()) {
            return frame.getResync().getSnapshot().getOffset();
        }
        if (frame.hasEvent() && frame.getEvent().hasOutput()) {
            return frame.getEvent().getOutput().getOffset() + frame.getEvent().getOutput().getData().size();
        }
        return offset;
    }

    private void finish() {
        leave(false);
        out.complete();
    }

    private void leave(boolean abrupt) {
        if (gone && !abrupt) {
            return;
        }
        gone = true;
        lock.lock();
        try {
            ended = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (caller.share() != null) {
            shares.remove(caller.share(), this);
        }
        AgentConnection a = agent;
        SessionFanout f = fanout;
        if (a != null) {
            a.closeCall(callId, abrupt);
        }
        if (f != null && holdsFanout.compareAndSet(true, false)) {
            f.remove(this);
        }
    }

    private void fail(long requestId, StatusRuntimeException e) {
        LOG.info(() -> "refused " + caller.name() + ": " + e.getStatus());
        com.google.rpc.Status status = io.grpc.protobuf.StatusProto.fromThrowable(e);
        Reason reason = Reason.REASON_INTERNAL;
        if (status != null) {
            for (com.google.protobuf.Any d : status.getDetailsList()) {
                if (d.is(com.google.rpc.ErrorInfo.class)) {
                    try {
                        reason = Reason.valueOf("REASON_" + d.unpack(com.google.rpc.ErrorInfo.class).getReason());
                    } catch (com.google.protobuf.InvalidProtocolBufferException | IllegalArgumentException ignored) {
                        // keep INTERNAL
                    }
                }
            }
        }
        boolean fatal = agent == null || reason == Reason.REASON_MALFORMED_FRAME;
        out.send(ServerFrame.newBuilder().setInReplyTo(requestId).setError(Error.newBuilder().setReason(reason)
                .setMessage(e.getStatus().getDescription() == null ? String.valueOf(status == null ? e : status.getMessage())
                        : e.getStatus().getDescription()).setFatal(fatal)).build());
        if (fatal) {
            leave(false);
            out.complete();
        }
    }
}

package io.cmdop.session;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One client attached to a session: its identity and mode, its bounded send queue and its
 * continuity. The session publishes every event into every attachment's queue without waiting;
 * the carrier drains it with {@link #poll}. A queue that would grow past its bound is dropped and
 * the client is resynchronised (gap, fresh screen, live again): a slow client never slows the PTY
 * or anyone else, and memory stays bounded (ARCHITECTURE §3.7).
 */
public final class Attachment {
    /** How events reach the client behind an attachment. */
    public enum Route {
        /** Through this attachment's own queue. */
        QUEUE,
        /** Through a relay's shared feed of the session: this attachment carries presence and actions only. */
        RELAYED,
        /** A relay's shared feed: every event, once, for all its clients; not a client, not in presence. */
        FEED
    }

    /**
     * A carrier that can take an event on the publishing thread while its own thread waits for
     * one: an interactive event (a keystroke's echo) then reaches the transport without a thread
     * being woken for it.
     */
    @FunctionalInterface
    public interface WaitingCarrier {
        /** Sends {@code event} now if the transport takes it without waiting; false to have it queued. */
        boolean sendNow(SessionEvent event);
    }

    /** Larger events (busy output) are left to the carrier's thread: the publisher must stay quick. */
    private static final int SEND_NOW_MAX_BYTES = 4096;

    private final Session session;
    private final Route route;
    private final String clientId;
    private final String principal;
    private final ClientKind kind;
    private final Mode mode;
    private final long sinceMs;
    private final boolean countsForSize;
    private final long maxQueueBytes;
    /** The client shows the terminal and sees keys in the echo: no InputApplied events for it. */
    private final boolean omitsInputEvents;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Delivery> queue = new ArrayDeque<>();
    private long queuedBytes;
    /** A screen the client asked for is queued: later requests are answered by it. */
    private boolean refreshQueued;
    /** Set when the queue overflowed: the carrier must fetch a resync before anything else. */
    private boolean lagged;
    /** Why: "client_lagged" (its queue overflowed) or "ring_overflow" (resumed after the ring moved on). */
    private String lagReason;
    /** The offset of the first output byte this client has not been handed. */
    private long deliveredOffset;
    private TerminalSize size;
    private boolean connected = true;
    /** Incremented by every resume: a carrier holding an older epoch is told to stop. */
    private int epoch;
    private String endReason;
    /** Set only while the carrier of {@link #waitingEpoch} waits in {@link #poll} with nothing queued. */
    private WaitingCarrier waiting;
    private int waitingEpoch;

    // Guarded by the session's stream lock.
    private byte[] tokenHash;
    /** The token the last resume was made with: the client holds it until the rotated one reaches it. */
    private byte[] presentedTokenHash;
    private long graceDeadlineNanos;

    Attachment(Session session, Route route, String clientId, String principal, ClientKind kind, Mode mode,
               long sinceMs, TerminalSize size, boolean countsForSize, long maxQueueBytes, long deliveredOffset,
               boolean omitsInputEvents) {
        this.session = session;
        this.route = route;
        this.clientId = clientId;
        this.principal = principal;
        this.kind = kind;
        this.mode = mode;
        this.sinceMs = sinceMs;
        this.size = size;
        this.countsForSize = countsForSize;
        this.maxQueueBytes = maxQueueBytes;
        this.deliveredOffset = deliveredOffset;
        this.omitsInputEvents = omitsInputEvents;
    }

    public String clientId() {
        return clientId;
    }

    public String principal() {
        return principal;
    }

    public Mode mode() {
        return mode;
    }

    public ClientKind kind() {
        return kind;
    }

    /** Whether this client's stream leaves out InputApplied events (its own keys' included). */
    public boolean omitsInputEvents() {
        return omitsInputEvents;
    }

    public Session session() {
        return session;
    }

    Sender sender() {
        return new Sender(principal, clientId, kind, mode);
    }

    /**
     * The next delivery for the carrier holding {@code carrierEpoch}, or null when none came within
     * the timeout.
     */
    public Delivery poll(int carrierEpoch, Duration timeout) throws InterruptedException {
        return poll(carrierEpoch, timeout, null);
    }

    /**
     * As {@link #poll(int, Duration)}; while it waits, small events go straight to {@code carrier}
     * on the thread that publishes them, in order with everything this carrier took before.
     */
    public Delivery poll(int carrierEpoch, Duration timeout, WaitingCarrier carrier) throws InterruptedException {
        return next(carrierEpoch, timeout.toNanos(), carrier);
    }

    /**
     * As {@link #poll(int, Duration, WaitingCarrier)}, without a timeout: null only once this
     * carrier's connection has dropped ({@link #disconnect}). A carrier that waits this way costs no
     * timer per wait, which a timed wait of a virtual thread does (scheduled, then cancelled by
     * every event that wakes it).
     */
    public Delivery take(int carrierEpoch, WaitingCarrier carrier) throws InterruptedException {
        return next(carrierEpoch, -1, carrier);
    }

    /** A negative {@code timeoutNanos} waits until the carrier's connection drops. */
    private Delivery next(int carrierEpoch, long timeoutNanos, WaitingCarrier carrier) throws InterruptedException {
        long remaining = timeoutNanos;
        boolean resync;
        lock.lock();
        try {
            while (true) {
                if (carrierEpoch != epoch) {
                    return new Delivery.End("superseded");
                }
                if (lagged) {
                    resync = true;
                    break;
                }
                Delivery next = queue.pollFirst();
                if (next != null) {
                    queuedBytes -= weight(next);
                    if (next instanceof Delivery.Event(SessionEvent.Output o)) {
                        deliveredOffset = o.endOffset();
                    } else if (next instanceof Delivery.Resync) {
                        refreshQueued = false;
                    }
                    return next;
                }
                if (endReason != null) {
                    return new Delivery.End(endReason);
                }
                if (timeoutNanos < 0 ? !connected : remaining <= 0) {
                    return null;
                }
                waiting = carrier;
                waitingEpoch = carrierEpoch;
                try {
                    if (timeoutNanos < 0) {
                        changed.await();
                    } else {
                        remaining = changed.awaitNanos(remaining);
                    }
                } finally {
                    waiting = null;
                }
            }
        } finally {
            lock.unlock();
        }
        // Outside our lock: the session takes its stream lock first, then ours.
        return resync ? session.resync(this) : null;
    }

    /** Sends keystrokes as this client. Refused for observers. */
    public InputReceipt sendInput(byte[] data) {
        return session.sendInput(activeSender(), data);
    }

    /** Runs a command line in the session's shell as this client, correlated by the returned id. */
    public InputReceipt sendCommand(String command) {
        return session.sendCommand(activeSender(), command);
    }

    public TerminalSize resize(TerminalSize requested) {
        activeSender();
        return session.resize(this, requested);
    }

    public void signal(String signal) {
        session.signal(activeSender(), signal);
    }

    /**
     * Asks for the session's current screen: a {@link Delivery.Resync} with nothing lost comes in
     * stream order, after every event queued before it. One already queued, or a resync on its
     * way, answers it. Any mode may ask; a relay's client asks its relay, whose feed asks here.
     */
    public void refresh() {
        activeSender();
        session.refresh(this);
    }

    /** An attachment that has ended acts no more, whoever still holds it. */
    private Sender activeSender() {
        lock.lock();
        try {
            if (endReason != null) {
                throw new SessionException(Reason.INVALID_ARGUMENT, "this attachment has ended (" + endReason + ")");
            }
        } finally {
            lock.unlock();
        }
        return sender();
    }

    /** The client leaves on purpose: gone at once, its token no longer valid. */
    public void detach() {
        session.leave(this, "detached");
    }

    /** The carrier dropped: the attachment waits for a resume until the grace window ends. */
    public void disconnect(int carrierEpoch) {
        session.disconnected(this, carrierEpoch);
    }

    // ---- used by the session, under its stream lock ----

    public Route route() {
        return route;
    }

    /** Queues an event without ever blocking; overflow turns into a resync. */
    void offer(SessionEvent event) {
        if (route == Route.RELAYED || omitsInputEvents && event instanceof SessionEvent.InputApplied) {
            return;
        }
        lock.lock();
        try {
            if (lagged || endReason != null) {
                return;
            }
            if (waiting != null && waitingEpoch == epoch && queue.isEmpty() && event.weight() <= SEND_NOW_MAX_BYTES
                    && waiting.sendNow(event)) {
                if (event instanceof SessionEvent.Output o) {
                    deliveredOffset = o.endOffset();
                }
                return;
            }
            enqueue(new Delivery.Event(event));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Queues the screen {@code screen} gives, taken now, at this point of the stream; nothing when
     * one is queued already or a resync is coming. Under the session's stream lock.
     */
    void offerRefresh(Supplier<ScreenState> screen) {
        lock.lock();
        try {
            if (refreshQueued || lagged || endReason != null) {
                return;
            }
            ScreenState state = screen.get();
            refreshQueued = true;
            enqueue(new Delivery.Resync(state.offset(), state.offset(), Delivery.Resync.REQUESTED, state));
        } finally {
            lock.unlock();
        }
    }

    /** Under our lock: queues {@code d}, or turns an overflow into a resync. */
    private void enqueue(Delivery d) {
        int weight = weight(d);
        if (queuedBytes + weight > maxQueueBytes) {
            clearQueue();
            lagged = true;
            lagReason = "client_lagged";
        } else {
            queue.addLast(d);
            queuedBytes += weight;
        }
        changed.signalAll();
    }

    private void clearQueue() {
        queue.clear();
        queuedBytes = 0;
        refreshQueued = false;
    }

    private static int weight(Delivery d) {
        return switch (d) {
            case Delivery.Event e -> e.event().weight();
            case Delivery.Resync r -> r.screen().weight();
            case Delivery.End end -> 0;
        };
    }

    /** What a lagging client missed: from which offset, and why. */
    record Lag(long fromOffset, String reason) {}

    /** Clears the lag and says what was missed. */
    Lag clearLag() {
        lock.lock();
        try {
            lagged = false;
            clearQueue();
            return new Lag(deliveredOffset, lagReason);
        } finally {
            lock.unlock();
        }
    }

    /** The events the client needs are no longer kept: its next delivery is a resync. */
    void markRingOverflow() {
        lock.lock();
        try {
            lagged = true;
            lagReason = "ring_overflow";
            clearQueue();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Sets where live output continues for this client (after a snapshot or a resync). */
    void deliveredUpTo(long offset) {
        lock.lock();
        try {
            deliveredOffset = offset;
        } finally {
            lock.unlock();
        }
    }

    void end(String reason) {
        lock.lock();
        try {
            if (endReason == null) {
                endReason = reason;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** A new carrier takes over: older carriers stop, queued events are dropped (the resume replays). */
    int takeOver(long resumeOffset) {
        lock.lock();
        try {
            epoch++;
            connected = true;
            lagged = false;
            clearQueue();
            deliveredOffset = resumeOffset;
            changed.signalAll();
            return epoch;
        } finally {
            lock.unlock();
        }
    }

    boolean setDisconnected(int carrierEpoch) {
        lock.lock();
        try {
            if (carrierEpoch != epoch || !connected) {
                return false;
            }
            connected = false;
            changed.signalAll(); // its carrier may be waiting in take()
            return true;
        } finally {
            lock.unlock();
        }
    }

    int epoch() {
        lock.lock();
        try {
            return epoch;
        } finally {
            lock.unlock();
        }
    }

    boolean connected() {
        lock.lock();
        try {
            return connected;
        } finally {
            lock.unlock();
        }
    }

    long queuedBytes() {
        lock.lock();
        try {
            return queuedBytes;
        } finally {
            lock.unlock();
        }
    }

    TerminalSize size() {
        return size;
    }

    void size(TerminalSize size) {
        this.size = size;
    }

    boolean countsForSize() {
        return countsForSize;
    }

    byte[] tokenHash() {
        return tokenHash;
    }

    void tokenHash(byte[] hash) {
        this.tokenHash = hash;
    }

    byte[] presentedTokenHash() {
        return presentedTokenHash;
    }

    void presentedTokenHash(byte[] hash) {
        this.presentedTokenHash = hash;
    }

    long graceDeadlineNanos() {
        return graceDeadlineNanos;
    }

    void graceDeadlineNanos(long deadline) {
        this.graceDeadlineNanos = deadline;
    }

    ClientView view() {
        return new ClientView(clientId, principal, kind, mode, sinceMs, connected(), size);
    }

}

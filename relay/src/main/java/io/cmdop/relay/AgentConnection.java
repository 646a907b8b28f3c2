package io.cmdop.relay;

import io.cmdop.client.Features;
import io.cmdop.protocol.v1.CallEnd;
import io.cmdop.protocol.v1.Error;
import io.cmdop.protocol.v1.FeedRefresh;
import io.cmdop.protocol.v1.FeedRequest;
import io.cmdop.protocol.v1.LinkDown;
import io.cmdop.protocol.v1.LinkUp;
import io.cmdop.protocol.v1.Ping;
import io.cmdop.protocol.v1.Reason;
import io.cmdop.protocol.v1.RelayedPrincipal;
import io.cmdop.protocol.v1.SessionInfo;
import io.cmdop.protocol.v1.SessionState;
import io.cmdop.relay.store.Machine;
import io.cmdop.transport.ErrorStatus;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * The relay's end of one daemon's link: relays calls down with fresh call ids and routes what comes
 * up to the call it belongs to, or to the session's fan-out for feed events.
 */
final class AgentConnection {
    private static final Logger LOG = Logger.getLogger(AgentConnection.class.getName());
    /** Calls open on one link at once; more are refused rather than queued. */
    static final int MAX_CALLS = 10_000;
    static final Duration UNARY_TIMEOUT = Duration.ofSeconds(30);
    /**
     * A link quiet for the server's idle timeout (30 s) would be cut, and every remote client of
     * the machine with it: the relay pings this often, the daemon answers.
     */
    static final Duration PING_EVERY = Duration.ofSeconds(10);
    /** Bounds what one machine can make the relay remember: far more than a daemon may run. */
    private static final int MAX_KNOWN_SESSIONS = 100_000;

    private final Machine machine;
    private final ServerCallStreamObserver<LinkDown> down;
    private final String remoteAddress;
    private final AtomicLong callIds = new AtomicLong();
    private final Map<Long, LinkListener> calls = new ConcurrentHashMap<>();
    private final Map<String, SessionFanout> fanouts = new ConcurrentHashMap<>();
    /** Sessions the daemon told us about: routing of resumes after a relay restart needs them. */
    private final Map<String, Boolean> sessionIds = new ConcurrentHashMap<>();
    /** The machine's running sessions, as its hello and its announcements (call 0) tell them. */
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    private volatile String agentVersion = "";
    /** The daemon answers a feed's refresh (its hello says so; an older one does not). */
    private volatile boolean feedRefresh;
    private volatile boolean closed;

    AgentConnection(Machine machine, ServerCallStreamObserver<LinkDown> down, String remoteAddress) {
        this.machine = machine;
        this.down = down;
        this.remoteAddress = remoteAddress;
    }

    Machine machine() {
        return machine;
    }

    String remoteAddress() {
        return remoteAddress;
    }

    String agentVersion() {
        return agentVersion;
    }

    /** Running sessions on the machine, whoever started them. */
    int sessionCount() {
        return running.size();
    }

    /** Remote clients attached through this link, for the metrics. */
    int clientCount() {
        return fanouts.values().stream().mapToInt(SessionFanout::clientCount).sum();
    }

    boolean hosts(String sessionId) {
        return sessionIds.containsKey(sessionId);
    }

    /** Pings the daemon until the link closes, so an idle link is never taken for a dead one. */
    void keepAlive() {
        Thread.ofVirtual().name("cmdop-link-ping-" + machine.name()).start(() -> {
            try {
                while (!closed) {
                    Thread.sleep(PING_EVERY);
                    send(LinkDown.newBuilder().setPing(Ping.newBuilder().setSentMs(System.currentTimeMillis())).build());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** What this relay does, for its clients of this machine, beyond the base protocol. */
    List<String> clientFeatures() {
        return feedRefresh ? List.of(Features.REFRESH) : List.of();
    }

    /** A message from the daemon. */
    void onUp(LinkUp up) {
        switch (up.getBodyCase()) {
            case HELLO -> {
                agentVersion = up.getHello().getAgentVersion();
                feedRefresh = up.getHello().getFeaturesList().contains(Features.FEED_REFRESH);
                up.getHello().getSessionsList().forEach(this::announced);
            }
            case FEED -> {
                SessionFanout fanout = fanouts.get(up.getFeed().getSessionId());
                if (fanout != null) {
                    fanout.accept(up.getFeed());
                }
                if (up.getFeed().getEnded()) {
                    fanouts.remove(up.getFeed().getSessionId());
                }
            }
            case END -> {
                LinkListener listener = calls.remove(up.getCallId());
                if (listener != null) {
                    listener.onEnd(up.getEnd());
                }
            }
            default -> {
                if (up.getBodyCase() == LinkUp.BodyCase.SESSION && up.getCallId() == 0) {
                    announced(up.getSession());
                } else if (up.getBodyCase() == LinkUp.BodyCase.SESSION) {
                    learn(up.getSession());
                } else if (up.getBodyCase() == LinkUp.BodyCase.SESSIONS) {
                    up.getSessions().getSessionsList().forEach(this::learn);
                }
                LinkListener listener = calls.get(up.getCallId());
                if (listener != null) {
                    listener.onUp(up);
                }
            }
        }
    }

    /**
     * A session's state as the machine announced it. Replies to calls do not count here: one sent
     * before a session ended may arrive after its end was announced.
     */
    private void announced(SessionInfo session) {
        learn(session);
        if (session.getState() != SessionState.SESSION_STATE_RUNNING) {
            running.remove(session.getId());
        } else if (running.size() < MAX_KNOWN_SESSIONS) {
            running.add(session.getId());
        }
    }

    private void learn(SessionInfo session) {
        if (sessionIds.size() < MAX_KNOWN_SESSIONS) {
            sessionIds.put(session.getId(), Boolean.TRUE);
        }
    }

    /** Opens a relayed call; returns its id. */
    long open(RelayedPrincipal principal, LinkDown.Builder body, LinkListener listener) {
        if (closed) {
            throw offline();
        }
        if (calls.size() >= MAX_CALLS) {
            throw ErrorStatus.of(Reason.REASON_LIMIT_REACHED, "too many calls in flight to " + machine.name());
        }
        long id = callIds.incrementAndGet();
        calls.put(id, listener);
        listener.opened(id);
        send(body.setCallId(id).setPrincipal(principal).build());
        return id;
    }

    /** A unary call through the link, waiting for its answer. */
    <T> T unary(RelayedPrincipal principal, LinkDown.Builder body, Function<LinkUp, T> answer) {
        CompletableFuture<T> result = new CompletableFuture<>();
        long id = open(principal, body, new LinkListener() {
            @Override
            public void onUp(LinkUp up) {
                result.complete(answer.apply(up));
            }

            @Override
            public void onEnd(CallEnd end) {
                if (end.hasError()) {
                    result.completeExceptionally(error(end.getError()));
                } else {
                    result.completeExceptionally(ErrorStatus.of(Reason.REASON_INTERNAL, "the machine sent no answer"));
                }
            }
        });
        try {
            return result.get(UNARY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ErrorStatus.of(Reason.REASON_INTERNAL, "interrupted");
        } catch (TimeoutException e) {
            calls.remove(id);
            throw ErrorStatus.of(Reason.REASON_TIMEOUT, machine.name() + " did not answer within "
                    + UNARY_TIMEOUT.toSeconds() + " s");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof StatusRuntimeException s ? s
                    : ErrorStatus.of(Reason.REASON_INTERNAL, String.valueOf(e.getCause()));
        }
    }

    /** A frame for an open call (e.g. input on a relayed attach). */
    void sendOnCall(long callId, LinkDown.Builder body) {
        if (calls.containsKey(callId)) {
            send(body.setCallId(callId).build());
        }
    }

    /** Ends a call from the relay's side: the remote client went away. */
    void closeCall(long callId, boolean abrupt) {
        if (calls.remove(callId) != null && !closed) {
            send(LinkDown.newBuilder().setCallId(callId)
                    .setCallClosed(io.cmdop.protocol.v1.CallClosed.newBuilder().setAbrupt(abrupt)).build());
        }
    }

    /**
     * The session's fan-out, held for a client until it {@link #release}s it (attached or not):
     * the first holder subscribes to the feed, before its attach, so that no event falls between
     * its screen and the feed.
     */
    SessionFanout fanout(String sessionId) {
        return fanouts.compute(sessionId, (id, held) -> {
            SessionFanout fanout = held;
            if (fanout == null) {
                send(LinkDown.newBuilder().setFeed(FeedRequest.newBuilder().setSessionId(id).setSubscribe(true)).build());
                fanout = new SessionFanout(this, id);
            }
            fanout.hold();
            return fanout;
        });
    }

    /**
     * A client lets go of the fan-out it held. The last one stops the feed; one still on its way to
     * joining (its attach not answered yet) keeps it, or it would join a feed that no longer comes.
     */
    void release(SessionFanout fanout) {
        fanouts.computeIfPresent(fanout.sessionId(), (id, held) -> {
            if (held != fanout || !fanout.letGo()) {
                return held;
            }
            if (!closed) {
                send(LinkDown.newBuilder().setFeed(FeedRequest.newBuilder().setSessionId(id).setSubscribe(false)).build());
            }
            return null;
        });
    }

    /** Asks the machine for a session's screen in its feed, in stream order (a client's refresh). */
    void refreshFeed(SessionFanout fanout) {
        send(LinkDown.newBuilder().setRefreshFeed(FeedRefresh.newBuilder().setSessionId(fanout.sessionId())).build());
    }

    synchronized void send(LinkDown message) {
        if (closed) {
            return;
        }
        try {
            down.onNext(message);
        } catch (RuntimeException e) {
            LOG.fine(() -> "send to " + machine.name() + " failed: " + e);
        }
    }

    /** The link is gone (or replaced): every call and client of it is told the machine went away. */
    void close(String why) {
        if (closed) {
            return;
        }
        closed = true;
        CallEnd offline = CallEnd.newBuilder().setError(Error.newBuilder().setReason(Reason.REASON_MACHINE_OFFLINE)
                .setMessage("machine " + machine.name() + " went away: " + why).setFatal(true)).build();
        List.copyOf(calls.values()).forEach(l -> l.onEnd(offline));
        calls.clear();
        List.copyOf(fanouts.values()).forEach(f -> f.machineGone(offline.getError()));
        fanouts.clear();
    }

    boolean closed() {
        return closed;
    }

    StatusRuntimeException offline() {
        return ErrorStatus.of(Reason.REASON_MACHINE_OFFLINE, "machine " + machine.name() + " is not connected");
    }

    static StatusRuntimeException error(Error error) {
        return ErrorStatus.of(error.getReason() == Reason.REASON_UNSPECIFIED ? Reason.REASON_INTERNAL
                : error.getReason(), error.getMessage());
    }
}

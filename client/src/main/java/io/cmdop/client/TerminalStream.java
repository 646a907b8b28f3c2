package io.cmdop.client;

import com.google.protobuf.ByteString;
import io.cmdop.protocol.v1.AttachRequest;
import io.cmdop.protocol.v1.Attached;
import io.cmdop.protocol.v1.ClientFrame;
import io.cmdop.protocol.v1.ClientInfo;
import io.cmdop.protocol.v1.CommandFrame;
import io.cmdop.protocol.v1.DetachFrame;
import io.cmdop.protocol.v1.Event;
import io.cmdop.protocol.v1.Gap;
import io.cmdop.protocol.v1.InputFrame;
import io.cmdop.protocol.v1.Mode;
import io.cmdop.protocol.v1.Reason;
import io.cmdop.protocol.v1.RefreshFrame;
import io.cmdop.protocol.v1.ResizeFrame;
import io.cmdop.protocol.v1.ResumeRequest;
import io.cmdop.protocol.v1.Resync;
import io.cmdop.protocol.v1.ServerFrame;
import io.cmdop.protocol.v1.SessionsGrpc;
import io.cmdop.protocol.v1.SignalFrame;
import io.cmdop.protocol.v1.Size;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A live attachment to one session: the session's events come in through the callbacks, input,
 * commands, resizes and signals go out. It remembers the last event it received and its continuity
 * token, so {@link #resume} continues after a drop with nothing lost. Thread-safe.
 */
public final class TerminalStream implements AutoCloseable {
    private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(30);
    /**
     * One resume attempt waits this long before it is abandoned and tried again; an abandoned attempt
     * that still went through leaves the token usable (see the session's token rules).
     */
    private static final Duration RESUME_ATTEMPT_TIMEOUT = Duration.ofSeconds(5);
    /** What one InputFrame may carry (session.proto). */
    private static final int MAX_INPUT_FRAME = 64 * 1024;
    /**
     * How long the stream keeps trying to reach an unreachable relay after a drop when the grace
     * window is over: it then attaches afresh (a gap and the current screen) rather than giving up on
     * a session that still runs. A machine the relay keeps reporting offline past the window ends the
     * stream (see {@link #OFFLINE_PATIENCE}).
     */
    private static final Duration RECONNECT_WINDOW = Duration.ofMinutes(2);
    /**
     * How long a relay may report the machine offline, past the grace window, before the stream ends:
     * after a relay restart the machine's daemon may re-dial later than its clients.
     */
    private static final Duration OFFLINE_PATIENCE = Duration.ofSeconds(20);
    /** Requests awaiting a reply: bounded so a stalled daemon cannot make us grow without end. */
    private static final int MAX_PENDING = 1024;

    private final Channel channel;
    private final Runnable reconnectNow;
    private final ClientInfo client;
    private final Mode mode;
    private final String target;
    private final String machine;
    private final AtomicLong requestIds = new AtomicLong();
    private final Map<Long, CompletableFuture<ServerFrame>> pending = new ConcurrentHashMap<>();

    private volatile Consumer<byte[]> onOutput = bytes -> { };
    private static final Consumer<Event> NO_EVENTS = event -> { };
    private volatile Consumer<Event> onEvent = NO_EVENTS;
    private volatile Consumer<Resync> onResync = resync -> { };
    private volatile Consumer<Throwable> onClosed = error -> { };
    private volatile Consumer<Boolean> onReconnecting = reconnecting -> { };
    private volatile long graceMs;
    private volatile boolean callbacksOnTransportThread;
    private volatile boolean withoutInputEvents;

    private volatile ClientCallStreamObserver<ClientFrame> call;
    private volatile String token;
    private volatile String clientId;
    private volatile String sessionId;
    /** The size this client last asked for, asked again when it attaches afresh. */
    private volatile Size size = Size.getDefaultInstance();
    private volatile long lastSeq;
    private volatile long nextOffset;
    /** Set by {@link #refresh} until a resync arrives: a request a drop lost is made again after the resume. */
    private volatile boolean refreshWanted;
    /** What the daemon or relay of the current attachment does beyond the base protocol ({@link Features}). */
    private volatile List<String> features = List.of();
    /** Set while attaching afresh after a drop: where the output this stream missed begins. */
    private volatile long missedFrom = -1;
    private volatile boolean closing;
    /** The call a detach was sent on; guarded by this. */
    private ClientCallStreamObserver<ClientFrame> detachedCall;
    /** Set once the stream has ended for good (detached, refused, given up): operations then fail. */
    private volatile boolean ended;
    private final CommandLog commands = new CommandLog();
    private static final int PUBLISHER_BUFFER = 256;
    private SubmissionPublisher<Event> publisher;

    TerminalStream(Channel channel, Runnable reconnectNow, ClientInfo client, Mode mode, String target,
                   String machine) {
        this.channel = channel;
        this.reconnectNow = reconnectNow;
        this.client = client;
        this.mode = mode;
        this.target = target;
        this.machine = machine;
    }

    /** Output bytes, in order, exactly once. Called on one thread at a time. */
    public TerminalStream onOutput(Consumer<byte[]> listener) {
        this.onOutput = listener;
        return this;
    }

    /**
     * Every event of the session (output included), in order. Set before attaching: a stream that
     * has neither this listener nor an {@link #events()} subscriber when it attaches asks the server
     * to leave input events out, as {@link #withoutInputEvents()}.
     */
    public TerminalStream onEvent(Consumer<Event> listener) {
        this.onEvent = listener;
        return this;
    }

    /**
     * The session's events (output included), in order, as a reactive-streams publisher for any
     * number of subscribers. A subscriber that does not keep up holds the stream back (each has a
     * buffer of {@value #PUBLISHER_BUFFER} events): the server then skips this client forward with
     * a resync rather than growing without end; with {@link #callbacksOnTransportThread()} it holds
     * back every stream of this client. Completes when the stream ends.
     */
    public synchronized Flow.Publisher<Event> events() {
        if (publisher == null) {
            publisher = new SubmissionPublisher<>(Runnable::run, PUBLISHER_BUFFER);
            if (ended) {
                publisher.close();
            }
        }
        return publisher;
    }

    /** The client missed output (it fell behind or resumed too late): a gap and the screen to redraw. */
    public TerminalStream onResync(Consumer<Resync> listener) {
        this.onResync = listener;
        return this;
    }

    /**
     * The call dropped and the stream is resuming by itself with its continuity token ({@code true}),
     * or it resumed ({@code false}); no output is lost or repeated across it.
     */
    public TerminalStream onReconnecting(Consumer<Boolean> listener) {
        this.onReconnecting = listener;
        return this;
    }

    /** The stream ended: null after a detach or the session's end, the error otherwise. */
    public TerminalStream onClosed(Consumer<Throwable> listener) {
        this.onClosed = listener;
        return this;
    }

    /**
     * Runs this stream's callbacks (and its {@link #events()} subscribers) on the client's transport
     * thread rather than on a virtual thread of their own: each event reaches them one thread
     * wake-up sooner, up to ~100 µs of an echo on a small machine (docs/performance.md). They must
     * then return quickly: while one runs, no other call of this client receives anything. A call
     * of this SDK that waits for a reply, on this client or any other, fails from them with
     * {@code BLOCKING_CALLBACK} instead of deadlocking or holding up the stream;
     * {@link #sendInput}, {@link #resize} and {@link #detach} do not wait and are fine. Applies from
     * the next attach or resume.
     */
    public TerminalStream callbacksOnTransportThread() {
        this.callbacksOnTransportThread = true;
        return this;
    }

    /**
     * Asks the server to leave the session's input events ({@code InputApplied}, anyone's) out of
     * this stream: for a client that shows the terminal, where keys appear in the program's echo.
     * Each keystroke then costs one frame fewer here. Applies from the next attach, and is kept
     * across resumes; {@code Attached.input_events_omitted} says whether the server honours it.
     */
    public TerminalStream withoutInputEvents() {
        this.withoutInputEvents = true;
        return this;
    }

    /** Whether the next attach asks for no input events: asked to, or no one here would see them. */
    private synchronized boolean omitsInputEvents() {
        return withoutInputEvents || onEvent == NO_EVENTS && publisher == null;
    }

    /** Attaches with this stream's mode, without a size of its own; returns the current screen and presence. */
    public Attached attach(String session) {
        return attach(session, 0, 0);
    }

    /** Attaches with this stream's mode; returns the current screen and presence. */
    public Attached attach(String session, int cols, int rows) {
        return open(ClientFrame.newBuilder().setAttach(attachRequest(session, cols, rows)));
    }

    private AttachRequest.Builder attachRequest(String session, int cols, int rows) {
        AttachRequest.Builder request = AttachRequest.newBuilder()
                .setSession(io.cmdop.protocol.v1.SessionSelector.newBuilder().setMachine(machine).setSession(session))
                .setMode(mode).setClient(client).setOmitInputEvents(omitsInputEvents());
        if (cols > 0 && rows > 0) {
            size = Size.newBuilder().setCols(cols).setRows(rows).build();
        }
        if (size.getCols() > 0) {
            request.setSize(size);
        }
        return request;
    }

    /**
     * Continues after a drop with the last token: the events missed are delivered first (or a resync
     * when they are no longer kept). Works from a new process too, given the saved position.
     */
    public Attached resume(String continuityToken, long lastSeq, long nextOffset) {
        this.lastSeq = lastSeq;
        this.nextOffset = nextOffset;
        return open(ClientFrame.newBuilder().setResume(ResumeRequest.newBuilder().setToken(continuityToken)
                .setSeq(lastSeq).setOffset(nextOffset)));
    }

    /** Resumes this stream's own attachment on a new call after the previous one dropped. */
    public Attached resume() {
        String t = token;
        if (t == null) {
            throw new IllegalStateException("nothing to resume: not attached yet");
        }
        return resume(t, lastSeq, nextOffset);
    }

    /**
     * Keystrokes, or a paste of any length: more than an input frame holds (64 KiB) goes in several
     * frames, in order. An observer's never leave this process.
     */
    public void sendInput(byte[] data) {
        requireOperator("send input");
        for (int from = 0; from < data.length; from += MAX_INPUT_FRAME) {
            ByteString part = ByteString.copyFrom(data, from, Math.min(MAX_INPUT_FRAME, data.length - from));
            send(ClientFrame.newBuilder().setInput(InputFrame.newBuilder().setData(part)), false);
        }
    }

    /**
     * Runs a command line in the session's shell; returns its command id, which the CommandStarted and
     * CommandFinished events carry and {@link #waitForCommand} takes.
     */
    public String sendCommand(String command) {
        requireOperator("execute commands");
        commands.keepOutput();
        String id = send(ClientFrame.newBuilder().setCommand(CommandFrame.newBuilder().setCommand(command)), true)
                .getAccepted().getCommandId();
        commands.sent(id);
        return id;
    }

    /**
     * Waits for the end of a command {@link #sendCommand} sent on this stream: its exit code and its
     * output (the last {@value CommandLog#WINDOW_BYTES} bytes at most; {@code truncated} says when
     * there was more, for which {@link Terminal#run} streams everything).
     *
     * @throws CmdopException {@code INVALID_ARGUMENT} for an id this stream did not send,
     *     {@code TIMEOUT}, or {@code STREAM_CLOSED} when the stream ends first
     */
    public CommandResult waitForCommand(String commandId, Duration timeout) {
        TransportThread.refuseBlocking("waitForCommand");
        try {
            return commands.await(commandId, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CmdopException(Reason.REASON_INTERNAL, "interrupted while waiting for command " + commandId);
        }
    }

    /** {@link #waitForCommand} without blocking the caller. */
    public CompletableFuture<CommandResult> waitForCommandAsync(String commandId, Duration timeout) {
        return Async.run("cmdop-wait-command", () -> waitForCommand(commandId, timeout));
    }

    public void resize(int cols, int rows) {
        requireOperator("resize the terminal");
        size = Size.newBuilder().setCols(cols).setRows(rows).build();
        send(ClientFrame.newBuilder().setResize(ResizeFrame.newBuilder().setSize(size)), false);
    }

    /**
     * Sends {@code signal} to the session's foreground program. INT, QUIT and TSTP also discard the
     * input it has not read yet, as ^C, ^\ and ^Z do in a terminal: a command typed just before an
     * interrupt does not run after it.
     */
    public void signal(Signal signal) {
        signal(signal.name());
    }

    /** A signal by name (INT, TERM, HUP, KILL, ...) to the session's foreground process group. */
    public void signal(String signal) {
        requireOperator("send signals");
        send(ClientFrame.newBuilder().setSignal(SignalFrame.newBuilder().setSignal(signal)), true);
    }

    /**
     * Asks for the session's current screen. It comes to {@link #onResync} in stream order: after
     * the output already sent, before any later one, with an empty gap (reason "requested"). A
     * request lost to a drop is made again once the stream has resumed. Any mode may ask; it does
     * not block.
     *
     * @throws CmdopException {@code NOT_SUPPORTED} if the daemon or relay of this stream is older
     *                        than refresh (see {@link #supports})
     */
    public void refresh() {
        if (clientId != null && !supports(Features.REFRESH)) {
            throw new CmdopException(Reason.REASON_NOT_SUPPORTED, "the daemon or relay this stream is attached "
                    + "through is older than refresh: it cannot send the session's screen in stream order");
        }
        refreshWanted = true;
        if (!reconnecting.get()) {
            sendRefresh();
        }
    }

    /**
     * Whether the daemon (or, for a remote stream, the relay) of the current attachment does
     * {@code feature}, one of {@link Features}: an older one lists none. Known once attached.
     */
    public boolean supports(String feature) {
        return features.contains(feature);
    }

    private void sendRefresh() {
        send(ClientFrame.newBuilder().setRefresh(RefreshFrame.getDefaultInstance()), false);
    }

    /** Leaves the session on purpose: the token stops working, and so does this stream until attached again. */
    public void detach() {
        closing = true;
        ended = true;
        commands.ended();
        synchronized (this) {
            ClientCallStreamObserver<ClientFrame> c = call;
            if (c != null && c != detachedCall) {
                detachedCall = c; // a second detach (or close) of the same call has nothing left to say
                c.onNext(ClientFrame.newBuilder().setDetach(DetachFrame.getDefaultInstance()).build());
                c.onCompleted();
            }
        }
    }

    /** Drops the call without detaching, as a lost network would: the stream then resumes by itself. */
    public void drop() {
        ClientCallStreamObserver<ClientFrame> c = call;
        if (c != null) {
            c.cancel("dropped by the client", null);
        }
    }

    public String continuityToken() {
        return token;
    }

    public String clientId() {
        return clientId;
    }

    public long lastSeq() {
        return lastSeq;
    }

    public long nextOffset() {
        return nextOffset;
    }

    public Mode mode() {
        return mode;
    }

    @Override
    public void close() {
        detach();
    }

    private Attached open(ClientFrame.Builder first) {
        return open(first, REPLY_TIMEOUT);
    }

    private Attached open(ClientFrame.Builder first, Duration timeout) {
        TransportThread.refuseBlocking("attach or resume");
        CompletableFuture<ServerFrame> attached = new CompletableFuture<>();
        long requestId = requestIds.incrementAndGet();
        pending.put(requestId, attached);
        closing = false;
        ended = false;
        commands.reopened();
        ClientResponseObserver<ClientFrame, ServerFrame> observer = new Receiver();
        SessionsGrpc.SessionsStub stub = SessionsGrpc.newStub(channel);
        if (callbacksOnTransportThread) {
            stub = stub.withExecutor(TransportThread.CALLBACKS);
        }
        ClientCallStreamObserver<ClientFrame> c = (ClientCallStreamObserver<ClientFrame>) stub.attach(observer);
        call = c;
        synchronized (this) {
            c.onNext(first.setRequestId(requestId).build());
        }
        ServerFrame frame;
        try {
            frame = await(attached, requestId, timeout);
        } catch (CmdopException e) {
            if (e.reason() == Reason.REASON_TIMEOUT) {
                // A call stuck on a dead connection: give it up so the next attempt starts clean.
                c.cancel("no answer to attach", null);
            }
            throw e;
        }
        return frame.getAttached();
    }

    /**
     * Takes in an attach's or resume's reply where it arrives, before the call's first event: the
     * position it sets and the resync of an attach afresh are in stream order with the output.
     */
    private void adopt(Attached a) {
        features = List.copyOf(a.getFeaturesList());
        token = a.getContinuityToken();
        clientId = a.getClientId();
        sessionId = a.getSession().getId();
        graceMs = a.getGraceMs();
        if (a.hasSnapshot()) {
            lastSeq = a.getSnapshot().getSeq();
            nextOffset = a.getSnapshot().getOffset();
        }
        long from = missedFrom;
        if (from >= 0 && a.hasSnapshot()) {
            missedFrom = -1;
            refreshWanted = false;
            onResync.accept(Resync.newBuilder()
                    .setGap(Gap.newBuilder().setFromOffset(from).setToOffset(a.getSnapshot().getOffset())
                            .setReason("token_expired"))
                    .setSnapshot(a.getSnapshot()).build());
        }
    }

    private ServerFrame send(ClientFrame.Builder frame, boolean awaitReply) {
        ClientCallStreamObserver<ClientFrame> c = call;
        if (c == null) {
            throw new CmdopException(Reason.REASON_STREAM_CLOSED, "not attached: call attach first");
        }
        if (ended) {
            throw new CmdopException(Reason.REASON_STREAM_CLOSED, "the stream has ended (detached, refused or "
                    + "given up after a drop): attach again");
        }
        if (!awaitReply) {
            synchronized (this) {
                c.onNext(frame.build());
            }
            return null;
        }
        TransportThread.refuseBlocking("a stream request (command, signal)");
        if (pending.size() >= MAX_PENDING) {
            throw new CmdopException(Reason.REASON_LIMIT_REACHED, "too many requests awaiting a reply");
        }
        long requestId = requestIds.incrementAndGet();
        CompletableFuture<ServerFrame> reply = new CompletableFuture<>();
        pending.put(requestId, reply);
        synchronized (this) {
            c.onNext(frame.setRequestId(requestId).build());
        }
        return await(reply, requestId);
    }

    private ServerFrame await(CompletableFuture<ServerFrame> reply, long requestId) {
        return await(reply, requestId, REPLY_TIMEOUT);
    }

    private ServerFrame await(CompletableFuture<ServerFrame> reply, long requestId, Duration timeout) {
        try {
            ServerFrame frame = reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (frame.hasError()) {
                throw CmdopException.from(frame.getError());
            }
            return frame;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CmdopException(Reason.REASON_INTERNAL, "interrupted while waiting for the daemon");
        } catch (TimeoutException e) {
            throw new CmdopException(Reason.REASON_TIMEOUT, "no reply from " + target + " within " + timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StatusRuntimeException s) {
                throw CmdopException.from(s, target);
            }
            if (e.getCause() instanceof CmdopException c) {
                throw c;
            }
            throw new CmdopException(Reason.REASON_INTERNAL, String.valueOf(e.getCause()));
        } finally {
            pending.remove(requestId);
        }
    }

    private void requireOperator(String action) {
        if (mode == Mode.MODE_OBSERVER) {
            throw new PermissionDeniedException(Reason.REASON_OBSERVER_READ_ONLY,
                    "observers only watch: an observer cannot " + action, null);
        }
    }

    /** Receives the server's frames for the current call. */
    private final class Receiver implements ClientResponseObserver<ClientFrame, ServerFrame> {
        /**
         * Frames the transport may hand over before this stream has taken the previous ones: with
         * one (gRPC's default) every frame waits for a request to travel back to the transport thread.
         */
        private static final int IN_FLIGHT = 16;

        private ClientCallStreamObserver<ClientFrame> own;

        @Override
        public void beforeStart(ClientCallStreamObserver<ClientFrame> requestStream) {
            own = requestStream;
            requestStream.disableAutoRequestWithInitial(IN_FLIGHT);
        }

        /** A call replaced by a resume reports nothing: the stream goes on. */
        private boolean superseded() {
            return own != call;
        }

        @Override
        public void onNext(ServerFrame frame) {
            try {
                receive(frame);
            } finally {
                own.request(1);
            }
        }

        private void receive(ServerFrame frame) {
            if (superseded()) {
                // A late frame of an abandoned attempt: what it carries, the current call replays.
                return;
            }
            switch (frame.getBodyCase()) {
                case EVENT -> {
                    Event e = frame.getEvent();
                    if (e.getSeq() <= lastSeq) {
                        return;
                    }
                    if (e.hasOutput()) {
                        long end = e.getOutput().getOffset() + e.getOutput().getData().size();
                        nextOffset = end;
                        byte[] data = e.getOutput().getData().toByteArray();
                        commands.output(e.getOutput().getOffset(), data);
                        onOutput.accept(data);
                    } else if (e.hasCommandStarted()) {
                        commands.started(e.getCommandStarted());
                    } else if (e.hasCommandFinished()) {
                        commands.finished(e.getCommandFinished());
                    }
                    lastSeq = e.getSeq();
                    onEvent.accept(e);
                    publish(e);
                }
                case RESYNC -> {
                    refreshWanted = false;
                    lastSeq = frame.getResync().getSnapshot().getSeq();
                    nextOffset = frame.getResync().getSnapshot().getOffset();
                    onResync.accept(frame.getResync());
                }
                default -> {
                    CompletableFuture<ServerFrame> waiting = pending.get(frame.getInReplyTo());
                    if (waiting != null) {
                        if (frame.hasAttached()) {
                            adopt(frame.getAttached());
                        }
                        waiting.complete(frame);
                    } else if (frame.hasError() && frame.getError().getFatal()) {
                        lastError = CmdopException.from(frame.getError());
                    }
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            if (superseded()) {
                return;
            }
            failPending(t);
            Throwable error = t instanceof StatusRuntimeException s ? CmdopException.from(s, target) : t;
            if (reconnecting.get()) {
                return;
            }
            if (!closing && token != null && resumable(lastError != null ? lastError : error)
                    && reconnecting.compareAndSet(false, true)) {
                Thread.ofVirtual().name("cmdop-resume").start(() -> reconnect(error));
                return;
            }
            closed(closing ? null : lastError != null ? lastError : error);
        }

        @Override
        public void onCompleted() {
            if (superseded()) {
                return;
            }
            failPending(lastError != null ? lastError : new CmdopException(Reason.REASON_UNSPECIFIED, "the stream ended"));
            if (reconnecting.get()) {
                // A refused resume attempt: the reconnect loop decides what comes next.
                return;
            }
            closed(null);
        }

        private void failPending(Throwable t) {
            pending.values().forEach(f -> f.completeExceptionally(t));
        }
    }

    /** The stream has ended for good: listeners, subscribers and waiters are told. */
    private void closed(Throwable error) {
        ended = true;
        commands.ended();
        SubmissionPublisher<Event> p;
        synchronized (this) {
            p = publisher;
        }
        if (p != null) {
            if (error == null) {
                p.close();
            } else {
                p.closeExceptionally(error);
            }
        }
        onClosed.accept(error);
    }

    private void publish(Event e) {
        SubmissionPublisher<Event> p;
        synchronized (this) {
            p = publisher;
        }
        if (p != null && !p.isClosed()) {
            p.submit(e);
        }
    }

    private volatile CmdopException lastError;
    /** Set while {@link #reconnect} runs: failures of its own attempts are its to handle. */
    private final AtomicBoolean reconnecting = new AtomicBoolean();

    /** Drops of the carrier are worth a resume; refusals (a revoked key, a destroyed session) are not. */
    private static boolean resumable(Throwable error) {
        if (!(error instanceof CmdopException c)) {
            return true;
        }
        return c instanceof DaemonUnavailableException || c.reason() == Reason.REASON_MACHINE_OFFLINE
                || c.reason() == Reason.REASON_UNSPECIFIED;
    }

    /**
     * Resumes with the token until it works or the grace window is over; then attaches afresh to the
     * same session and reports what was missed as a resync. Gives up on a refusal (a revoked key, an
     * ended session) or after {@link #RECONNECT_WINDOW}.
     */
    private void reconnect(Throwable cause) {
        onReconnecting.accept(true);
        long start = System.nanoTime();
        long graceDeadline = start + TimeUnit.MILLISECONDS.toNanos(Math.max(graceMs, 1000));
        long giveUp = start + Math.max(RECONNECT_WINDOW.toNanos(), graceDeadline - start);
        boolean tokenDead = false;
        boolean abandoned = false;
        long offlineSince = 0;
        long backoff = 100;
        Throwable last = cause;
        while (!closing && System.nanoTime() < giveUp) {
            try {
                lastError = null;
                reconnectNow.run();
                if (tokenDead || System.nanoTime() >= graceDeadline) {
                    attachAfresh();
                } else {
                    open(ClientFrame.newBuilder().setResume(ResumeRequest.newBuilder().setToken(token)
                            .setSeq(lastSeq).setOffset(nextOffset)), RESUME_ATTEMPT_TIMEOUT);
                }
                reconnecting.set(false);
                if (refreshWanted) {
                    sendRefresh(); // it went to the dropped call, or waited for this one
                }
                onReconnecting.accept(false);
                return;
            } catch (StatusRuntimeException e) {
                // The client itself was closed under the stream (its channel is shut down): nothing to resume.
                last = CmdopException.from(e, target);
                break;
            } catch (CmdopException e) {
                last = e;
                // An attempt given up on here may still have resumed there, and the token stays refused
                // until the server sees that call gone: after one, an invalid token is worth retrying.
                boolean maybeStillHeld = abandoned && e.reason() == Reason.REASON_TOKEN_INVALID;
                abandoned |= e.reason() == Reason.REASON_TIMEOUT;
                if (e.reason() == Reason.REASON_TOKEN_EXPIRED
                        || e.reason() == Reason.REASON_TOKEN_INVALID && !maybeStillHeld) {
                    tokenDead = true;
                    continue;
                }
                if (!maybeStillHeld && !resumable(e) && e.reason() != Reason.REASON_TIMEOUT) {
                    break;
                }
                if (e.reason() != Reason.REASON_MACHINE_OFFLINE) {
                    offlineSince = 0;
                } else if (offlineSince == 0) {
                    offlineSince = System.nanoTime();
                } else if (System.nanoTime() >= graceDeadline
                        && System.nanoTime() - offlineSince >= OFFLINE_PATIENCE.toNanos()) {
                    // The relay answers and the machine has stayed away past the grace window: it went away.
                    break;
                }
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            backoff = Math.min(backoff * 2, 2000);
        }
        reconnecting.set(false);
        closed(closing ? null : last);
    }

    /** The attachment is gone: a new one, and the output in between reported as a gap with the screen. */
    private void attachAfresh() {
        missedFrom = nextOffset;
        try {
            open(ClientFrame.newBuilder().setAttach(attachRequest(sessionId, 0, 0)), RESUME_ATTEMPT_TIMEOUT);
        } finally {
            missedFrom = -1;
        }
    }
}

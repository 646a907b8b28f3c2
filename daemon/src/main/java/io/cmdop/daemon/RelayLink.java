package io.cmdop.daemon;

import io.cmdop.client.CertificatePin;
import io.cmdop.client.Features;
import io.cmdop.client.RelayChannels;
import io.cmdop.client.RelayEndpoint;
import io.cmdop.protocol.v1.AgentHello;
import io.cmdop.protocol.v1.AgentLinkGrpc;
import io.cmdop.protocol.v1.CommandUpdate;
import io.cmdop.protocol.v1.DeleteFileResponse;
import io.cmdop.protocol.v1.Event;
import io.cmdop.protocol.v1.FileInfo;
import io.cmdop.protocol.v1.Gap;
import io.cmdop.protocol.v1.LinkDown;
import io.cmdop.protocol.v1.LinkUp;
import io.cmdop.protocol.v1.ListSessionsRequest;
import io.cmdop.protocol.v1.ListFilesResponse;
import io.cmdop.protocol.v1.ListSessionsResponse;
import io.cmdop.protocol.v1.ReadFileResponse;
import io.cmdop.protocol.v1.Replay;
import io.cmdop.protocol.v1.Resync;
import io.cmdop.protocol.v1.ServerFrame;
import io.cmdop.protocol.v1.SessionFeed;
import io.cmdop.protocol.v1.WriteFileResponse;
import io.cmdop.session.Attachment;
import io.cmdop.session.Delivery;
import io.cmdop.session.Session;
import io.cmdop.session.SessionEvent;
import io.cmdop.session.SessionException;
import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The daemon's one outbound link to its relay (ARCHITECTURE §2): dials out, re-dials with jittered
 * exponential backoff, and serves the calls the relay relays to it with the same services that
 * serve the local socket. Sessions run on untouched while the relay is away. Each session's events
 * cross the link once (a feed), whatever the number of remote clients.
 */
final class RelayLink implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RelayLink.class.getName());
    private static final Duration MIN_BACKOFF = Duration.ofMillis(250);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** Calls the relay may have open on this link at once. */
    private static final int MAX_CALLS = 10_000;
    private static final int FEED_BATCH_BYTES = 256 * 1024;

    private final RelaySettings settings;
    private final SessionsService service;
    private final FilesService files;
    private final FileRoot filesRoot;
    private final SessionRegistry registry;
    private final String version;
    private final Executor calls = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
    private final Map<Long, LinkCall<?>> streamingCalls = new ConcurrentHashMap<>();
    private final Map<Long, AttachCall> attachCalls = new ConcurrentHashMap<>();
    private final Map<Long, LinkUpload> uploads = new ConcurrentHashMap<>();
    private final Map<String, Session.Attached> feeds = new ConcurrentHashMap<>();
    private final Object readiness = new Object();
    private final Thread loop;
    private final EventLoopGroup transport;
    private volatile ClientCallStreamObserver<LinkUp> upstream;
    private volatile boolean closed;
    private volatile boolean connected;

    /**
     * {@code loop}: the daemon's event loop, which also reads the PTYs: an echo read there is written
     * to the relay by the same thread, and input from the relay reaches the PTY the same way.
     */
    RelayLink(RelaySettings settings, SessionsService service, FileRoot filesRoot, SessionRegistry registry,
              String version, EventLoopGroup loop) {
        this.settings = settings;
        this.service = service;
        this.files = new FilesService(filesRoot);
        this.filesRoot = filesRoot;
        this.registry = registry;
        this.version = version;
        this.transport = loop;
        // Sessions started or ended here, by any client, keep the relay's view of this machine true.
        registry.onChange(session -> {
            if (connected) {
                announce(session);
            }
        });
        this.loop = Thread.ofPlatform().name("cmdop-relay-link").daemon().start(this::run);
    }

    boolean connected() {
        return connected;
    }

    private void run() {
        RelayEndpoint endpoint = RelayEndpoint.parse(settings.url());
        CertificatePin pin = endpoint.tls() ? new CertificatePin(settings.fingerprint()) : null;
        long backoff = MIN_BACKOFF.toMillis();
        while (!closed) {
            ManagedChannel channel = RelayChannels.open(endpoint, pin, transport);
            long started = System.nanoTime();
            try {
                Status end = session(channel);
                if (end.getCode() == Status.Code.UNAUTHENTICATED || end.getCode() == Status.Code.PERMISSION_DENIED) {
                    LOG.severe(() -> "the relay refused this machine's credential (" + end.getDescription()
                            + "): it was revoked; enroll again with a new join key");
                    return;
                }
                LOG.warning(() -> "link to " + endpoint.url() + " ended: " + end.getCode() + " "
                        + (end.getDescription() == null ? "" : end.getDescription()));
            } catch (InterruptedException e) {
                return;
            } finally {
                channel.shutdownNow();
                dropAll();
            }
            if (System.nanoTime() - started > TimeUnit.SECONDS.toNanos(10)) {
                backoff = MIN_BACKOFF.toMillis();
            }
            long sleep = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
            backoff = Math.min(backoff * 2, MAX_BACKOFF.toMillis());
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One connection: hello, then serve until it ends; returns how it ended. */
    private Status session(ManagedChannel channel) throws InterruptedException {
        CountDownLatch ended = new CountDownLatch(1);
        Status[] end = {Status.OK};
        ClientResponseObserver<LinkUp, LinkDown> receiver = new ClientResponseObserver<>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<LinkUp> requestStream) {
                requestStream.setOnReadyHandler(() -> {
                    synchronized (readiness) {
                        readiness.notifyAll();
                    }
                    streamingCalls.values().forEach(LinkCall::ready);
                });
            }

            @Override
            public void onNext(LinkDown down) {
                dispatch(down);
            }

            @Override
            public void onError(Throwable t) {
                end[0] = Status.fromThrowable(t);
                ended.countDown();
            }

            @Override
            public void onCompleted() {
                end[0] = Status.UNAVAILABLE.withDescription("the relay closed the link");
                ended.countDown();
            }
        };
        // Frames are dispatched on the transport thread that received them: dispatch never waits (what
        // may take long gets a virtual thread of its own), so a keystroke reaches its session with no hand-off.
        StreamObserver<LinkUp> up = AgentLinkGrpc.newStub(channel).withExecutor(Runnable::run)
                .withCallCredentials(bearer(settings.credential())).connect(receiver);
        upstream = (ClientCallStreamObserver<LinkUp>) up;
        send(LinkUp.newBuilder().setHello(AgentHello.newBuilder().setMachineName(settings.machineName())
                .setAgentVersion(version).addAllSessions(sessions().getSessionsList())
                .addFeatures(Features.FEED_REFRESH)).build());
        connected = true;
        // A session that started or ended while the hello was being built is in neither it nor an
        // announcement: once more, every session as it is now (announcements are idempotent).
        registry.list().forEach(this::announce);
        LOG.info(() -> "linked to relay " + settings.url() + " as " + settings.machineName());
        try {
            ended.await();
        } finally {
            connected = false;
        }
        return end[0];
    }

    private ListSessionsResponse sessions() {
        ListSessionsResponse[] result = {ListSessionsResponse.getDefaultInstance()};
        new Caller("relay", false).run(() -> service.listSessions(ListSessionsRequest.getDefaultInstance(),
                new StreamObserver<>() {
                    public void onNext(ListSessionsResponse r) { result[0] = r; }
                    public void onError(Throwable t) { }
                    public void onCompleted() { }
                }));
        return result[0];
    }

    private void dispatch(LinkDown down) {
        long id = down.getCallId();
        Caller caller = new Caller(down.getPrincipal().getPrincipal(), down.getPrincipal().getMayOperate());
        switch (down.getBodyCase()) {
            case CREATE_SESSION -> this.<io.cmdop.protocol.v1.SessionInfo>unary(caller, id, LinkUp.Builder::setSession,
                    o -> service.createSession(down.getCreateSession(), o));
            case LIST_SESSIONS -> this.<ListSessionsResponse>unary(caller, id, LinkUp.Builder::setSessions,
                    o -> service.listSessions(down.getListSessions(), o));
            case GET_SESSION -> this.<io.cmdop.protocol.v1.SessionInfo>unary(caller, id, LinkUp.Builder::setSession,
                    o -> service.getSession(down.getGetSession(), o));
            case DESTROY_SESSION -> this.<io.cmdop.protocol.v1.SessionInfo>unary(caller, id, LinkUp.Builder::setSession,
                    o -> service.destroySession(down.getDestroySession(), o));
            case GET_SCREEN -> this.<io.cmdop.protocol.v1.Screen>unary(caller, id, LinkUp.Builder::setScreen,
                    o -> service.getScreen(down.getGetScreen(), o));
            case SEND_INPUT -> this.<io.cmdop.protocol.v1.InputAccepted>unary(caller, id, LinkUp.Builder::setInputAccepted,
                    o -> service.sendInput(down.getSendInput(), o));
            case SEND_SIGNAL -> this.<io.cmdop.protocol.v1.SignalSent>unary(caller, id, LinkUp.Builder::setSignalSent,
                    o -> service.sendSignal(down.getSendSignal(), o));
            case RESIZE -> this.<io.cmdop.protocol.v1.Size>unary(caller, id, LinkUp.Builder::setSize, o -> service.resize(down.getResize(), o));
            case RUN_COMMAND -> this.<CommandUpdate>streaming(caller, id, LinkUp.Builder::setCommandUpdate, false,
                    o -> service.runCommand(down.getRunCommand(), o));
            case EXEC -> this.<CommandUpdate>streaming(caller, id, LinkUp.Builder::setCommandUpdate, false,
                    o -> service.exec(down.getExec(), o));
            case STAT_FILE -> this.<FileInfo>unary(caller, id, LinkUp.Builder::setFileInfo,
                    o -> files.stat(down.getStatFile(), o));
            case LIST_FILES -> this.<ListFilesResponse>unary(caller, id, LinkUp.Builder::setFileList,
                    o -> files.list(down.getListFiles(), o));
            case DELETE_FILE -> this.<DeleteFileResponse>unary(caller, id, LinkUp.Builder::setFileDeleted,
                    o -> files.delete(down.getDeleteFile(), o));
            case MOVE_FILE -> this.<FileInfo>unary(caller, id, LinkUp.Builder::setFileInfo,
                    o -> files.move(down.getMoveFile(), o));
            case MAKE_DIRECTORY -> this.<FileInfo>unary(caller, id, LinkUp.Builder::setFileInfo,
                    o -> files.mkdir(down.getMakeDirectory(), o));
            case READ_FILE -> this.<ReadFileResponse>streaming(caller, id, LinkUp.Builder::setReadFile, true,
                    o -> files.read(down.getReadFile(), o));
            case FILE_CREDIT -> {
                LinkCall<?> call = streamingCalls.get(id);
                if (call != null) {
                    call.grant(down.getFileCredit().getMessages());
                }
            }
            case WRITE_FILE -> upload(caller, id, down);
            case ATTACH_FRAME -> attachFrame(caller, id, down);
            case CALL_CLOSED -> closeCall(id, down.getCallClosed().getAbrupt());
            case FEED -> feed(down.getFeed().getSessionId(), down.getFeed().getSubscribe());
            case REFRESH_FEED -> calls.execute(() -> refreshFeed(down.getRefreshFeed().getSessionId()));
            case REPLAY -> calls.execute(() -> replay(id, down.getReplay().getSessionId(), down.getReplay().getAfterSeq()));
            case PING -> send(LinkUp.newBuilder().setCallId(id).setPong(down.getPing()).build());
            default -> LOG.warning(() -> "ignoring an unknown message from the relay: " + down.getBodyCase());
        }
    }

    private <T> void unary(Caller caller, long id, java.util.function.BiFunction<LinkUp.Builder, T, LinkUp.Builder> body,
                           java.util.function.Consumer<StreamObserver<T>> call) {
        LinkCall<T> observer = new LinkCall<>(id, this, body::apply);
        calls.execute(() -> caller.run(() -> call.accept(observer)));
    }

    private <T> void streaming(Caller caller, long id, java.util.function.BiFunction<LinkUp.Builder, T, LinkUp.Builder> body,
                               boolean credited, java.util.function.Consumer<StreamObserver<T>> call) {
        if (streamingCalls.size() >= MAX_CALLS) {
            refuse(id);
            return;
        }
        LinkCall<T> observer = new LinkCall<>(id, this, body::apply, credited);
        streamingCalls.put(id, observer);
        calls.execute(() -> caller.run(() -> call.accept(observer)));
    }

    private void attachFrame(Caller caller, long id, LinkDown down) {
        AttachCall call = attachCalls.get(id);
        if (call == null) {
            if (attachCalls.size() >= MAX_CALLS) {
                refuse(id);
                return;
            }
            LinkCall<ServerFrame> observer = new LinkCall<>(id, this, LinkUp.Builder::setAttachFrame);
            call = new AttachCall(observer, registry, caller, settings.machineName(), true);
            attachCalls.put(id, call);
            streamingCalls.put(id, observer);
        }
        call.onNext(down.getAttachFrame());
    }

    /** A message of a relayed upload: its header opens it; anything else of an unknown call is late and dropped. */
    private void upload(Caller caller, long id, LinkDown down) {
        LinkUpload upload = uploads.get(id);
        if (upload == null) {
            if (!down.getWriteFile().hasHeader()) {
                return;
            }
            if (uploads.size() >= MAX_CALLS) {
                refuse(id);
                return;
            }
            upload = new LinkUpload(id, this, new Upload(filesRoot, caller,
                    new LinkCall<WriteFileResponse>(id, this, LinkUp.Builder::setFileWritten)));
            uploads.put(id, upload);
        }
        upload.offer(down);
    }

    private void closeCall(long id, boolean abrupt) {
        LinkUpload upload = uploads.get(id);
        if (upload != null) {
            upload.offer(LinkDown.newBuilder().setCallId(id).setCallClosed(
                    io.cmdop.protocol.v1.CallClosed.newBuilder().setAbrupt(abrupt)).build());
        }
        AttachCall attach = attachCalls.remove(id);
        if (attach != null) {
            if (abrupt) {
                attach.onError(Status.UNAVAILABLE.asRuntimeException());
            } else {
                attach.onCompleted();
            }
        }
        LinkCall<?> call = streamingCalls.remove(id);
        if (call != null) {
            call.cancel();
        }
    }

    /** Starts or stops streaming a session's events to the relay. */
    private void feed(String sessionId, boolean subscribe) {
        if (!subscribe) {
            Session.Attached feed = feeds.remove(sessionId);
            if (feed != null) {
                feed.attachment().session().closeFeed(feed.attachment());
            }
            return;
        }
        Session session;
        try {
            session = registry.find(sessionId);
        } catch (SessionException e) {
            send(LinkUp.newBuilder().setFeed(SessionFeed.newBuilder().setSessionId(sessionId).setEnded(true)).build());
            return;
        }
        Session.Attached feed = session.openFeed("relay");
        if (feeds.putIfAbsent(sessionId, feed) != null) {
            session.closeFeed(feed.attachment());
            return;
        }
        Thread.ofVirtual().name("cmdop-feed-" + sessionId).start(() -> pumpFeed(sessionId, feed));
    }

    /** The screen of a session the relay follows, into its feed in stream order; nothing for one it does not. */
    private void refreshFeed(String sessionId) {
        Session.Attached feed = feeds.get(sessionId);
        try {
            if (feed != null) {
                feed.attachment().refresh();
            }
        } catch (SessionException e) {
            // The feed has just ended: its end reaches the relay, which tells its clients.
        }
    }

    private void pumpFeed(String sessionId, Session.Attached feed) {
        Attachment a = feed.attachment();
        try {
            while (!closed && feeds.get(sessionId) == feed) {
                if (!awaitReady(1000)) {
                    continue;
                }
                Delivery d = a.poll(feed.epoch(), Duration.ofSeconds(1), event -> sendNow(sessionId, event));
                if (d == null) {
                    continue;
                }
                SessionFeed.Builder batch = SessionFeed.newBuilder().setSessionId(sessionId);
                int bytes = 0;
                while (d != null) {
                    switch (d) {
                        case Delivery.Event e -> {
                            Event event = Protos.event(e.event());
                            batch.addEvents(event);
                            bytes += event.getSerializedSize();
                        }
                        case Delivery.Resync r when r.requested() ->
                                batch.setRefreshed(Protos.screen(r.screen(), Session.RESYNC_SCROLLBACK_LINES));
                        case Delivery.Resync r -> batch.setResync(Protos.resync(r));
                        case Delivery.End end -> batch.setEnded(true);
                    }
                    if (batch.getEnded() || batch.hasResync() || batch.hasRefreshed() || bytes >= FEED_BATCH_BYTES) {
                        break;
                    }
                    d = a.poll(feed.epoch(), Duration.ZERO);
                }
                sendFeed(sessionId, feed, LinkUp.newBuilder().setFeed(batch).build());
                if (batch.getEnded()) {
                    feeds.remove(sessionId, feed);
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Sends a feed's batch only while that feed is still the session's current one. A feed of a link
     * that dropped is closed, and its pump, woken by that, would otherwise send the feed's end on
     * the next link: the relay would take the session for ended and end its clients there.
     */
    private void sendFeed(String sessionId, Session.Attached feed, LinkUp message) {
        synchronized (this) {
            if (feeds.get(sessionId) == feed) {
                send(message);
            }
        }
    }

    /** A small event that comes while the feed's pump waits goes up on the thread that publishes it. */
    private boolean sendNow(String sessionId, SessionEvent event) {
        if (!isReady()) {
            return false;
        }
        send(LinkUp.newBuilder().setFeed(SessionFeed.newBuilder().setSessionId(sessionId)
                .addEvents(Protos.event(event))).build());
        return true;
    }

    private void replay(long id, String sessionId, long afterSeq) {
        Replay.Builder replay = Replay.newBuilder().setSessionId(sessionId);
        try {
            Session session = registry.find(sessionId);
            Optional<List<SessionEvent>> missed = session.eventsAfter(afterSeq);
            if (missed.isPresent()) {
                missed.get().forEach(e -> replay.addEvents(Protos.event(e)));
            } else {
                var screen = session.screen();
                replay.setResync(Resync.newBuilder().setGap(Gap.newBuilder().setReason("ring_overflow")
                                .setToOffset(screen.offset()))
                        .setSnapshot(Protos.screen(screen, 200)));
            }
        } catch (SessionException e) {
            replay.setResync(Resync.getDefaultInstance());
        }
        send(LinkUp.newBuilder().setCallId(id).setReplay(replay).build());
    }

    private void refuse(long id) {
        send(LinkUp.newBuilder().setCallId(id).setEnd(io.cmdop.protocol.v1.CallEnd.newBuilder()
                .setError(Errors.frame(new SessionException(io.cmdop.session.Reason.LIMIT_REACHED,
                        "too many relayed calls on this link"), true))).build());
    }

    /** A session's state, unasked, on call 0: the relay counts running sessions from these. */
    private void announce(Session session) {
        send(LinkUp.newBuilder().setSession(Protos.session(session.view(), settings.machineName())).build());
    }

    /** Sends one message up the link; dropped silently when the link is down (its calls are dropped too). */
    void send(LinkUp message) {
        ClientCallStreamObserver<LinkUp> up = upstream;
        if (up == null) {
            return;
        }
        synchronized (this) {
            try {
                up.onNext(message);
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "link send failed", e);
            }
        }
    }

    boolean isReady() {
        ClientCallStreamObserver<LinkUp> up = upstream;
        return up != null && up.isReady();
    }

    private boolean awaitReady(long millis) throws InterruptedException {
        synchronized (readiness) {
            if (!isReady()) {
                readiness.wait(millis);
            }
        }
        return isReady();
    }

    void forget(long callId) {
        streamingCalls.remove(callId);
        attachCalls.remove(callId);
        uploads.remove(callId);
    }

    /** The link is gone: relayed clients enter their grace windows, running relayed calls stop waiting. */
    private void dropAll() {
        upstream = null;
        attachCalls.values().forEach(c -> c.onError(Status.UNAVAILABLE.asRuntimeException()));
        attachCalls.clear();
        streamingCalls.values().forEach(LinkCall::cancel);
        streamingCalls.clear();
        uploads.forEach((id, upload) -> upload.offer(LinkDown.newBuilder().setCallId(id)
                .setCallClosed(io.cmdop.protocol.v1.CallClosed.newBuilder().setAbrupt(true)).build()));
        uploads.clear();
        feeds.forEach((id, feed) -> feed.attachment().session().closeFeed(feed.attachment()));
        feeds.clear();
    }

    private static CallCredentials bearer(String credential) {
        Metadata.Key<String> authorization = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
        return new CallCredentials() {
            @Override
            public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
                Metadata headers = new Metadata();
                headers.put(authorization, "Bearer " + credential);
                applier.apply(headers);
            }
        };
    }

    @Override
    public void close() {
        closed = true;
        loop.interrupt();
        ClientCallStreamObserver<LinkUp> up = upstream;
        if (up != null) {
            up.cancel("daemon stopping", null);
        }
    }
}

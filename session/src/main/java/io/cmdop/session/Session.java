package io.cmdop.session;

import io.cmdop.session.pty.Pty;
import io.cmdop.session.pty.PtySpec;
import io.cmdop.session.pty.Signal;
import io.cmdop.terminal.ShellMark;
import io.cmdop.terminal.VirtualTerminal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The live session: a PTY running a program, its ordered event stream, its ring, its terminal model
 * and its attachments (ARCHITECTURE §3). It has no owner: zero attachments is a valid, live state.
 *
 * <p>One stream lock orders everything that takes a seq: output from the PTY reader, accepted
 * input, presence, resizes, signals, commands and exit. Events are offered to every attachment
 * under that lock, so every client sees the same order; offering never blocks. PTY writes happen
 * on the session's own writer thread, outside the lock, in input-id order.
 */
public final class Session {
    /** The largest input accepted in one call; larger pastes are split by clients. */
    public static final int MAX_INPUT_BYTES = 64 * 1024;
    public static final int MAX_COMMAND_LENGTH = 8192;
    /**
     * Scrollback lines a resync carries. A client that fell behind is resynchronised while output
     * streams, under the stream lock, so its snapshot copies no more history than it will send.
     */
    public static final int RESYNC_SCROLLBACK_LINES = 200;

    private static final Logger LOG = Logger.getLogger(Session.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();
    /**
     * A read takes all the output already there up to the buffer's size, and each read is one event
     * (split only where a shell mark stands): a fast program's output costs one event per 64 KiB
     * instead of one per 4 KiB the terminal hands over. Sessions start with a small buffer, since
     * idle ones keep it.
     */
    private static final int READ_BUFFER = 4 * 1024;
    private static final int BUSY_READ_BUFFER = 64 * 1024;
    private static final int EXPIRED_TOKENS_KEPT = 256;
    private static final Duration FIRST_HANGUP_RETRY = Duration.ofMillis(100);
    /** The hangups' spacing doubles up to this; unbounded, it overflowed into a negative wait. */
    private static final Duration LAST_HANGUP_RETRY = Duration.ofSeconds(2);

    private final String id;
    private final String name;
    /** Faults of the terminal model so far (bugs of ours); guarded by the stream lock, as the model is. */
    private long modelFaults;
    private final List<String> command;
    private final SessionConfig config;
    private final ResizePolicy resizePolicy;
    private final long createdAtMs = System.currentTimeMillis();
    private final Pty pty;
    private final InputWriter writer;
    /** Output taken from the PTY and not yet processed; it stops the watch while too much is. */
    private final OutputHandoff output;
    private PtyWatcher.Watch outputWatch;
    /**
     * The next read's buffer, the call taking output's own but for {@link #compactMemory}, which lets
     * a quiet session's go (null: the next read takes a small one).
     */
    private volatile byte[] readBuffer = new byte[READ_BUFFER];
    /** Only the call taking output uses this. */
    private boolean outputEnded;
    private final String principal;

    private final ReentrantLock streamLock = new ReentrantLock();
    private final Condition promptShown = streamLock.newCondition();
    // Everything below is guarded by streamLock.
    private final VirtualTerminal terminal;
    private final EventRing ring;
    /** The shell marks the model met in the chunk being processed. */
    private final List<ShellMark> marks = new ArrayList<>();
    private final CommandTracker commands;
    private final List<Attachment> attachments = new ArrayList<>();
    /** Relays' shared feeds: they get every event but are not clients. */
    private final List<Attachment> feeds = new ArrayList<>();
    /** Hashes of tokens whose grace window ended, so a late resume hears "expired", not "invalid". */
    private final Map<String, Boolean> expiredTokens = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > EXPIRED_TOKENS_KEPT;
        }
    };
    private final List<Consumer<Session>> exitListeners = new ArrayList<>();
    private TerminalSize size;
    private long seq;
    private long offset;
    private long inputIds;
    private Integer exitCode;
    private long endedAtMs;
    private long lastActivityNanos = System.nanoTime();
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();

    private Session(String id, SessionSpec spec, SessionConfig config, String principal) throws IOException {
        this.id = id;
        this.name = spec.name().orElse(id);
        this.config = config;
        this.principal = principal;
        this.resizePolicy = spec.resizePolicy() != null ? spec.resizePolicy() : config.resizePolicy();
        this.size = spec.size();
        List<String> launch = ShellIntegration.launchCommand(spec.command(), config.integrationDir());
        this.command = spec.command().isEmpty() ? List.of(launch.getFirst()) : spec.command();
        this.commands = new CommandTracker(launch.contains("--rcfile"));
        this.terminal = new VirtualTerminal(size.cols(), size.rows(), config.scrollbackLines());
        this.ring = new EventRing(config.ringBytes());
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("TERM", "xterm-256color");
        env.put("CMDOP_SESSION", id);
        env.putAll(spec.env());
        this.pty = Pty.spawn(PtySpec.builder(launch).environment(env).workingDirectory(spec.cwd())
                .size(size.cols(), size.rows()).build());
        this.writer = new InputWriter(pty, config.inputQueueBytes(), "cmdop-input-" + id);
        this.output = new OutputHandoff(chunk -> onOutput(chunk, chunk.length), "cmdop-process-" + id,
                () -> outputWatch.pause(), () -> outputWatch.resume());
        terminal.onReply(this::answerTerminalQuery);
        terminal.onShellMark(marks::add);
        terminal.onFault(e -> {
            // Logged the 1st, 2nd, 4th, 8th... time: a fault that repeats on every chunk cannot flood the log.
            if (Long.bitCount(++modelFaults) == 1) {
                LOG.log(Level.SEVERE, "session " + id + ": the terminal model failed on the output (" + modelFaults
                        + " times so far) and starts over blank; clients still get every byte", e);
            }
        });
    }

    /**
     * Starts the program in a new PTY and begins reading its output.
     *
     * @param principal the OS user the daemon runs as: the session's processes run as this user
     */
    public static Session start(String id, SessionSpec spec, SessionConfig config, String principal) {
        return start(id, spec, config, principal, PtyWatcher.threadPerPty());
    }

    /** As {@link #start(String, SessionSpec, SessionConfig, String)}, its output watched by {@code watcher}. */
    public static Session start(String id, SessionSpec spec, SessionConfig config, String principal,
            PtyWatcher watcher) {
        Session session;
        try {
            session = new Session(id, spec, config, principal);
        } catch (IOException e) {
            throw new SessionException(Reason.SPAWN_FAILED, "cannot start " + String.join(" ", spec.command().isEmpty()
                    ? List.of("the shell") : spec.command()) + ": " + e.getMessage(), e);
        }
        session.watchOutput(watcher);
        return session;
    }

    /** The session a continuity token belongs to, if the token is well formed. */
    public static Optional<String> sessionIdOfToken(String token) {
        int dot = token.indexOf('.');
        return dot > 0 && dot <= 16 ? Optional.of(token.substring(0, dot)) : Optional.empty();
    }

    /** A fresh random id: 8 characters of an unambiguous alphabet, easy to type. */
    public static String newId() {
        return randomToken(8, true);
    }

    public String id() {
        return id;
    }

    public String name() {
        return name;
    }

    /** How long an abruptly disconnected attachment stays resumable. */
    public Duration graceWindow() {
        return config.grace();
    }

    /** Completes with the exit code when the process has ended and every client was told. */
    public CompletableFuture<Integer> exit() {
        return exit.copy();
    }

    public void onExit(Consumer<Session> listener) {
        streamLock.lock();
        try {
            if (exitCode == null) {
                exitListeners.add(listener);
                return;
            }
        } finally {
            streamLock.unlock();
        }
        listener.accept(this);
    }

    public SessionView view() {
        streamLock.lock();
        try {
            List<ClientView> clients = attachments.stream().map(Attachment::view).toList();
            return new SessionView(id, name, command, exitCode == null,
                    exitCode == null ? OptionalInt.empty() : OptionalInt.of(exitCode), createdAtMs,
                    exitCode == null ? OptionalLong.empty() : OptionalLong.of(endedAtMs), size, resizePolicy,
                    clients, offset, seq, memoryBytesLocked());
        } finally {
            streamLock.unlock();
        }
    }

    public long createdAtMs() {
        return createdAtMs;
    }

    /** As {@link SessionView#memoryBytes}, without the rest of the view. */
    public long memoryBytes() {
        streamLock.lock();
        try {
            return memoryBytesLocked();
        } finally {
            streamLock.unlock();
        }
    }

    private long memoryBytesLocked() {
        byte[] buffer = readBuffer;
        return ring.memoryBytes() + terminal.memoryBytes() + (buffer == null ? 0 : buffer.length);
    }

    public boolean running() {
        streamLock.lock();
        try {
            return exitCode == null;
        } finally {
            streamLock.unlock();
        }
    }

    /** Nanos (System.nanoTime) of the last output, input or presence change. */
    public long lastActivityNanos() {
        streamLock.lock();
        try {
            return attachments.isEmpty() ? lastActivityNanos : System.nanoTime();
        } finally {
            streamLock.unlock();
        }
    }

    /** What a client joining now would see. */
    public ScreenState screen() {
        streamLock.lock();
        try {
            return new ScreenState(terminal.snapshot(), offset, seq);
        } finally {
            streamLock.unlock();
        }
    }

    // ---------------------------------------------------------------- attach, resume, leave

    /** The result of an attach or a resume: the attachment, its carrier epoch, its new token, and the screen to start from. */
    public record Attached(Attachment attachment, int epoch, String token, Optional<ScreenState> screen,
                           SessionView session) {}

    public Attached attach(String principal, ClientKind kind, Mode mode, TerminalSize clientSize,
                           boolean countsForSize) {
        return attach(principal, kind, mode, clientSize, countsForSize, false);
    }

    /** As {@link #attach(String, ClientKind, Mode, TerminalSize, boolean)}; {@code omitInputEvents} for a terminal. */
    public Attached attach(String principal, ClientKind kind, Mode mode, TerminalSize clientSize,
                           boolean countsForSize, boolean omitInputEvents) {
        return attach(Attachment.Route.QUEUE, principal, kind, mode, clientSize, countsForSize, false, omitInputEvents);
    }

    /**
     * Attaches a client that a relay serves: it is present, acts and is attributed like any client,
     * but its events reach it through the relay's feed of this session ({@link #openFeed}), which
     * leaves out its input events if it asks ({@code omitInputEvents}, kept here for its resumes).
     */
    public Attached attachRelayed(String principal, ClientKind kind, Mode mode, TerminalSize clientSize,
                                  boolean countsForSize, boolean omitInputEvents) {
        return attach(Attachment.Route.RELAYED, principal, kind, mode, clientSize, countsForSize, false,
                omitInputEvents);
    }

    /**
     * A relay's feed: every event from now on, once, whatever the number of its clients. Its queue is
     * bounded like a client's; a feed that falls behind gets a resync like a client.
     */
    public Attached openFeed(String relay) {
        streamLock.lock();
        try {
            Attachment feed = new Attachment(this, Attachment.Route.FEED, randomToken(8, true), relay, ClientKind.SDK,
                    Mode.OBSERVER, System.currentTimeMillis(), null, false, config.sendQueueBytes() * 4, offset, false);
            ScreenState screen = new ScreenState(terminal.snapshot(), offset, seq);
            if (exitCode != null) {
                feed.end("session_ended");
            } else {
                feeds.add(feed);
            }
            return new Attached(feed, feed.epoch(), "", Optional.of(screen), view());
        } finally {
            streamLock.unlock();
        }
    }

    /** Stops a feed. */
    public void closeFeed(Attachment feed) {
        streamLock.lock();
        try {
            feeds.remove(feed);
            feed.end("detached");
        } finally {
            streamLock.unlock();
        }
    }

    /** The events after {@code seq} if the ring still holds all of them: what a resuming relayed client missed. */
    public Optional<List<SessionEvent>> eventsAfter(long afterSeq) {
        streamLock.lock();
        try {
            return ring.after(afterSeq);
        } finally {
            streamLock.unlock();
        }
    }

    /**
     * Attaches an observer that receives the session's events from the very first one (as long as
     * the ring still holds them), even when the session has already ended: what a caller that
     * created a short-lived session needs to collect its whole output.
     */
    public Attached attachFromStart(String principal, ClientKind kind) {
        return attach(Attachment.Route.QUEUE, principal, kind, Mode.OBSERVER, null, false, true, false);
    }

    private Attached attach(Attachment.Route route, String principal, ClientKind kind, Mode mode,
                            TerminalSize clientSize, boolean countsForSize, boolean fromStart, boolean omitInputEvents) {
        streamLock.lock();
        try {
            if (attachments.size() >= config.maxAttachments()) {
                throw new SessionException(Reason.LIMIT_REACHED, "session " + name + " already has "
                        + attachments.size() + " attached clients, the limit (session.max_clients)");
            }
            boolean counts = countsForSize || (mode == Mode.OPERATOR && kind.countsForSizeByDefault());
            Attachment a = new Attachment(this, route, randomToken(8, true), principal, kind, mode,
                    System.currentTimeMillis(), clientSize, counts && clientSize != null,
                    config.sendQueueBytes(), offset, omitInputEvents);
            ScreenState screen = new ScreenState(terminal.snapshot(), offset, seq);
            String token = newToken(a);
            if (fromStart) {
                a.deliveredUpTo(0);
                ring.after(0).ifPresentOrElse(events -> events.forEach(a::offer), a::markRingOverflow);
            }
            if (exitCode != null) {
                a.end("session_ended");
                return new Attached(a, 0, token, Optional.of(screen), view());
            }
            attachments.add(a);
            publish(new SessionEvent.ClientJoined(++seq, now(), a.view()));
            // Under `latest` only operators set the size; the other policies weigh every counted client.
            if (a.countsForSize() && (mode == Mode.OPERATOR || resizePolicy != ResizePolicy.LATEST)) {
                applySize(policySize(clientSize), a.sender());
            }
            return new Attached(a, a.epoch(), token, Optional.of(screen), view());
        } finally {
            streamLock.unlock();
        }
    }

    /**
     * Continues an attachment after a drop. {@code lastSeq} is the seq of the last event the client
     * received; every later event is replayed if the ring still holds it, otherwise the first
     * delivery is a resync with a gap starting at {@code nextOffset}.
     */
    public Attached resume(String token, long lastSeq, long nextOffset) {
        byte[] hash = hash(token);
        streamLock.lock();
        try {
            Attachment a = findByToken(hash);
            if (a == null) {
                if (expiredTokens.containsKey(hex(hash))) {
                    throw new SessionException(Reason.TOKEN_EXPIRED,
                            "the continuity token expired: its grace window of " + config.grace().toSeconds()
                                    + " s ended; attach again");
                }
                throw new SessionException(Reason.TOKEN_INVALID, "unknown or already used continuity token");
            }
            if (!a.connected() && System.nanoTime() - a.graceDeadlineNanos() > 0) {
                dropExpired(a);
                throw new SessionException(Reason.TOKEN_EXPIRED, "the continuity token expired: its grace window of "
                        + config.grace().toSeconds() + " s ended; attach again");
            }
            if (lastSeq > seq || nextOffset > offset) {
                throw new SessionException(Reason.INVALID_ARGUMENT, "resume position seq " + lastSeq + ", offset "
                        + nextOffset + " is ahead of the session (seq " + seq + ", offset " + offset + ")");
            }
            a.presentedTokenHash(hash);
            String newToken = newToken(a);
            int epoch = a.takeOver(nextOffset);
            Optional<List<SessionEvent>> missed = ring.after(lastSeq);
            if (missed.isPresent()) {
                missed.get().forEach(a::offer);
            } else {
                a.markRingOverflow();
            }
            if (exitCode != null) {
                // What was missed, the exit included, is queued: the stream ends after it.
                attachments.remove(a);
                a.end("session_ended");
            }
            return new Attached(a, epoch, newToken, Optional.empty(), view());
        } finally {
            streamLock.unlock();
        }
    }

    /** Builds the resync a lagging attachment needs: its gap and the current screen. */
    Delivery resync(Attachment a) {
        streamLock.lock();
        try {
            Attachment.Lag lag = a.clearLag();
            ScreenState screen = new ScreenState(terminal.snapshot(RESYNC_SCROLLBACK_LINES), offset, seq);
            a.deliveredUpTo(offset);
            return new Delivery.Resync(lag.fromOffset(), offset, lag.reason(), screen);
        } finally {
            streamLock.unlock();
        }
    }

    /** Queues the current screen for {@code a}, in stream order (see {@link Attachment#refresh}). */
    void refresh(Attachment a) {
        if (a.route() == Attachment.Route.RELAYED) {
            throw new SessionException(Reason.INVALID_ARGUMENT,
                    "a relayed client's screen comes with its relay's feed: the relay answers its refresh");
        }
        streamLock.lock();
        try {
            a.offerRefresh(() -> new ScreenState(terminal.snapshot(RESYNC_SCROLLBACK_LINES), offset, seq));
        } finally {
            streamLock.unlock();
        }
    }

    void leave(Attachment a, String reason) {
        streamLock.lock();
        try {
            if (attachments.remove(a)) {
                publish(new SessionEvent.ClientLeft(++seq, now(), a.view(), reason));
                if (a.countsForSize() && resizePolicy != ResizePolicy.LATEST && resizePolicy != ResizePolicy.FIXED) {
                    applySize(policySize(null), a.sender());
                }
            }
            a.end(reason);
        } finally {
            streamLock.unlock();
        }
    }

    void disconnected(Attachment a, int carrierEpoch) {
        streamLock.lock();
        try {
            if (attachments.contains(a) && a.setDisconnected(carrierEpoch)) {
                a.graceDeadlineNanos(System.nanoTime() + config.grace().toNanos());
                lastActivityNanos = System.nanoTime();
            }
        } finally {
            streamLock.unlock();
        }
    }

    /**
     * Gives back memory the session no longer needs: the terminal model packs the scrollback lines
     * added since the last call and, once the session has been quiet for {@code quietFor}, parses the
     * output it holds back and lets go of the buffer (up to 1 MiB) set aside for it, the ring
     * compresses the events appended since (at least 16 KiB of output), and the buffer reads from the
     * terminal go into (64 KiB once output streamed) is let go. The daemon calls this periodically.
     */
    public void compactMemory(Duration quietFor) {
        streamLock.lock();
        try {
            if (System.nanoTime() - lastActivityNanos >= quietFor.toNanos()) {
                terminal.settle();
                ring.pack();
                readBuffer = null;
            }
            terminal.packScrollback();
        } finally {
            streamLock.unlock();
        }
    }

    /** Memory the ring takes for output, compressed or not. */
    long ringOutputMemory() {
        streamLock.lock();
        try {
            return ring.outputMemory();
        } finally {
            streamLock.unlock();
        }
    }

    /** The buffer the next read of output goes into; 0 when a quiet session let it go. */
    int readBufferBytes() {
        byte[] buffer = readBuffer;
        return buffer == null ? 0 : buffer.length;
    }

    /** Memory the terminal model set aside for output held back. */
    int heldOutputBytes() {
        streamLock.lock();
        try {
            return terminal.heldBytes();
        } finally {
            streamLock.unlock();
        }
    }

    /** Ends attachments whose grace window is over. The daemon calls this periodically. */
    public void expireGrace() {
        streamLock.lock();
        try {
            long now = System.nanoTime();
            for (Attachment a : List.copyOf(attachments)) {
                if (!a.connected() && now - a.graceDeadlineNanos() > 0) {
                    dropExpired(a);
                }
            }
        } finally {
            streamLock.unlock();
        }
    }

    private void dropExpired(Attachment a) {
        expiredTokens.put(hex(a.tokenHash()), Boolean.TRUE);
        leave(a, "disconnected");
    }

    // ---------------------------------------------------------------- actions (operators only)

    public InputReceipt sendInput(Sender sender, byte[] data) {
        requireOperator(sender, "send input");
        if (data.length == 0 || data.length > MAX_INPUT_BYTES) {
            throw new SessionException(Reason.INVALID_ARGUMENT,
                    "input must be 1 to " + MAX_INPUT_BYTES + " bytes, got " + data.length);
        }
        streamLock.lock();
        try {
            requireRunning();
            return enqueueInput(sender, data.clone(), "");
        } finally {
            streamLock.unlock();
        }
    }

    /**
     * Types a command line into the shell and tracks it: CommandStarted and CommandFinished events
     * carry the returned command id. Refused when the shell is busy.
     */
    public InputReceipt sendCommand(Sender sender, String commandLine) {
        requireOperator(sender, "execute commands");
        if (commandLine.isBlank() || commandLine.length() > MAX_COMMAND_LENGTH
                || commandLine.indexOf('\n') >= 0 || commandLine.indexOf('\r') >= 0) {
            throw new SessionException(Reason.INVALID_ARGUMENT,
                    "a command must be one non-empty line of at most " + MAX_COMMAND_LENGTH + " characters");
        }
        streamLock.lock();
        try {
            requireRunning();
            if (!commands.readyForCommand()) {
                throw new SessionException(Reason.SHELL_BUSY, "cannot run a command in " + name + ": "
                        + commands.busyReason());
            }
            String typed = commands.needsWrapping()
                    ? ShellIntegration.wrapWithoutIntegration(commandLine) + "\r"
                    : commandLine + "\r";
            String commandId = randomToken(8, true);
            commands.expect(commandId, commandLine);
            return enqueueInput(sender, typed.getBytes(StandardCharsets.UTF_8), commandId);
        } finally {
            streamLock.unlock();
        }
    }

    /** Forgets a command that never started (its caller gave up waiting). */
    public void cancelCommand(String commandId) {
        streamLock.lock();
        try {
            commands.cancel(commandId);
        } finally {
            streamLock.unlock();
        }
    }

    /** Waits until the shell has shown its first prompt (immediately for shells without integration). */
    public boolean awaitPrompt(Duration timeout) throws InterruptedException {
        long remaining = timeout.toNanos();
        streamLock.lock();
        try {
            while (!commands.promptSeen() && exitCode == null) {
                if (remaining <= 0) {
                    return false;
                }
                remaining = promptShown.awaitNanos(remaining);
            }
            return exitCode == null;
        } finally {
            streamLock.unlock();
        }
    }

    /** A resize by an attached client, under the session's resize policy. */
    TerminalSize resize(Attachment a, TerminalSize requested) {
        requireOperator(a.sender(), "resize the terminal");
        streamLock.lock();
        try {
            requireRunning();
            requireResizable();
            a.size(requested);
            TerminalSize target = a.countsForSize() ? policySize(requested) : requested;
            applySize(target, a.sender());
            return size;
        } finally {
            streamLock.unlock();
        }
    }

    /** A resize by a client that is not attached (e.g. a one-shot call): sets the size directly. */
    public TerminalSize resize(Sender sender, TerminalSize requested) {
        requireOperator(sender, "resize the terminal");
        streamLock.lock();
        try {
            requireRunning();
            requireResizable();
            applySize(requested, sender);
            return size;
        } finally {
            streamLock.unlock();
        }
    }

    /** Sends a signal to the foreground process group of the session's terminal. */
    public long signal(Sender sender, String signalName) {
        requireOperator(sender, "send signals");
        Signal signal = Signal.parse(signalName).orElseThrow(() -> new SessionException(Reason.UNKNOWN_SIGNAL,
                "unknown signal '" + signalName + "' (try INT, TERM, HUP, KILL, QUIT, USR1, USR2, STOP, CONT, TSTP or WINCH)"));
        streamLock.lock();
        try {
            requireRunning();
            try {
                pty.signal(signal);
            } catch (IOException e) {
                throw new SessionException(Reason.INTERNAL, "cannot send " + signal.signalName() + ": " + e.getMessage(), e);
            }
            publish(new SessionEvent.Signaled(++seq, now(), signal.name(), sender));
            return seq;
        } finally {
            streamLock.unlock();
        }
    }

    /**
     * Ends the session: hangs up its terminal, again and again at growing intervals while the
     * program is still there, then kills what is left after {@code patience}. Attached clients see
     * the exit like any other; the session stays readable (final screen, exit code) afterwards.
     * Clients of a process that cannot be killed leave with reason "destroyed".
     */
    public void destroy(Duration patience) throws InterruptedException {
        if (running()) {
            long deadline = System.nanoTime() + patience.toNanos();
            // Repeated because bash loses a SIGHUP that arrives just as it accepts a line (one
            // destroy in thirty in our tests): it then sits at its prompt until killed.
            long wait = FIRST_HANGUP_RETRY.toNanos();
            boolean exited;
            do {
                try {
                    pty.hangUp();
                } catch (IOException e) {
                    // The process is already gone: the exit path does the rest.
                }
                exited = exitedWithin(Duration.ofNanos(Math.clamp(deadline - System.nanoTime(), 0, wait)));
                wait = Math.min(2 * wait, LAST_HANGUP_RETRY.toNanos());
            } while (!exited && System.nanoTime() - deadline < 0);
            if (!exited) {
                pty.kill();
                exitedWithin(patience);
            }
        }
        streamLock.lock();
        try {
            for (Attachment a : List.copyOf(attachments)) {
                leave(a, "destroyed");
            }
        } finally {
            streamLock.unlock();
        }
        pty.close();
    }

    private boolean exitedWithin(Duration patience) throws InterruptedException {
        try {
            // In nanoseconds: with under a millisecond left, a wait in millis is none, and destroy spun sending hangups.
            exit.get(patience.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            return false;
        }
    }

    // ---------------------------------------------------------------- the stream

    private void watchOutput(PtyWatcher watcher) {
        try {
            watcher.watch(pty, "cmdop-output-" + id, this::takeOutput);
        } catch (IOException e) {
            // Closed already: the program cannot have started. Its exit ends the session as usual.
            Thread.ofVirtual().name("cmdop-exit-" + id).start(this::finish);
        }
    }

    /** Called by the watcher, one call at a time, when output is there: takes one read of it. */
    private void takeOutput(PtyWatcher.Watch watch) {
        outputWatch = watch; // before any output is handed over, which is what may stop the watch
        if (outputEnded) {
            return;
        }
        byte[] buffer = readBuffer;
        if (buffer == null) {
            buffer = new byte[READ_BUFFER];
            readBuffer = buffer;
        }
        int n;
        try {
            n = pty.tryRead(buffer, 0, buffer.length);
        } catch (IOException e) {
            n = -1; // A read error means the terminal is gone: the exit path reports what happened.
        }
        if (n == 0) {
            return;
        }
        if (n < 0) {
            outputEnded = true;
            watch.cancel();
            // The exit waits for the program: not on the watcher's thread, which may be an event loop.
            Thread.ofVirtual().name("cmdop-exit-" + id).start(this::finish);
            return;
        }
        if (n > READ_BUFFER) {
            watch.busy();
        }
        byte[] chunk;
        if (n == buffer.length) {
            // A full read: the buffer itself becomes the event's data, and busy output gets big buffers.
            chunk = buffer;
            readBuffer = new byte[BUSY_READ_BUFFER];
        } else {
            chunk = Arrays.copyOf(buffer, n);
        }
        output.accept(chunk);
    }

    private void finish() {
        output.awaitProcessed(); // every byte read is in the stream before the exit is
        int code;
        try {
            code = pty.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            code = -1;
        }
        onExited(code);
    }

    private void onOutput(byte[] buffer, int length) {
        streamLock.lock();
        try {
            lastActivityNanos = System.nanoTime();
            long base = offset;
            // The model finds the marks as it reads the chunk: the output is parsed once.
            marks.clear();
            terminal.feed(buffer, 0, length);
            int from = 0;
            for (ShellMark mark : marks) {
                // Split the chunk so that each command event stands where its mark is in the stream:
                // a command's output lies between the end of its C mark and the start of its D mark.
                long start = base + mark.start();
                long end = base + mark.end();
                long splitAt = mark.kind() == 'D' ? Math.max(start, base + from) : end;
                from = emitOutput(buffer, from, (int) (splitAt - base));
                onMark(mark, start, end);
            }
            marks.clear();
            emitOutput(buffer, from, length);
        } finally {
            streamLock.unlock();
        }
    }

    /** Emits buffer[from, to), which the model has read already, as one output event; returns {@code to}. */
    private int emitOutput(byte[] buffer, int from, int to) {
        if (to <= from) {
            return from;
        }
        byte[] chunk = from == 0 && to == buffer.length ? buffer : Arrays.copyOfRange(buffer, from, to);
        publish(new SessionEvent.Output(++seq, now(), offset, chunk));
        offset += chunk.length;
        return to;
    }

    /** {@code start} and {@code end}: the mark's stream offsets. */
    private void onMark(ShellMark mark, long start, long end) {
        switch (mark.kind()) {
            case 'A' -> {
                commands.onPrompt();
                promptShown.signalAll();
            }
            case 'C' -> {
                CommandTracker.Tracked started = commands.onStart();
                if (started != null) {
                    publish(new SessionEvent.CommandStarted(++seq, now(), started.commandId(), started.command(),
                            end));
                }
            }
            case 'D' -> {
                CommandTracker.Tracked finished = commands.onFinish();
                if (finished != null) {
                    long duration = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - finished.startedNanos());
                    publish(new SessionEvent.CommandFinished(++seq, now(), finished.commandId(),
                            parseExitCode(mark.params()), start, duration));
                }
            }
            default -> {
                // Other OSC 133 marks (B, prompt end) carry nothing we track.
            }
        }
    }

    private void onExited(int code) {
        List<Consumer<Session>> listeners;
        streamLock.lock();
        try {
            exitCode = code;
            endedAtMs = System.currentTimeMillis();
            publish(new SessionEvent.Exited(++seq, now(), code));
            // Connected clients have everything and end now. Disconnected ones stay until their grace
            // window ends, so that a resume still delivers what they missed, the exit included.
            for (Attachment a : List.copyOf(attachments)) {
                if (a.connected()) {
                    a.end("session_ended");
                    attachments.remove(a);
                }
            }
            for (Attachment feed : feeds) {
                feed.end("session_ended");
            }
            feeds.clear();
            promptShown.signalAll();
            listeners = List.copyOf(exitListeners);
            exitListeners.clear();
        } finally {
            streamLock.unlock();
        }
        writer.close();
        pty.close();
        exit.complete(code);
        listeners.forEach(l -> l.accept(this));
    }

    private InputReceipt enqueueInput(Sender sender, byte[] data, String commandId) {
        if (!writer.offer(data)) {
            throw new SessionException(Reason.LIMIT_REACHED, "input backlog of session " + name
                    + " is full: the program is not reading its input");
        }
        long inputId = ++inputIds;
        lastActivityNanos = System.nanoTime();
        publish(new SessionEvent.InputApplied(++seq, now(), inputId, sender, data, commandId));
        return new InputReceipt(inputId, seq, commandId);
    }

    private void publish(SessionEvent event) {
        ring.append(event);
        for (Attachment a : attachments) {
            a.offer(event);
        }
        for (Attachment feed : feeds) {
            feed.offer(event);
        }
    }

    // ---------------------------------------------------------------- size

    private TerminalSize policySize(TerminalSize latest) {
        if (resizePolicy == ResizePolicy.LATEST || resizePolicy == ResizePolicy.FIXED) {
            return latest != null ? latest : size;
        }
        int cols = -1;
        int rows = -1;
        for (Attachment a : attachments) {
            TerminalSize s = a.size();
            if (!a.countsForSize() || s == null) {
                continue;
            }
            boolean smallest = resizePolicy == ResizePolicy.SMALLEST;
            cols = cols < 0 ? s.cols() : smallest ? Math.min(cols, s.cols()) : Math.max(cols, s.cols());
            rows = rows < 0 ? s.rows() : smallest ? Math.min(rows, s.rows()) : Math.max(rows, s.rows());
        }
        return cols < 0 ? size : new TerminalSize(cols, rows);
    }

    private void applySize(TerminalSize target, Sender sender) {
        if (target.equals(size) || resizePolicy == ResizePolicy.FIXED) {
            return;
        }
        try {
            pty.resize(target.cols(), target.rows());
        } catch (IOException e) {
            throw new SessionException(Reason.INTERNAL, "cannot resize the terminal: " + e.getMessage(), e);
        }
        terminal.resize(target.cols(), target.rows());
        size = target;
        publish(new SessionEvent.Resized(++seq, now(), target, sender));
    }

    // ---------------------------------------------------------------- helpers

    private void requireOperator(Sender sender, String action) {
        if (sender.mode() != Mode.OPERATOR) {
            throw new SessionException(Reason.OBSERVER_READ_ONLY,
                    "observers only watch: an observer cannot " + action + " (operator mode is required)");
        }
    }

    private void requireRunning() {
        if (exitCode != null) {
            throw new SessionException(Reason.SESSION_EXITED,
                    "session " + name + " has ended (exit code " + exitCode + ")");
        }
    }

    private void requireResizable() {
        if (resizePolicy == ResizePolicy.FIXED) {
            throw new SessionException(Reason.RESIZE_FIXED, "session " + name + " has a fixed size of " + size);
        }
    }

    /**
     * Answers the terminal's own queries (cursor position, device attributes) when no operator's
     * terminal is there to answer them: clients pass output through to real terminals, which answer
     * themselves, and two answers would reach the program as garbage input.
     */
    private void answerTerminalQuery(byte[] reply) {
        boolean terminalAttached = attachments.stream().anyMatch(a -> a.mode() == Mode.OPERATOR
                && a.kind().countsForSizeByDefault() && a.connected());
        if (!terminalAttached) {
            writer.offer(reply);
        }
    }

    /** Tokens start with the session id so that any carrier can route a resume without a lookup. */
    private String newToken(Attachment a) {
        String token = id + "." + randomToken(32, false);
        a.tokenHash(hash(token));
        return token;
    }

    /**
     * The attachment a token belongs to. The token of the last resume still counts while the
     * attachment is disconnected: the answer carrying the rotated token may have been lost with the
     * carrier, and the client can only present what it holds. A connected attachment is never
     * taken over with an old token.
     */
    private Attachment findByToken(byte[] hash) {
        Attachment found = null;
        for (Attachment a : attachments) {
            boolean current = MessageDigest.isEqual(a.tokenHash(), hash);
            boolean lostRotation = !a.connected() && a.presentedTokenHash() != null
                    && MessageDigest.isEqual(a.presentedTokenHash(), hash);
            if (current || lostRotation) {
                found = a;
            }
        }
        return found;
    }

    private static int parseExitCode(String params) {
        int end = params.indexOf(';');
        String code = end < 0 ? params : params.substring(0, end);
        try {
            return Integer.parseInt(code.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static long now() {
        return System.currentTimeMillis();
    }

    private static byte[] hash(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static String hex(byte[] bytes) {
        return java.util.HexFormat.of().formatHex(bytes);
    }

    private static final char[] BASE32 = "abcdefghijkmnpqrstuvwxyz23456789".toCharArray();

    private static String randomToken(int bytes, boolean base32) {
        byte[] raw = new byte[bytes];
        RANDOM.nextBytes(raw);
        if (!base32) {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        }
        StringBuilder sb = new StringBuilder(bytes * 8 / 5 + 1);
        for (byte b : raw) {
            sb.append(BASE32[(b & 0xff) % BASE32.length]);
        }
        return sb.toString();
    }
}

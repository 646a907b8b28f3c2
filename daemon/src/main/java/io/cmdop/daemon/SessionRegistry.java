package io.cmdop.daemon;

import io.cmdop.session.PtyWatcher;
import io.cmdop.session.Reason;
import io.cmdop.session.Session;
import io.cmdop.session.SessionConfig;
import io.cmdop.session.SessionException;
import io.cmdop.session.SessionSpec;

import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The sessions one daemon hosts, addressable by id or unique name. Ended sessions stay listable
 * with their final screen for the retention time; idle ones end after the idle timeout.
 */
final class SessionRegistry implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SessionRegistry.class.getName());
    private static final Duration HANGUP_PATIENCE = Duration.ofSeconds(2);
    /** A session quiet this long gives back memory: its model's held output, its ring compressed. */
    private static final Duration QUIET_OUTPUT = Duration.ofSeconds(1);

    private final DaemonConfig config;
    private final SessionConfig sessionConfig;
    private final String principal;
    /** Where the sessions' output is read: the daemon's event loops. */
    private final PtyWatcher watcher;
    private final Map<String, Session> byId = new LinkedHashMap<>();
    private final Map<String, Long> endedAtNanos = new LinkedHashMap<>();
    /** Told of each session that starts or ends (the relay link keeps the relay's count true). */
    private volatile Consumer<Session> onChange = s -> { };
    private final ScheduledExecutorService janitor = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("cmdop-janitor").daemon().factory());

    SessionRegistry(DaemonConfig config, SessionConfig sessionConfig, String principal, PtyWatcher watcher) {
        this.config = config;
        this.sessionConfig = sessionConfig;
        this.principal = principal;
        this.watcher = watcher;
        janitor.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
    }

    Session create(SessionSpec spec) {
        String id;
        synchronized (this) {
            if (byId.values().stream().filter(Session::running).count() >= config.maxSessions()) {
                throw new SessionException(Reason.LIMIT_REACHED,
                        "this daemon already hosts " + config.maxSessions() + " running sessions (daemon.max_sessions)");
            }
            spec.name().ifPresent(this::requireFreeName);
            do {
                id = Session.newId();
            } while (byId.containsKey(id));
            // Reserve the id and name while the process starts, outside the lock.
            byId.put(id, null);
        }
        Session session;
        try {
            session = Session.start(id, spec, sessionConfig, principal, watcher);
        } catch (RuntimeException e) {
            synchronized (this) {
                byId.remove(id);
            }
            throw e;
        }
        synchronized (this) {
            byId.put(id, session);
        }
        session.onExit(s -> {
            synchronized (this) {
                if (byId.get(s.id()) == s) { // an exec's session may be forgotten before its exit is told
                    endedAtNanos.put(s.id(), System.nanoTime());
                }
            }
            onChange.accept(s);
        });
        LOG.info(() -> "session " + session.id() + " (" + session.name() + ") started: " + session.view().command());
        onChange.accept(session);
        return session;
    }

    void onChange(Consumer<Session> listener) {
        onChange = listener;
    }

    /** A session by id or unique name. */
    synchronized Session find(String idOrName) {
        if (idOrName == null || idOrName.isEmpty()) {
            throw new SessionException(Reason.INVALID_ARGUMENT, "no session named: give a session id or name");
        }
        Session s = byId.get(idOrName);
        if (s != null) {
            return s;
        }
        for (Session candidate : byId.values()) {
            if (candidate != null && candidate.name().equals(idOrName)) {
                return candidate;
            }
        }
        throw new SessionException(Reason.SESSION_NOT_FOUND, "no session with id or name '" + idOrName + "'");
    }

    /** Running sessions first, newest first within each group. */
    synchronized List<Session> list() {
        return byId.values().stream().filter(s -> s != null)
                .sorted(Comparator.comparing((Session s) -> !s.running())
                        .thenComparing(s -> -s.view().createdAtMs()))
                .toList();
    }

    /** What every session, running or ended, holds ({@link Session#memoryBytes}). */
    long memoryBytes() {
        return list().stream().mapToLong(Session::memoryBytes).sum();
    }

    synchronized int runningCount() {
        return (int) byId.values().stream().filter(s -> s != null && s.running()).count();
    }

    /** Ends a session; it stays listable with its final screen for the retention time. */
    void destroy(Session session) throws InterruptedException {
        session.destroy(HANGUP_PATIENCE);
    }

    synchronized void remove(Session session) {
        byId.remove(session.id());
        endedAtNanos.remove(session.id());
    }

    /** A running session keeps its name; an ended one gives it up to a new session (and is forgotten). */
    private void requireFreeName(String name) {
        for (Session s : List.copyOf(byId.values())) {
            if (s == null || !(s.name().equals(name) || s.id().equals(name))) {
                continue;
            }
            if (s.running()) {
                throw new SessionException(Reason.NAME_TAKEN, "a running session is already named '" + name
                        + "' (id " + s.id() + ")");
            }
            byId.remove(s.id());
            endedAtNanos.remove(s.id());
        }
    }

    private void sweep() {
        try {
            List<Session> sessions = list();
            long now = System.nanoTime();
            // Grace windows first: packing many sessions just gone quiet (up to 2 MiB of ring each) must
            // not hold up the end of one.
            sessions.forEach(Session::expireGrace);
            for (Session s : sessions) {
                s.compactMemory(QUIET_OUTPUT);
                Long ended;
                synchronized (this) {
                    ended = endedAtNanos.get(s.id());
                }
                if (ended != null && now - ended > config.endedRetention().toNanos()) {
                    remove(s);
                } else if (ended == null && !config.idleTimeout().isZero()
                        && now - s.lastActivityNanos() > config.idleTimeout().toNanos()) {
                    LOG.info(() -> "session " + s.id() + " idle for " + config.idleTimeout() + ": ending it");
                    s.destroy(HANGUP_PATIENCE);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "session sweep failed", e);
        }
    }

    /** Hangs up every session. */
    @Override
    public void close() {
        janitor.shutdownNow();
        for (Session s : list()) {
            try {
                s.destroy(HANGUP_PATIENCE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}

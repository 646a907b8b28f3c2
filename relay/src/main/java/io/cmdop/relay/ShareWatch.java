package io.cmdop.relay;

import io.cmdop.protocol.v1.Reason;
import io.cmdop.relay.store.RelayStore;
import io.cmdop.relay.store.ShareLink;

import io.cmdop.transport.ErrorStatus;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The share-link viewers attached right now, so that a link's expiry or revocation ends them
 * within seconds (not at their next call). Revocation through this relay ends them at once; a
 * tick each second catches expiry and revocations made through another relay on the same database.
 */
final class ShareWatch implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ShareWatch.class.getName());
    static final Duration TICK = Duration.ofSeconds(1);
    /** Opens of one link per minute: enough for a team, not for someone hammering a leaked link. */
    static final int OPENS_PER_MINUTE = 30;

    private final RelayStore store;
    private final Map<String, Set<RemoteAttach>> viewers = new ConcurrentHashMap<>();
    private final SourceWindows opens = new SourceWindows(Duration.ofMinutes(1).toNanos(), 10_000);
    private final Thread ticker;
    private volatile boolean closed;

    ShareWatch(RelayStore store) {
        this.store = store;
        this.ticker = Thread.ofVirtual().name("cmdop-share-watch").start(this::run);
    }

    /** A link is opened (a fresh attach): counted, and refused past its rate. */
    void opened(ShareLink link) {
        if (opens.hit(link.id()) > OPENS_PER_MINUTE) {
            throw ErrorStatus.of(Reason.REASON_LIMIT_REACHED, "this share link was opened too often; try again in a minute");
        }
        store.shareLinks().countView(link.id());
    }

    void add(ShareLink link, RemoteAttach viewer) {
        viewers.computeIfAbsent(link.id(), id -> ConcurrentHashMap.newKeySet()).add(viewer);
    }

    void remove(ShareLink link, RemoteAttach viewer) {
        viewers.computeIfPresent(link.id(), (id, set) -> {
            set.remove(viewer);
            return set.isEmpty() ? null : set;
        });
    }

    /** The link was revoked here: its viewers are ended now. */
    void revoked(String linkId) {
        end(linkId, "the share link was revoked");
    }

    private void run() {
        while (!closed) {
            try {
                Thread.sleep(TICK);
                check();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "checking share links failed", e);
            }
        }
    }

    private void check() {
        for (Map.Entry<String, Set<RemoteAttach>> entry : List.copyOf(viewers.entrySet())) {
            String id = entry.getKey();
            ShareLink known = entry.getValue().stream().findAny().map(RemoteAttach::shareLink).orElse(null);
            if (known == null) {
                continue;
            }
            ShareLink now = store.shareLinks().get(known.fleetId(), id).orElse(known);
            if (now.revoked()) {
                end(id, "the share link was revoked");
            } else if (!now.usableAt(store.shareLinks().now())) {
                end(id, "the share link has expired");
            }
        }
    }

    private void end(String linkId, String why) {
        Set<RemoteAttach> ending = viewers.remove(linkId);
        if (ending != null) {
            LOG.info(() -> "share link " + linkId + ": " + why + "; ending " + ending.size() + " viewer(s)");
            ending.forEach(v -> v.revoke(why));
        }
    }

    @Override
    public void close() {
        closed = true;
        ticker.interrupt();
    }
}

package io.cmdop.relay;

import io.cmdop.protocol.v1.Error;
import io.cmdop.protocol.v1.Event;
import io.cmdop.protocol.v1.Screen;
import io.cmdop.protocol.v1.SessionFeed;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One session's events as they come up the link, once, handed to every remote client of it
 * (ARCHITECTURE §3.7 at the relay: each client has its own bounded queue, none waits for another).
 * Keeps the latest events so a client joining between two feed batches misses none.
 */
final class SessionFanout {
    /** Recent events kept for joiners, by serialized bytes. */
    private static final long RECENT_BYTES = 1024 * 1024;

    private final AgentConnection agent;
    private final String sessionId;
    private final List<RemoteAttach> clients = new CopyOnWriteArrayList<>();
    private final ArrayDeque<Event> recent = new ArrayDeque<>();
    private long recentBytes;
    private boolean ended;
    /** A screen was asked of the machine for this feed and has not come: clients asking meanwhile wait for it. */
    private boolean refreshAsked;
    /** Clients that hold this fan-out, attached or still attaching; changed only by the agent's map, per session. */
    private int holders;

    SessionFanout(AgentConnection agent, String sessionId) {
        this.agent = agent;
        this.sessionId = sessionId;
    }

    String sessionId() {
        return sessionId;
    }

    int clientCount() {
        return clients.size();
    }

    synchronized void accept(SessionFeed feed) {
        if (feed.hasRefreshed() || feed.hasResync()) {
            refreshAsked = false; // a client still waiting (one ahead of this screen) asks again
        }
        if (feed.hasResync()) {
            recent.clear();
            recentBytes = 0;
            clients.forEach(c -> c.resync(feed.getResync()));
        }
        for (Event e : feed.getEventsList()) {
            recent.addLast(e);
            recentBytes += e.getSerializedSize();
            while (recentBytes > RECENT_BYTES && recent.size() > 1) {
                recentBytes -= recent.removeFirst().getSerializedSize();
            }
            clients.forEach(c -> c.offer(e));
        }
        if (feed.hasRefreshed()) {
            clients.forEach(c -> c.refreshed(feed.getRefreshed()));
        }
        if (feed.getEnded()) {
            ended = true;
            clients.forEach(RemoteAttach::sessionEnded);
        }
    }

    /** Adds a client that holds everything up to {@code afterSeq}; hands it the recent events after that. */
    synchronized void add(RemoteAttach client, long afterSeq) {
        clients.add(client);
        catchUp(client, afterSeq);
    }

    /**
     * A lagging client skips forward to {@code screen} and takes the recent events after it, with no
     * feed batch in between: one offered to it first would make it drop those older events as seen.
     */
    synchronized void skipForward(RemoteAttach client, Screen screen) {
        if (client.skippedTo(screen)) {
            catchUp(client, screen.getSeq());
        }
    }

    /** Hands a client the recent events after {@code afterSeq}. */
    private void catchUp(RemoteAttach client, long afterSeq) {
        for (Event e : recent) {
            if (e.getSeq() > afterSeq) {
                client.offer(e);
            }
        }
        if (ended) {
            client.sessionEnded();
        }
    }

    /** A client asked for the screen: the machine puts it into this feed, after the events before it. */
    void requestRefresh() {
        synchronized (this) {
            if (refreshAsked || ended) {
                return;
            }
            refreshAsked = true;
        }
        agent.refreshFeed(this);
    }

    /** A client lets go: it leaves the clients (if it had joined) and no longer holds the feed. */
    void remove(RemoteAttach client) {
        clients.remove(client);
        agent.release(this);
    }

    void hold() {
        holders++;
    }

    /** One holder fewer; true when none is left. */
    boolean letGo() {
        return --holders == 0;
    }

    /** The machine went away: every client is told, with the reason. */
    void machineGone(Error error) {
        clients.forEach(c -> c.machineGone(error));
    }
}

package io.cmdop.relay;

import io.cmdop.protocol.v1.Reason;
import io.cmdop.transport.ErrorStatus;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * The daemons linked to this relay, by fleet and machine name. Lookups are fleet-scoped: another
 * fleet's machine does not exist for the caller (not found, never "forbidden").
 */
final class Agents {
    private static final Logger LOG = Logger.getLogger(Agents.class.getName());
    /**
     * How long one resume waits for the daemon hosting its session to (re)connect, e.g. after a
     * relay restart. Shorter than a client's resume attempt, which retries within its grace window.
     */
    static final Duration RECONNECT_WAIT = Duration.ofSeconds(4);

    private final Map<String, AgentConnection> byKey = new ConcurrentHashMap<>();

    private static String key(String fleetId, String machineName) {
        return fleetId + "/" + machineName;
    }

    /** Registers a new link, replacing (and closing) an older one of the same machine. */
    void connected(AgentConnection agent) {
        AgentConnection old = byKey.put(key(agent.machine().fleetId(), agent.machine().name()), agent);
        if (old != null && old != agent) {
            old.close("replaced by a new link");
        }
        synchronized (this) {
            notifyAll();
        }
        LOG.info(() -> "machine " + agent.machine().name() + " linked from " + agent.remoteAddress());
    }

    void disconnected(AgentConnection agent, String why) {
        byKey.remove(key(agent.machine().fleetId(), agent.machine().name()), agent);
        agent.close(why);
        LOG.info(() -> "machine " + agent.machine().name() + " unlinked: " + why);
    }

    /** Closes the link of a machine (e.g. revoked). */
    void kick(String fleetId, String machineName, String why) {
        AgentConnection agent = byKey.get(key(fleetId, machineName));
        if (agent != null) {
            disconnected(agent, why);
        }
    }

    AgentConnection find(String fleetId, String machineName) {
        return byKey.get(key(fleetId, machineName));
    }

    /** The caller's machine by name, or not found (also when it is another fleet's) or offline. */
    AgentConnection require(Caller caller, String machineName) {
        if (machineName == null || machineName.isBlank()) {
            throw ErrorStatus.of(Reason.REASON_INVALID_ARGUMENT, "name the machine: MACHINE/SESSION");
        }
        AgentConnection agent = find(caller.fleetId(), machineName);
        if (agent == null) {
            throw ErrorStatus.of(Reason.REASON_MACHINE_OFFLINE, "no machine named '" + machineName
                    + "' is connected in your fleet");
        }
        return agent;
    }

    /** The caller's machine hosting a session, waiting a while for its daemon to (re)connect. */
    AgentConnection hosting(Caller caller, String sessionId) {
        long deadline = System.nanoTime() + RECONNECT_WAIT.toNanos();
        synchronized (this) {
            while (true) {
                for (AgentConnection agent : byKey.values()) {
                    if (agent.machine().fleetId().equals(caller.fleetId()) && agent.hosts(sessionId)) {
                        return agent;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw ErrorStatus.of(Reason.REASON_MACHINE_OFFLINE,
                            "the machine hosting session " + sessionId + " is not connected to the relay");
                }
                try {
                    wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw ErrorStatus.of(Reason.REASON_INTERNAL, "interrupted");
                }
            }
        }
    }

    /** New sessions become routable for resumes. */
    void changed() {
        synchronized (this) {
            notifyAll();
        }
    }

    List<AgentConnection> inFleet(String fleetId) {
        return byKey.values().stream().filter(a -> a.machine().fleetId().equals(fleetId)).toList();
    }

    Collection<AgentConnection> all() {
        return byKey.values();
    }
}

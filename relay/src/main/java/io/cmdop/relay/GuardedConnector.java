package io.cmdop.relay;

import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The relay's port, refusing a connection flood: a source (an IP address) may hold at most
 * {@link #MAX_OPEN_PER_SOURCE} connections and open at most {@link #MAX_NEW_PER_MINUTE} a minute.
 * Past either, a new connection is closed before a byte of it is read; connections already open
 * are untouched.
 */
final class GuardedConnector extends ServerConnector {
    private static final Logger LOG = Logger.getLogger(GuardedConnector.class.getName());
    /** Generous for a team behind one NAT address, each client holding one HTTP/2 connection. */
    static final int MAX_OPEN_PER_SOURCE = 256;
    static final int MAX_NEW_PER_MINUTE = 600;
    private static final int MAX_SOURCES = 10_000;

    private final RelayMetrics metrics;
    private final SourceWindows opened = new SourceWindows(TimeUnit.MINUTES.toNanos(1), MAX_SOURCES);
    /** Open connections per source, and each one's source (a closed socket no longer tells it). Bounded by
     *  the open connections themselves (see NetworkConnectionLimit). */
    private final Map<String, Integer> open = new HashMap<>();
    private final Map<EndPoint, String> sources = new HashMap<>();

    GuardedConnector(Server server, RelayMetrics metrics, ConnectionFactory... factories) {
        super(server, factories);
        this.metrics = metrics;
    }

    @Override
    protected void onEndPointOpened(EndPoint endPoint) {
        super.onEndPointOpened(endPoint);
        String source = Authenticator.source(endPoint.getRemoteSocketAddress());
        int holding;
        synchronized (open) {
            sources.put(endPoint, source);
            holding = open.merge(source, 1, Integer::sum);
        }
        long recent = opened.hit(source);
        if (holding > MAX_OPEN_PER_SOURCE || recent > MAX_NEW_PER_MINUTE) {
            metrics.connectionsRefused.incrementAndGet();
            if (recent == MAX_NEW_PER_MINUTE + 1 || holding == MAX_OPEN_PER_SOURCE + 1) {
                LOG.warning(() -> "refusing connections from " + source + ": " + holding + " open, "
                        + recent + " opened within a minute");
            }
            endPoint.close();
        }
    }

    @Override
    protected void onEndPointClosed(EndPoint endPoint) {
        synchronized (open) {
            String source = sources.remove(endPoint);
            if (source != null) {
                open.computeIfPresent(source, (s, n) -> n > 1 ? n - 1 : null);
            }
        }
        super.onEndPointClosed(endPoint);
    }
}

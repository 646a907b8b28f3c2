package io.cmdop.relay;

import io.cmdop.protocol.v1.Reason;
import io.grpc.Channel;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.websocket.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.server.ServerWebSocketContainer;

import java.time.Duration;
import java.util.logging.Logger;

/**
 * The WebSocket carrier at {@code /ws} (ARCHITECTURE §4): each socket carries cmdop.v1 calls as
 * WebFrames and hands them to the relay's own services in process, so a browser is just
 * another client of the same Sessions and Fleet services, authenticated and checked the same way.
 * Browsers may connect only from the relay's own origin (a foreign page could otherwise use a
 * visitor's relay); programs that send no Origin are not browsers and are let through.
 */
final class WebCarrier {
    private static final Logger LOG = Logger.getLogger(WebCarrier.class.getName());
    static final String PATH = "/ws";
    /** The largest WebFrame accepted; larger ones close the socket with FRAME_TOO_LARGE. */
    static final int MAX_FRAME_BYTES = RelayServer.MAX_FRAME_BYTES + 64 * 1024;
    /** Above this Jetty itself refuses to assemble a message (close code 1009). */
    static final int MAX_MESSAGE_BYTES = 4 * MAX_FRAME_BYTES;
    /** A socket with no frame for this long is closed; the console sends a keepalive every 20 s. */
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);

    private final Channel services;
    /** Sign-ins (sockets) a minute from one address; failed ones also count toward the relay's auth limit. */
    static final int SOCKETS_PER_MINUTE = 60;

    private final SourceWindows sockets = new SourceWindows(Duration.ofMinutes(1).toNanos(), 10_000);

    WebCarrier(Channel services) {
        this.services = services;
    }

    void install(ServerWebSocketContainer container) {
        container.setMaxBinaryMessageSize(MAX_MESSAGE_BYTES);
        container.setMaxTextMessageSize(4096);
        container.setIdleTimeout(IDLE_TIMEOUT);
        container.addMapping(PATH, (request, response, callback) -> {
            String source = Request.getRemoteAddr(request);
            String origin = request.getHeaders().get(HttpHeader.ORIGIN);
            if (origin != null && !origin.equals(ownOrigin(request))) {
                LOG.warning(() -> "refused a WebSocket from " + source + " with the foreign origin " + origin);
                return WebConnection.refused(source, Reason.REASON_UNAUTHENTICATED, 1008, "origin " + origin + " is not allowed");
            }
            if (sockets.hit(source) > SOCKETS_PER_MINUTE) {
                return WebConnection.refused(source, Reason.REASON_LIMIT_REACHED, 1008, "too many connections from "
                        + source + "; try again in a minute");
            }
            return WebConnection.accepted(services, source);
        });
    }

    /** The origin a page served by this relay has, as the browser addressed the relay. */
    static String ownOrigin(ServerUpgradeRequest request) {
        String scheme = request.isSecure() ? "https" : "http";
        String host = request.getHttpURI().getHost();
        int port = request.getHttpURI().getPort();
        if (host != null && host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        boolean defaultPort = port <= 0 || (scheme.equals("https") && port == 443) || (scheme.equals("http") && port == 80);
        return scheme + "://" + host + (defaultPort ? "" : ":" + port);
    }
}

package io.cmdop.relay;

import io.cmdop.protocol.v1.Reason;
import io.cmdop.relay.store.Machine;
import io.cmdop.relay.store.Principal;
import io.cmdop.relay.store.RelayStore;
import io.cmdop.relay.store.ShareLink;
import io.cmdop.relay.store.Verification;
import io.cmdop.transport.ErrorStatus;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessSocketAddress;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Every RPC at the relay is authenticated here, on the server side: API keys and share links for
 * clients, machine credentials for daemons' links. Failed attempts are rate-limited per source address (a bounded
 * table), and secrets are never logged.
 */
final class Authenticator {
    private static final Logger LOG = Logger.getLogger(Authenticator.class.getName());
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    static final Context.Key<String> BEARER = Context.key("cmdop-bearer");
    static final Context.Key<String> SOURCE = Context.key("cmdop-source");
    /**
     * The browser's address, set by the WebSocket carrier on the calls it makes in process. Read
     * only from in-process calls: a remote gRPC client cannot reach that transport.
     */
    static final Metadata.Key<String> WEB_SOURCE = Metadata.Key.of("cmdop-web-source", Metadata.ASCII_STRING_MARSHALLER);
    /** What a share link's holder may call: its one session, and who it is. */
    private static final Set<String> SHARE_METHODS = Set.of("cmdop.v1.Sessions/Attach", "cmdop.v1.Sessions/GetSession",
            "cmdop.v1.Sessions/GetScreen", "cmdop.v1.Fleet/WhoAmI");
    /** Failures allowed per source within the window before its attempts are refused outright. */
    static final int MAX_FAILURES = 10;
    static final long WINDOW_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final int MAX_SOURCES = 10_000;
    static final String SHARE_PREFIX = "cmdop_share_";

    private final RelayStore store;
    private final RelayMetrics metrics;
    private final SourceWindows failures = new SourceWindows(WINDOW_NANOS, MAX_SOURCES);

    Authenticator(RelayStore store, RelayMetrics metrics) {
        this.store = store;
        this.metrics = metrics;
    }

    /** Captures the bearer secret and the source address for the services; checks API keys for `members`. */
    ServerInterceptor interceptor(boolean members) {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                                ServerCallHandler<Q, R> next) {
                SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
                String source = remote instanceof InProcessSocketAddress && headers.get(WEB_SOURCE) != null
                        ? headers.get(WEB_SOURCE) : source(remote);
                String header = headers.get(AUTHORIZATION);
                String bearer = header != null && header.startsWith("Bearer ") ? header.substring(7).trim() : "";
                Context context = Context.current().withValue(BEARER, bearer).withValue(SOURCE, source);
                if (members) {
                    try {
                        Caller caller = member(bearer, source);
                        if (caller.share() != null && !SHARE_METHODS.contains(call.getMethodDescriptor().getFullMethodName())) {
                            throw ErrorStatus.of(Reason.REASON_ROLE_FORBIDS, "a share link opens its one session only");
                        }
                        context = context.withValue(Caller.KEY, caller);
                    } catch (StatusRuntimeException e) {
                        call.close(e.getStatus(), e.getTrailers() == null ? new Metadata() : e.getTrailers());
                        return new ServerCall.Listener<>() { };
                    }
                }
                return Contexts.interceptCall(context, call, headers, next);
            }
        };
    }

    Caller member(String secret, String source) {
        throttle(source);
        if (secret.isEmpty()) {
            throw failed(source, "no API key: log in with `cmdop login --key cmdop_...`");
        }
        if (secret.startsWith(SHARE_PREFIX)) {
            return sharing(secret, source);
        }
        return switch (store.apiKeys().verify(secret)) {
            case Verification.Accepted<Principal>(Principal p) -> {
                String fleet = store.fleets().get(p.fleetId()).map(f -> f.name()).orElse(p.fleetId());
                yield new Caller(p, fleet, source);
            }
            case Verification.Refused<Principal>(var reason) -> throw failed(source, reason.describe("the API key")
                    + " (" + reason.code() + ")");
        };
    }

    private Caller sharing(String token, String source) {
        return switch (store.shareLinks().verify(token)) {
            case Verification.Accepted<ShareLink>(ShareLink link) -> Caller.sharing(link,
                    store.fleets().get(link.fleetId()).map(f -> f.name()).orElse(link.fleetId()), source);
            case Verification.Refused<ShareLink>(var reason) -> throw failed(source,
                    reason.describe("the share link") + " (" + reason.code() + ")");
        };
    }

    Machine machine(String credential, String source) {
        throttle(source);
        return switch (store.machines().verify(credential)) {
            case Verification.Accepted<Machine>(Machine m) -> m;
            case Verification.Refused<Machine>(var reason) -> throw failed(source,
                    reason.describe("the machine credential") + " (" + reason.code() + "); enroll again with a new join key");
        };
    }

    /** Counts a failure of the source; returns the error for the caller. */
    StatusRuntimeException failed(String source, String message) {
        metrics.authFailures.incrementAndGet();
        failures.hit(source);
        LOG.warning(() -> "authentication failed from " + source + ": " + message);
        return ErrorStatus.of(Reason.REASON_UNAUTHENTICATED, message);
    }

    private void throttle(String source) {
        if (failures.count(source) >= MAX_FAILURES) {
            throw ErrorStatus.of(Reason.REASON_LIMIT_REACHED, "too many failed authentications from "
                    + source + "; try again in a minute");
        }
    }

    static String source(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            return inet.getAddress() == null ? inet.getHostString() : inet.getAddress().getHostAddress();
        }
        return String.valueOf(address);
    }
}

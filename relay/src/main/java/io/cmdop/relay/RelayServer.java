package io.cmdop.relay;

import io.cmdop.relay.store.RelayStore;
import io.grpc.ManagedChannel;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.servlet.jakarta.GrpcServlet;
import io.grpc.servlet.jakarta.ServletServerBuilder;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

import java.io.IOException;
import java.net.InetAddress;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.logging.Logger;

/**
 * The relay (ARCHITECTURE §2): one port for everything it serves — gRPC for daemons' links and for
 * remote clients, the web console at / with its WebSocket carrier at /ws, HTTP for /health and
 * /metrics — on TLS (ALPN h2 and http/1.1), or plaintext on
 * a loopback address when asked explicitly.
 */
public final class RelayServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RelayServer.class.getName());
    public static final int MAX_FRAME_BYTES = 1024 * 1024;
    /** Past this many open connections the relay stops accepting until some close. */
    static final int MAX_CONNECTIONS = 10_000;

    private final Server server;
    private final ServerConnector connector;
    private final Agents agents = new Agents();
    private final RelayMetrics metrics;
    private final RelayTls tls;
    private final ShareWatch shares;
    private final io.grpc.Server inProcess;
    private final ManagedChannel webChannel;

    private RelayServer(RelayStore store, String host, int port, RelayTls tls) throws Exception {
        this.tls = tls;
        this.metrics = new RelayMetrics(() -> agents.all().size(),
                () -> agents.all().stream().mapToLong(AgentConnection::sessionCount).sum(),
                () -> agents.all().stream().mapToLong(AgentConnection::clientCount).sum());
        Authenticator auth = new Authenticator(store, metrics);
        this.shares = new ShareWatch(store);
        ServerServiceDefinition sessions = ServerInterceptors.intercept(new RelayedSessions(agents, metrics, shares),
                auth.interceptor(true));
        ServerServiceDefinition files = ServerInterceptors.intercept(new RelayedFiles(agents), auth.interceptor(true));
        ServerServiceDefinition fleet = ServerInterceptors.intercept(new FleetService(store, agents, shares),
                auth.interceptor(true));
        java.util.concurrent.ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
        GrpcServlet grpc = new ServletServerBuilder()
                .executor(handlers)
                .callExecutor(new StreamFrames(handlers))
                .maxInboundMessageSize(MAX_FRAME_BYTES)
                .addService(ServerInterceptors.intercept(new AgentLinkService(store, auth, agents), auth.interceptor(false)))
                .addService(sessions)
                .addService(files)
                .addService(fleet)
                .addService(ProtoReflectionServiceV1.newInstance())
                .buildServlet();
        // The WebSocket carrier calls the very same services, in process: one schema, one implementation.
        String inProcessName = "cmdop-relay-" + UUID.randomUUID();
        inProcess = InProcessServerBuilder.forName(inProcessName).executor(Executors.newVirtualThreadPerTaskExecutor())
                .maxInboundMessageSize(MAX_FRAME_BYTES).addService(sessions).addService(files).addService(fleet).build().start();
        webChannel = InProcessChannelBuilder.forName(inProcessName).executor(Executors.newVirtualThreadPerTaskExecutor())
                .maxInboundMessageSize(Integer.MAX_VALUE).build();
        WebCarrier web = new WebCarrier(webChannel);

        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("cmdop-relay");
        threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        HttpConnectionFactory http1 = new HttpConnectionFactory(http);
        if (tls != null) {
            http.addCustomizer(new SecureRequestCustomizer(false));
            HTTP2ServerConnectionFactory h2 = new HTTP2ServerConnectionFactory(http);
            ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory();
            alpn.setDefaultProtocol(http1.getProtocol());
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStore(tls.keyStore());
            ssl.setKeyStorePassword(new String(RelayTls.STORE_PASSWORD));
            connector = new GuardedConnector(server, metrics, new SslConnectionFactory(ssl, alpn.getProtocol()), alpn, h2,
                    http1);
        } else {
            if (!InetAddress.getByName(host).isLoopbackAddress()) {
                throw new IllegalArgumentException("plaintext is only allowed on a loopback address, not " + host);
            }
            connector = new GuardedConnector(server, metrics, http1, new HTTP2CServerConnectionFactory(http));
        }
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        server.addBean(new NetworkConnectionLimit(MAX_CONNECTIONS, connector));

        ServletContextHandler context = new ServletContextHandler();
        ServletHolder grpcHolder = new ServletHolder(grpc);
        for (String service : new String[] {"cmdop.v1.Sessions", "cmdop.v1.Files", "cmdop.v1.Fleet", "cmdop.v1.AgentLink",
                "grpc.reflection.v1.ServerReflection"}) {
            context.addServlet(grpcHolder, "/" + service + "/*");
        }
        context.addServlet(new ServletHolder(text("application/json",
                () -> "{\"status\":\"ok\",\"agents\":" + agents.all().size() + "}\n")), "/health");
        context.addServlet(new ServletHolder(text("text/plain; version=0.0.4", metrics::render)), "/metrics");
        context.addServlet(new ServletHolder(new ConsoleAssets()), "/");
        WebSocketUpgradeHandler upgrades = WebSocketUpgradeHandler.from(server, web::install);
        upgrades.setHandler(context);
        server.setHandler(upgrades);
        server.start();
        LOG.info(() -> "relay listening on " + (tls != null ? "https" : "http (plaintext, loopback)") + "://"
                + host + ":" + port() + " with " + store.displayUrl());
    }

    /** Starts a relay; {@code tls} null means plaintext, which only a loopback {@code host} accepts. */
    public static RelayServer start(RelayStore store, String host, int port, RelayTls tls) throws IOException {
        try {
            return new RelayServer(store, host, port, tls);
        } catch (IOException | IllegalArgumentException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot start the relay on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /** What /metrics shows, for tests that cannot ask over a refused connection. */
    String metricsText() {
        return metrics.render();
    }

    public int port() {
        return connector.getLocalPort();
    }

    /** The fingerprint of the certificate clients must pin, or empty for plaintext. */
    public String fingerprint() {
        return tls == null ? "" : tls.fingerprint();
    }

    @Override
    public void close() {
        agents.all().forEach(a -> agents.disconnected(a, "relay stopping"));
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warning(() -> "relay stop: " + e);
        }
        webChannel.shutdownNow();
        inProcess.shutdownNow();
        shares.close();
    }

    private static HttpServlet text(String contentType, java.util.function.Supplier<String> body) {
        return new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
                response.setContentType(contentType);
                response.setCharacterEncoding("UTF-8");
                response.getWriter().write(body.get());
            }
        };
    }
}

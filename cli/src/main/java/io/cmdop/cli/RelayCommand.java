package io.cmdop.cli;

import io.cmdop.client.CmdopHome;
import io.cmdop.client.PrivateProperties;
import io.cmdop.relay.RelayServer;
import io.cmdop.relay.RelayTls;
import io.cmdop.relay.store.CreatedJoinKey;
import io.cmdop.relay.store.NewFleet;
import io.cmdop.relay.store.RelayStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code cmdop relay init|start}: the relay that makes every machine reachable. */
@Command(name = "relay", description = "Set up and run a relay.")
final class RelayCommand {
    static final String SETTINGS = "relay.properties";

    static Path dir(CmdopHome home) {
        return home.dir().resolve("relay");
    }

    /** Where a relay listens: HOST:PORT, port 0 for any free one. */
    record Listen(String host, int port) {
        static Listen parse(String text) {
            int colon = text.lastIndexOf(':');
            try {
                int port = Integer.parseInt(text.substring(colon + 1));
                if (colon > 0 && port >= 0 && port <= 65535) {
                    return new Listen(text.substring(0, colon), port);
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new UserException("a listen address is HOST:PORT (port 0 to 65535), not '" + text + "'");
        }
    }

    @Command(name = "init", description = "Once: database, fleet \"default\", an owner API key, a join key and "
            + "the TLS certificate; secrets are printed once.")
    static final class Init implements Callable<Integer> {
        @Option(names = "--db", description = "JDBC URL (default: an embedded database in $CMDOP_HOME/relay).")
        String db;
        @Option(names = "--host", description = "Host names or addresses the certificate names (repeatable).")
        List<String> hosts = new ArrayList<>();
        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            CmdopHome home = CmdopHome.resolve();
            Initialized init = initialize(home, db, hosts);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("database", init.database());
            m.put("fleet", "default");
            m.put("owner_key", init.ownerKey());
            m.put("join_key", init.joinKey());
            m.put("join_key_expires_at", init.joinKeyExpires());
            m.put("fingerprint", init.fingerprint());
            if (json) {
                System.out.println(Json.pretty(m));
            } else {
                System.out.println("relay initialized in " + dir(home) + " (database " + init.database() + ")");
                System.out.println("owner API key (shown once):  " + init.ownerKey());
                System.out.println("join key (10 machines, 24 h): " + init.joinKey());
                System.out.println("certificate fingerprint:      " + init.fingerprint());
                System.out.println("next: cmdop relay start, then on each machine: cmdop agent start --relay https://HOST:"
                        + io.cmdop.client.RelayEndpoint.DEFAULT_PORT + " --join-key " + init.joinKey()
                        + " --fingerprint " + init.fingerprint());
            }
            return 0;
        }
    }

    record Initialized(String database, String ownerKey, String joinKey, String joinKeyExpires, String fingerprint) {}

    /** Creates the relay's state; refuses to overwrite an existing one (its secrets were shown once). */
    static Initialized initialize(CmdopHome home, String db, List<String> hosts) throws Exception {
        Path dir = dir(home);
        if (Files.exists(dir.resolve(SETTINGS))) {
            throw new UserException("a relay is already initialized in " + dir + "; its keys were printed then "
                    + "(create new ones with `cmdop keys create` and `cmdop join-keys create`)");
        }
        Files.createDirectories(dir);
        String url = db != null ? db : RelayStore.embeddedUrl(home.dir());
        List<String> names = new ArrayList<>(List.of("localhost", "127.0.0.1"));
        names.add(InetAddress.getLocalHost().getHostName());
        names.addAll(hosts);
        try (RelayStore store = RelayStore.open(url)) {
            NewFleet fleet = store.fleets().create("default", "owner", true);
            CreatedJoinKey join = store.joinKeys().create(fleet.fleet().id(), 10, Duration.ofHours(24));
            RelayTls tls = RelayTls.createSelfSigned(dir.resolve("tls.p12"), names);
            Properties p = new Properties();
            p.setProperty("db", url);
            PrivateProperties.write(dir.resolve(SETTINGS), p, "cmdop relay");
            return new Initialized(store.displayUrl(), fleet.ownerKey().secret(), join.secret(),
                    join.key().expiresAt().toString(), tls.fingerprint());
        }
    }

    @Command(name = "start", description = "Run the relay (in the foreground).")
    static final class Start implements Callable<Integer> {
        @Option(names = "--listen", description = "HOST:PORT (default 0.0.0.0:8443).")
        String listen = "0.0.0.0:" + io.cmdop.client.RelayEndpoint.DEFAULT_PORT;
        @Option(names = "--db", description = "JDBC URL (default: the one `relay init` chose).")
        String db;
        @Option(names = "--tls-cert", description = "A PEM certificate (chain) to use instead of the generated one.")
        Path certificate;
        @Option(names = "--tls-key", description = "The PEM private key of --tls-cert.")
        Path key;
        @Option(names = "--insecure-plaintext", description = "No TLS; only accepted on a loopback address.")
        boolean plaintext;

        @Override
        public Integer call() throws Exception {
            CmdopHome home = CmdopHome.resolve();
            Path dir = dir(home);
            Properties settings = PrivateProperties.read(dir.resolve(SETTINGS)).orElseThrow(
                    () -> new UserException("no relay here yet: run `cmdop relay init` first"));
            Listen address = Listen.parse(listen);
            String host = address.host();
            int port = address.port();
            RelayTls tls = plaintext ? null : certificate != null
                    ? RelayTls.fromPem(certificate, require(key, "--tls-key goes with --tls-cert"))
                    : RelayTls.load(dir.resolve("tls.p12"));
            String url = db != null ? db : settings.getProperty("db");
            RelayStore store;
            try {
                store = RelayStore.open(url);
            } catch (RuntimeException e) {
                throw new UserException(e.getMessage());
            }
            RelayServer server;
            try {
                server = RelayServer.start(store, host, port, tls);
            } catch (IllegalArgumentException e) {
                store.close();
                throw new UserException(e.getMessage());
            }
            CountDownLatch stopped = new CountDownLatch(1);
            OrderlyStop.install(server, store, stopped::countDown);
            System.out.println("relay listening on " + (tls == null ? "http" : "https") + "://" + host + ":"
                    + server.port() + (tls == null ? " (plaintext)" : " (fingerprint " + server.fingerprint() + ")"));
            System.out.flush();
            stopped.await();
            return 0;
        }

        private static <T> T require(T value, String message) {
            if (value == null) {
                throw new UserException(message);
            }
            return value;
        }
    }
}

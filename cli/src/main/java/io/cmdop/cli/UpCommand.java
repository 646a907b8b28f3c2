package io.cmdop.cli;

import io.cmdop.client.CmdopHome;
import io.cmdop.client.PrivateProperties;
import io.cmdop.client.RelayLogin;
import io.cmdop.daemon.Daemon;
import io.cmdop.daemon.RelaySettings;
import io.cmdop.protocol.v1.AgentStatus;
import io.cmdop.relay.RelayServer;
import io.cmdop.relay.RelayTls;
import io.cmdop.relay.store.CreatedJoinKey;
import io.cmdop.relay.store.EnrolledMachine;
import io.cmdop.relay.store.Fleet;
import io.cmdop.relay.store.RelayStore;
import io.cmdop.relay.store.Verification;
import picocli.CommandLine.Command;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;

/**
 * {@code cmdop up}: the first command a new user runs. On a fresh machine it sets up a relay on
 * loopback and this machine's daemon enrolled into it, runs both in one background process, logs
 * this user in as the fleet's owner, and attaches to the active session (in a terminal). Running
 * it again reuses the same state; `cmdop agent stop` stops both.
 */
@Command(name = "up", description = "Bring up a relay on loopback and this machine's daemon enrolled into it, "
        + "then attach to the active session.")
final class UpCommand implements Callable<Integer> {
    static final String LISTEN = "listen";

    @Override
    public Integer call() throws Exception {
        CmdopHome home = CmdopHome.resolve();
        AgentStatus running = AgentCommand.statusOrNull(home);
        if (running == null) {
            prepare(home);
            AgentCommand.Start start = new AgentCommand.Start();
            start.withRelay = true;
            int started = start.call();
            if (started != 0) {
                return started;
            }
        } else {
            System.out.println("cmdop daemon running (pid " + running.getPid() + ")");
        }
        RelayLogin.load(home).ifPresent(login -> System.out.println("relay: " + login.url()
                + " (you are logged in as its owner; `cmdop machines list`)\nweb console: " + login.url()
                + "/ (sign in with a key from `cmdop keys create --name browser`)"));
        if (System.console() == null || !System.console().isTerminal()) {
            System.out.println("""
                    Next:
                      ./cmdop connect                     attach to the active session (created if none)
                      ./cmdop session create --name build start another session
                      ./cmdop session list                who is where
                      ./cmdop agent stop                  stop the daemon and its relay""");
            return 0;
        }
        return new ConnectCommand().call();
    }

    /** First run: relay state, the owner's login, and this machine enrolled directly in the store. */
    private static void prepare(CmdopHome home) throws Exception {
        Path dir = RelayCommand.dir(home);
        if (PrivateProperties.read(dir.resolve(RelayCommand.SETTINGS)).isPresent()) {
            return;
        }
        RelayCommand.Initialized init = RelayCommand.initialize(home, null, List.of());
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Properties settings = PrivateProperties.read(dir.resolve(RelayCommand.SETTINGS)).orElseThrow();
        settings.setProperty(LISTEN, "127.0.0.1:" + port);
        PrivateProperties.write(dir.resolve(RelayCommand.SETTINGS), settings, "cmdop relay");
        String url = "https://127.0.0.1:" + port;
        new RelayLogin(url, init.fingerprint(), init.ownerKey()).save(home);
        try (RelayStore store = RelayStore.open(settings.getProperty("db"))) {
            Fleet fleet = store.fleets().find("default").orElseThrow();
            CreatedJoinKey join = store.joinKeys().create(fleet.id(), 1, Duration.ofMinutes(5));
            String name = InetAddress.getLocalHost().getHostName();
            if (!(store.machines().enroll(join.secret(), name, Daemon.VERSION)
                    instanceof Verification.Accepted<EnrolledMachine>(EnrolledMachine enrolled))) {
                throw new UserException("could not enroll this machine into its own relay");
            }
            new RelaySettings(url, init.fingerprint(), enrolled.machine().id(), name, enrolled.credential())
                    .save(home.dir());
        }
        System.out.println("set up a relay at " + url + " (fleet \"default\", certificate " + init.fingerprint() + ")");
    }

    /** The relay of this home, in this process (for `agent run --with-relay`). */
    static AutoCloseable startRelay(CmdopHome home) throws Exception {
        Path dir = RelayCommand.dir(home);
        Properties settings = PrivateProperties.read(dir.resolve(RelayCommand.SETTINGS)).orElseThrow(
                () -> new UserException("no relay in " + dir + ": run `cmdop up`"));
        String listen = settings.getProperty(LISTEN, "127.0.0.1:" + io.cmdop.client.RelayEndpoint.DEFAULT_PORT);
        RelayCommand.Listen address = RelayCommand.Listen.parse(listen);
        RelayStore store = RelayStore.open(settings.getProperty("db"));
        RelayServer server = RelayServer.start(store, address.host(), address.port(),
                RelayTls.load(dir.resolve("tls.p12")));
        return () -> {
            server.close();
            store.close();
        };
    }
}

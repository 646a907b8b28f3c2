package io.cmdop.relay;

import io.cmdop.client.CmdopClient;
import io.cmdop.daemon.Daemon;
import io.cmdop.daemon.DaemonConfig;
import io.cmdop.daemon.Enrollment;
import io.cmdop.protocol.v1.ClientKind;
import io.cmdop.protocol.v1.Machine;
import io.cmdop.relay.store.CreatedJoinKey;
import io.cmdop.relay.store.NewFleet;
import io.cmdop.relay.store.RelayStore;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** A real relay on a loopback TLS port with one real daemon ("web-1") linked to it, for one test. */
final class LinkedRelay implements AutoCloseable {
    final RelayStore store;
    final NewFleet fleet;
    final RelayServer relay;
    final Daemon daemon;
    final String url;
    final String fingerprint;

    LinkedRelay(Path relayHome, Path machineHome) throws Exception {
        store = RelayStore.open(RelayStore.embeddedUrl(relayHome));
        fleet = store.fleets().create("default", "owner", true);
        relay = RelayServer.start(store, "127.0.0.1", 0,
                RelayTls.createSelfSigned(relayHome.resolve("tls.p12"), List.of("localhost", "127.0.0.1")));
        url = "https://127.0.0.1:" + relay.port();
        fingerprint = relay.fingerprint();
        CreatedJoinKey join = store.joinKeys().create(fleet.fleet().id(), 1, Duration.ofHours(1));
        Enrollment.enroll(machineHome, url, join.secret(), "web-1", fingerprint);
        daemon = Daemon.start(machineHome, DaemonConfig.defaults());
        try (CmdopClient owner = client(fleet.ownerKey().secret())) {
            RelayTest.await(() -> owner.fleet().machines().stream().anyMatch(Machine::getOnline), "web-1 online");
        }
    }

    CmdopClient client(String key) {
        return CmdopClient.remote(url, key, fingerprint, ClientKind.CLIENT_KIND_CLI);
    }

    WebSocketPeer socket(String origin) throws Exception {
        return WebSocketPeer.connect(url, fingerprint, origin);
    }

    @Override
    public void close() {
        daemon.stop();
        relay.close();
        store.close();
    }
}

package io.cmdop.relay;

import io.cmdop.relay.store.PostgresServer;
import io.cmdop.relay.store.RelayStore;

import java.nio.file.Path;

/** Every relay test again, with the relay's state in a real PostgreSQL server (a fresh database each). */
class RelayOnPostgresTest extends RelayTest {
    @Override
    RelayStore openStore(Path home) throws Exception {
        PostgresServer server = PostgresServer.shared();
        return RelayStore.builder(server.url(server.createDatabase()))
                .user(PostgresServer.USER).password(server.password()).open();
    }
}

package io.cmdop.relay;

import io.cmdop.relay.store.PostgresServer;
import io.cmdop.relay.store.RelayStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.opentest4j.TestAbortedException;

import java.nio.file.Path;

/** Every relay test again, with the relay's state in a real PostgreSQL server (a fresh database each). */
class RelayOnPostgresTest extends RelayTest {
    private static PostgresServer server;
    private static String unavailable;

    @BeforeAll
    static void startServer() throws Exception {
        try {
            server = PostgresServer.start();
        } catch (TestAbortedException e) {
            unavailable = e.getMessage();
        }
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Override
    RelayStore openStore(Path home) throws Exception {
        Assumptions.assumeTrue(server != null, () -> unavailable);
        return RelayStore.builder(server.url(server.createDatabase()))
                .user(PostgresServer.USER).password(server.password()).open();
    }
}

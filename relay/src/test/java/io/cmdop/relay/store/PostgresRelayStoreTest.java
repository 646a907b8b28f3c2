package io.cmdop.relay.store;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The store suite on a real PostgreSQL server (one for the test run, a fresh database per test). */
class PostgresRelayStoreTest extends RelayStoreContract {
    private PostgresServer server;

    @Override
    String freshDatabaseUrl() throws Exception {
        server = PostgresServer.shared();
        return server.url(server.createDatabase());
    }

    @Override
    RelayStore.Builder configure(RelayStore.Builder builder) {
        return builder.user(PostgresServer.USER).password(server.password());
    }

    @Test
    void credentialsInTheUrlWork() {
        String database = url.substring(url.lastIndexOf('/') + 1);
        String inParameters = url + "?user=" + PostgresServer.USER + "&password=" + server.password();
        String inUserInfo = "jdbc:postgresql://" + PostgresServer.USER + ":" + server.password() + "@127.0.0.1:"
                + server.port() + "/" + database;
        for (String withCredentials : List.of(inParameters, inUserInfo)) {
            try (RelayStore store = RelayStore.builder(withCredentials).clock(clock).open()) {
                assertThat(store.displayUrl()).doesNotContain(server.password()).contains("127.0.0.1:" + server.port());
                store.fleets().list();
            }
        }
    }

    @Test
    void anUnreachableServerIsAClearErrorNamingTheUrlWithoutItsPassword() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        String secret = "hunter2-secret";
        String inParameter = "jdbc:postgresql://127.0.0.1:" + closedPort + "/relay?user=cmdop&password=" + secret + "&ssl=false";
        String inUserInfo = "jdbc:postgresql://cmdop:" + secret + "@127.0.0.1:" + closedPort + "/relay";

        assertThatThrownBy(() -> RelayStore.open(inParameter))
                .isInstanceOf(StoreException.class)
                .hasMessageStartingWith("cannot open the relay database jdbc:postgresql://127.0.0.1:" + closedPort + "/relay?user=cmdop&ssl=false: ")
                .satisfies(e -> assertThat(EmbeddedRelayStoreTest.chainText(e)).doesNotContain(secret));
        assertThatThrownBy(() -> RelayStore.open(inUserInfo))
                .isInstanceOf(StoreException.class)
                .hasMessageStartingWith("cannot open the relay database jdbc:postgresql://cmdop@127.0.0.1:" + closedPort + "/relay: ")
                .satisfies(e -> assertThat(EmbeddedRelayStoreTest.chainText(e)).doesNotContain(secret));
    }

    @Test
    void aWrongPasswordIsAClearErrorWithoutThePassword() {
        String wrong = "not-the-password-" + server.password().substring(0, 6);
        assertThatThrownBy(() -> RelayStore.builder(url).user(PostgresServer.USER).password(wrong).open())
                .isInstanceOf(StoreException.class)
                .hasMessageStartingWith("cannot open the relay database " + url + ": ")
                .hasMessageContaining("password authentication failed")
                .satisfies(e -> assertThat(EmbeddedRelayStoreTest.chainText(e)).doesNotContain(wrong));
    }
}
